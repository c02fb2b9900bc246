// node:crypto behind the agent envelope's pure rules; the node's gateway uses this same module.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EnvelopeCrypto } from '../shared/wire/agent-envelope';

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

export const agentEnvelopeCrypto: EnvelopeCrypto = {
  hmacHex: (keyB64, text) => createHmac('sha256', Buffer.from(keyB64, 'base64url')).update(text).digest('hex'),
  equalHex: (a, b) => a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex')),
  nonce: () => pooledNonce(),
};
