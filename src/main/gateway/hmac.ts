// HMAC-SHA256 for the gateway's fan-out and ack checks (RFC 2104), as two one-shot hashes over the
// key's pad blocks. A node signs and checks two messages per agent per change; createHmac makes a
// JavaScript object and an OpenSSL context per message, the context living in the C heap until the
// garbage collector finalizes the object. One-shot hashes free theirs at once, the pads are derived
// once per key, and nothing is allocated per message but two short strings (faster, too).

import { createHash, hash } from 'node:crypto';

const BLOCK = 64;
/** Pad blocks kept (one per live session key); past this the cache starts over. */
const MAX_KEYS = 65_536;

/** base64url key → its inner pad block followed by its outer pad block. */
const pads = new Map<string, Buffer>();
/** Inner hash inputs up to this size are copied into one reused buffer; larger ones (full snapshots) are streamed. */
const SCRATCH_BYTES = 64 * 1024;
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
const outer = Buffer.allocUnsafe(BLOCK + 32);

function padsOf(keyB64: string): Buffer {
  let p = pads.get(keyB64);
  if (p) return p;
  if (pads.size >= MAX_KEYS) pads.clear();
  let key = Buffer.from(keyB64, 'base64url');
  if (key.length > BLOCK) key = createHash('sha256').update(key).digest();
  p = Buffer.allocUnsafe(2 * BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    const k = i < key.length ? key[i]! : 0;
    p[i] = k ^ 0x36;
    p[BLOCK + i] = k ^ 0x5c;
  }
  pads.set(keyB64, p);
  return p;
}

/** HMAC-SHA256 under a base64url key of `text` (UTF-8) followed by `tail`, in lower-case hex. */
export function hmacSha256Hex(keyB64: string, text: string, tail?: Buffer): string {
  const p = padsOf(keyB64);
  const textBytes = Buffer.byteLength(text);
  const n = BLOCK + textBytes + (tail?.length ?? 0);
  p.copy(outer, 0, BLOCK, 2 * BLOCK);
  if (n > SCRATCH_BYTES) {
    const inner = createHash('sha256').update(p.subarray(0, BLOCK)).update(text);
    if (tail) inner.update(tail);
    inner.digest().copy(outer, BLOCK);
  } else {
    p.copy(scratch, 0, 0, BLOCK);
    scratch.write(text, BLOCK, textBytes, 'utf8');
    tail?.copy(scratch, BLOCK + textBytes);
    // The inner digest as a one-byte string, not a Buffer: no C-heap allocation per message.
    outer.write(hash('sha256', scratch.subarray(0, n), 'binary'), BLOCK, 'latin1');
  }
  return hash('sha256', outer, 'hex');
}
