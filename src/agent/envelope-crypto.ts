// node:crypto behind the agent envelope's pure rules; the node's gateway uses this same module.

import { createHmac, randomBytes } from 'node:crypto';
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

/**
 * Whether two strings are equal, looking at every character whatever the first difference (lengths
 * are public: a MAC is always 64 hex digits). Without the two buffers timingSafeEqual needs per check.
 */
function equalInConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export const agentEnvelopeCrypto: EnvelopeCrypto = {
  hmacHex: (keyB64, text) => createHmac('sha256', Buffer.from(keyB64, 'base64url')).update(text).digest('hex'),
  equalHex: (a, b) => equalInConstantTime(a, b),
  nonce: () => pooledNonce(),
};
