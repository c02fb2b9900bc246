// node:crypto behind the agent envelope's pure rules, plus the secrets the gateway mints.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EnvelopeCrypto } from '../../shared/wire/agent-envelope';

/** Nonces come from a pooled random buffer: one getrandom call per 256 messages, not one each. */
let pool = Buffer.alloc(0);
let offset = 0;
function pooledNonce(): string {
  if (offset + 16 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  offset += 16;
  return pool.toString('base64url', offset - 16, offset);
}

export const nodeEnvelopeCrypto: EnvelopeCrypto = {
  hmacHex: (keyB64, text) => createHmac('sha256', Buffer.from(keyB64, 'base64url')).update(text).digest('hex'),
  equalHex: (a, b) => a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex')),
  nonce: () => pooledNonce(),
};

/** A fresh session key: 32 random bytes, base64url (43 characters). */
export const newSessionSecret = (): string => randomBytes(32).toString('base64url');

/** A key id: short, random, and never reused for another key. */
export const newKeyId = (): string => `k${randomBytes(8).toString('hex')}`;

/** A bootstrap token: 32 random bytes with a recognisable prefix (so it is spotted if pasted somewhere). */
export const newBootstrapToken = (): string => `ngt_${randomBytes(32).toString('base64url')}`;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
