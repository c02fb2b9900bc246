// The agent envelope's crypto on the node side, plus the secrets the gateway mints.

import { createHash, randomBytes } from 'node:crypto';
import type { EnvelopeCrypto } from '../../shared/wire/agent-envelope';
import { agentEnvelopeCrypto } from '../../agent/envelope-crypto';
import { hmacSha256Hex } from './hmac';

/**
 * Both ends of the agent link sign and verify under the same rules (src/shared/wire/agent-envelope.ts)
 * with the agent's nonces and comparison (main may import agent code; the agent may not import
 * main); the node's MAC is the same HMAC-SHA256 made without a context per message (./hmac.ts).
 */
export const nodeEnvelopeCrypto: EnvelopeCrypto = { ...agentEnvelopeCrypto, hmacHex: (keyB64, text) => hmacSha256Hex(keyB64, text) };

/** A fresh session key: 32 random bytes, base64url (43 characters). */
export const newSessionSecret = (): string => randomBytes(32).toString('base64url');

/** A key id: short, random, and never reused for another key. */
export const newKeyId = (): string => `k${randomBytes(8).toString('hex')}`;

/** A bootstrap token: 32 random bytes with a recognisable prefix (so it is spotted if pasted somewhere). */
export const newBootstrapToken = (): string => `ngt_${randomBytes(32).toString('base64url')}`;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
