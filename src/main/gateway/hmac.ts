// HMAC-SHA256 for the gateway's fan-out and ack checks (RFC 2104), as two one-shot hashes over the
// key's pad blocks. A node signs and checks two messages per agent per change; createHmac makes a
// JavaScript object and an OpenSSL context per message, the context living in the C heap until the
// garbage collector finalizes the object. One-shot hashes free theirs at once, the pads are derived
// once per key, and nothing is allocated per message but two short strings (faster, too).

import { createHash, hash } from 'node:crypto';

const BLOCK = 64;
/** Pad blocks kept (one per live session key); past this the cache starts over. */
const MAX_KEYS = 65_536;

/** A key's inner pad block, and its outer pad block with room behind it for the inner digest. */
export interface HmacKey {
  inner: Buffer;
  outer: Buffer;
}

/** base64url key → its pads. */
const pads = new Map<string, HmacKey>();
/** Inner hash inputs up to this size are copied into one reused buffer; larger ones (full snapshots) are streamed. */
const SCRATCH_BYTES = 64 * 1024;
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

/** Pads are cut from slabs of their own (not Node's shared pool, where one key would keep a whole slab alive). */
const PADS_BYTES = 2 * BLOCK + 32;
const SLAB_BYTES = 100 * PADS_BYTES;
let slab = Buffer.alloc(0);
let slabUsed = 0;

function padSpace(): Buffer {
  if (slabUsed + PADS_BYTES > slab.length) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  slabUsed += PADS_BYTES;
  return slab.subarray(slabUsed - PADS_BYTES, slabUsed);
}

/** A key's pads, derived once (the gateway keeps them per session, so a message needs no lookup). */
export function hmacKey(keyB64: string): HmacKey {
  let p = pads.get(keyB64);
  if (p) return p;
  if (pads.size >= MAX_KEYS) pads.clear();
  let key = Buffer.from(keyB64, 'base64url');
  if (key.length > BLOCK) key = createHash('sha256').update(key).digest();
  const both = padSpace();
  for (let i = 0; i < BLOCK; i++) {
    const k = i < key.length ? key[i]! : 0;
    both[i] = k ^ 0x36;
    both[BLOCK + i] = k ^ 0x5c;
  }
  p = { inner: both.subarray(0, BLOCK), outer: both.subarray(BLOCK, 2 * BLOCK + 32) };
  pads.set(keyB64, p);
  return p;
}

/** HMAC-SHA256 under a base64url key (or its pads) of `text` (UTF-8) followed by `tail`, in lower-case hex. */
export function hmacSha256Hex(key: string | HmacKey, text: string, tail?: Buffer): string {
  const p = typeof key === 'string' ? hmacKey(key) : key;
  const textBytes = Buffer.byteLength(text);
  const n = BLOCK + textBytes + (tail?.length ?? 0);
  // TypedArray#set, not Buffer#copy: the copies are 64 bytes to 1 kB, where copy's own overhead dominated.
  if (n > SCRATCH_BYTES) {
    const inner = createHash('sha256').update(p.inner).update(text);
    if (tail) inner.update(tail);
    inner.digest().copy(p.outer, BLOCK);
  } else {
    scratch.set(p.inner, 0);
    scratch.write(text, BLOCK, textBytes, 'utf8');
    if (tail) scratch.set(tail, BLOCK + textBytes);
    // The inner digest as a one-byte string, not a Buffer: no C-heap allocation per message.
    p.outer.write(hash('sha256', scratch.subarray(0, n), 'binary'), BLOCK, 'latin1');
  }
  return hash('sha256', p.outer, 'hex');
}
