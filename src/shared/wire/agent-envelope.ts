// Signing and checking the agent link's envelope. Pure: the HMAC and the nonce source are passed in
// (node:crypto on both ends), so the rules are one piece of code for the node and the agent.

import { NgError } from '../errors';
import type { Envelope } from './agent';
import { MAX_MESSAGE_SKEW_MS, macInput } from './agent-constants';

export interface EnvelopeCrypto {
  /** HMAC-SHA256 of text under the base64url key, lower-case hex. */
  hmacHex(keyB64: string, text: string): string;
  /** Constant-time equality of two hex strings of equal length. */
  equalHex(a: string, b: string): boolean;
  /** A fresh 16-byte base64url nonce. */
  nonce(): string;
}

/** Serialises a signed message around a body already in canonical JSON (fan-out reuses one body for many agents). */
export function sealEnvelope(c: EnvelopeCrypto, key: { kid: string; secret: string }, bodyJson: string, now: number): string {
  const nonce = c.nonce();
  const mac = c.hmacHex(key.secret, macInput(key.kid, now, nonce, bodyJson));
  return `{"kid":${JSON.stringify(key.kid)},"ts":${now},"nonce":"${nonce}","mac":"${mac}","body":${JSON.stringify(bodyJson)}}`;
}

/**
 * Remembers nonces while their timestamps are inside the skew window: a replay is caught while it
 * could still pass the timestamp check, and refused as stale after. Bounded: past `limit` entries
 * the oldest are dropped and anything older than what was kept is refused.
 *
 * A node holds one window per agent (ten thousand of them), so a window is one typed array used as
 * a ring of (timestamp, 52-bit nonce hash) pairs in arrival order, grown as needed: 16 bytes per
 * nonce instead of a Map entry and a string. A hash collision can only refuse a fresh message as a
 * replay (odds ~ entries / 2^52); a replayed nonce always hashes the same, so it is always caught.
 */
export class NonceWindow {
  /** [ts, hash] pairs; the oldest at `head`. Null until the first nonce. */
  private ring: Float64Array | null = null;
  private head = 0;
  private size = 0;
  private floor = 0;

  constructor(private readonly limit = 4096) {}

  /** True when the nonce is new (and remembers it); false for a replay. */
  admit(nonce: string, ts: number, now: number): boolean {
    if (ts < this.floor) return false;
    const h = nonceHash(nonce);
    const ring = this.ring;
    if (ring) {
      const mask = ring.length / 2 - 1;
      for (let i = 0; i < this.size; i++) if (ring[2 * ((this.head + i) & mask) + 1] === h) return false;
    }
    this.push(ts, h);
    // Every time: usually one look at the oldest entry, and an agent that sends a heartbeat every
    // 10 s holds a handful of nonces instead of dozens (ten thousand windows on a node).
    this.prune(now);
    return true;
  }

  private push(ts: number, h: number): void {
    let ring = this.ring;
    if (!ring || this.size === ring.length / 2) {
      // Power-of-two capacities, so a slot is (head + i) & mask; at most the limit plus the one
      // entry admitted before pruning.
      const grown = new Float64Array(2 * (ring ? ring.length : 8));
      for (let i = 0; i < this.size; i++) {
        const from = 2 * ((this.head + i) & (ring!.length / 2 - 1));
        grown[2 * i] = ring![from]!;
        grown[2 * i + 1] = ring![from + 1]!;
      }
      this.ring = ring = grown;
      this.head = 0;
    }
    const at = 2 * ((this.head + this.size) & (ring.length / 2 - 1));
    ring[at] = ts;
    ring[at + 1] = h;
    this.size++;
  }

  /**
   * Drops nonces whose timestamps are now refused as stale anyway (arrival order ≈ time order, so
   * they sit at the front), and when over the limit the oldest down to three quarters of it.
   */
  private prune(now: number): void {
    const ring = this.ring!;
    const mask = ring.length / 2 - 1;
    const expired = now - MAX_MESSAGE_SKEW_MS;
    const keep = this.size > this.limit ? Math.floor((this.limit * 3) / 4) : this.limit;
    while (this.size > 0) {
      const ts = ring[2 * this.head]!;
      if (ts >= expired && this.size <= keep) break;
      this.head = (this.head + 1) & mask;
      this.size--;
      if (ts >= expired) this.floor = Math.max(this.floor, ts + 1);
    }
  }
}

/** 52 bits of two 32-bit string hashes (FNV-1a and a multiplicative one), exact in a float64. */
function nonceHash(nonce: string): number {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < nonce.length; i++) {
    const c = nonce.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x100000 + (b >>> 12);
}

export type Opened = { ok: true; kid: string; body: Record<string, unknown> } | { ok: false; error: NgError };
export type Verified = { ok: true; kid: string; bodyText: string } | { ok: false; error: NgError };
export interface OpenOptions {
  maxBytes: number;
  /** The key a frame names; `hmacHex` (the MAC under that key) when the caller has it ready, else c.hmacHex is used. */
  keyFor: (kid: string) => { secret: string; window: NonceWindow; hmacHex?: (text: string) => string } | undefined;
  now: number;
}

const failure = (code: ConstructorParameters<typeof NgError>[0], message: string): { ok: false; error: NgError } => ({ ok: false, error: new NgError(code, message) });

/**
 * Parses and verifies one frame: size, JSON, envelope shape, known key, MAC, skew, replay. The body
 * is returned unvalidated: the caller checks it against its own message schema.
 */
export function openEnvelope(c: EnvelopeCrypto, frame: string, opts: OpenOptions): Opened {
  const verified = verifyEnvelope(c, frame, opts);
  if (!verified.ok) return verified;
  let body: unknown;
  try {
    body = JSON.parse(verified.bodyText);
  } catch {
    return failure('NG_BAD_MESSAGE', 'message body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return failure('NG_BAD_MESSAGE', 'message body is not a JSON object');
  return { ok: true, kid: verified.kid, body: body as Record<string, unknown> };
}

/** openEnvelope's checks up to the body: the body's text, authenticated and fresh, not yet parsed. */
export function verifyEnvelope(c: EnvelopeCrypto, frame: string, opts: OpenOptions): Verified {
  if (frame.length > opts.maxBytes) return failure('NG_TOO_LARGE', `message is ${frame.length} bytes (limit ${opts.maxBytes})`);
  let env = sealedLayout(frame);
  if (env === null) {
    let raw: unknown;
    try {
      raw = JSON.parse(frame);
    } catch {
      return failure('NG_BAD_MESSAGE', 'message is not JSON');
    }
    const bad = envelopeProblem(raw);
    if (bad) return failure('NG_BAD_SIGNATURE', `message is not a signed envelope: ${bad}`);
    env = raw as Envelope;
  }
  const key = opts.keyFor(env.kid);
  if (!key) return failure('NG_REVOKED', `key ${env.kid} is not (or no longer) valid`);
  const input = macInput(env.kid, env.ts, env.nonce, env.body);
  const expected = key.hmacHex ? key.hmacHex(input) : c.hmacHex(key.secret, input);
  if (!c.equalHex(expected, env.mac)) return failure('NG_BAD_SIGNATURE', 'message signature does not verify');
  if (env.ts > opts.now + MAX_MESSAGE_SKEW_MS) return failure('NG_CLOCK_SKEW', `message timestamp is ${env.ts - opts.now} ms in the future (limit ${MAX_MESSAGE_SKEW_MS})`);
  if (env.ts < opts.now - MAX_MESSAGE_SKEW_MS) return failure('NG_REPLAY', `message is stale (${opts.now - env.ts} ms old, limit ${MAX_MESSAGE_SKEW_MS})`);
  if (!key.window.admit(env.nonce, env.ts, opts.now)) return failure('NG_REPLAY', 'message nonce was already used');
  return { ok: true, kid: env.kid, bodyText: env.body };
}

const ENVELOPE_FIELDS: Record<keyof Envelope, (v: unknown) => boolean> = {
  kid: (v) => typeof v === 'string' && KID.test(v),
  ts: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
  nonce: (v) => typeof v === 'string' && NONCE.test(v),
  mac: (v) => typeof v === 'string' && MAC.test(v),
  body: (v) => typeof v === 'string',
};
const KID = /^[a-z0-9_-]{1,64}$/;
const NONCE = /^[A-Za-z0-9_-]{22}$/;
const MAC = /^[0-9a-f]{64}$/;
/** Timestamp digits as JSON writes a non-negative integer: no sign, no leading zero, no fraction. */
const TS = /^(0|[1-9][0-9]{0,15})$/;

/**
 * The `envelope` schema of ./agent as a plain check (null when the frame is one): every frame on the
 * link goes through here, and the agent process does not load zod.
 */
function envelopeProblem(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'input is not an object';
  for (const key of Object.keys(raw)) if (!Object.hasOwn(ENVELOPE_FIELDS, key)) return `${key} is not an envelope field`;
  for (const [key, valid] of Object.entries(ENVELOPE_FIELDS)) {
    if (!valid((raw as Record<string, unknown>)[key])) return `${key} is missing or malformed`;
  }
  return null;
}

/**
 * The envelope read in place when the frame is laid out exactly as sealEnvelope and the gateway write
 * it, `{"kid":…,"ts":…,"nonce":…,"mac":…,"body":…}` with nothing between: only the body's string
 * literal is parsed, and no object is built for the envelope. Key id, nonce and MAC admit no
 * characters JSON escapes, so a frame read here is one the general path reads the same. Anything
 * else (other order, spacing, escapes in those fields, a malformed body literal) gives null and goes
 * the general way, which also words the refusal.
 */
function sealedLayout(frame: string): Envelope | null {
  if (!frame.startsWith('{"kid":"')) return null;
  const kidEnd = frame.indexOf('"', 8);
  if (kidEnd < 0 || !frame.startsWith('","ts":', kidEnd)) return null;
  const tsStart = kidEnd + 7;
  const tsEnd = frame.indexOf(',', tsStart);
  if (tsEnd < 0 || !frame.startsWith(',"nonce":"', tsEnd)) return null;
  const nonceStart = tsEnd + 10;
  const macStart = nonceStart + 22 + 9;
  const bodyStart = macStart + 64 + 9;
  if (!frame.startsWith('","mac":"', nonceStart + 22) || !frame.startsWith('","body":', macStart + 64) || frame.charCodeAt(frame.length - 1) !== 0x7d) return null;
  const kid = frame.slice(8, kidEnd);
  const tsText = frame.slice(tsStart, tsEnd);
  const nonce = frame.slice(nonceStart, nonceStart + 22);
  const mac = frame.slice(macStart, macStart + 64);
  if (!KID.test(kid) || !TS.test(tsText) || !NONCE.test(nonce) || !MAC.test(mac) || frame.charCodeAt(bodyStart) !== 0x22) return null;
  const ts = Number(tsText);
  if (!Number.isSafeInteger(ts)) return null;
  let body: unknown;
  try {
    body = JSON.parse(frame.slice(bodyStart, frame.length - 1));
  } catch {
    return null;
  }
  // The key id copied out of the frame (it has no escapes): a slice would keep the whole frame alive
  // as long as the caller keeps the key id (the gateway keeps it per session).
  return typeof body === 'string' ? { kid: JSON.parse(`"${kid}"`) as string, ts, nonce, mac, body } : null;
}
