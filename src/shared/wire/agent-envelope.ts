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
 */
export class NonceWindow {
  private readonly seen = new Map<string, number>();
  private floor = 0;

  constructor(private readonly limit = 4096) {}

  /** True when the nonce is new (and remembers it); false for a replay. */
  admit(nonce: string, ts: number, now: number): boolean {
    if (ts < this.floor) return false;
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, ts);
    // Every time: usually one look at the oldest entry, and an agent that sends a heartbeat every
    // 10 s holds a handful of nonces instead of dozens (ten thousand windows on a node).
    this.prune(now);
    return true;
  }

  /**
   * Drops nonces whose timestamps are now refused as stale anyway (arrival order ≈ time order, so
   * they sit at the front), and when over the limit the oldest down to three quarters of it.
   */
  private prune(now: number): void {
    const expired = now - MAX_MESSAGE_SKEW_MS;
    const keep = this.seen.size > this.limit ? Math.floor((this.limit * 3) / 4) : this.limit;
    for (const [n, ts] of this.seen) {
      if (ts >= expired && this.seen.size <= keep) break;
      this.seen.delete(n);
      if (ts >= expired) this.floor = Math.max(this.floor, ts + 1);
    }
  }
}

export type Opened = { ok: true; kid: string; body: Record<string, unknown> } | { ok: false; error: NgError };

/**
 * Parses and verifies one frame: size, JSON, envelope shape, known key, MAC, skew, replay. The body
 * is returned unvalidated: the caller checks it against its own message schema.
 */
export function openEnvelope(
  c: EnvelopeCrypto,
  frame: string,
  opts: { maxBytes: number; keyFor: (kid: string) => { secret: string; window: NonceWindow } | undefined; now: number },
): Opened {
  const fail = (code: ConstructorParameters<typeof NgError>[0], message: string): Opened => ({ ok: false, error: new NgError(code, message) });
  if (frame.length > opts.maxBytes) return fail('NG_TOO_LARGE', `message is ${frame.length} bytes (limit ${opts.maxBytes})`);
  let raw: unknown;
  try {
    raw = JSON.parse(frame);
  } catch {
    return fail('NG_BAD_MESSAGE', 'message is not JSON');
  }
  const bad = envelopeProblem(raw);
  if (bad) return fail('NG_BAD_SIGNATURE', `message is not a signed envelope: ${bad}`);
  const env = raw as Envelope;
  const key = opts.keyFor(env.kid);
  if (!key) return fail('NG_REVOKED', `key ${env.kid} is not (or no longer) valid`);
  const expected = c.hmacHex(key.secret, macInput(env.kid, env.ts, env.nonce, env.body));
  if (!c.equalHex(expected, env.mac)) return fail('NG_BAD_SIGNATURE', 'message signature does not verify');
  if (env.ts > opts.now + MAX_MESSAGE_SKEW_MS) return fail('NG_CLOCK_SKEW', `message timestamp is ${env.ts - opts.now} ms in the future (limit ${MAX_MESSAGE_SKEW_MS})`);
  if (env.ts < opts.now - MAX_MESSAGE_SKEW_MS) return fail('NG_REPLAY', `message is stale (${opts.now - env.ts} ms old, limit ${MAX_MESSAGE_SKEW_MS})`);
  if (!key.window.admit(env.nonce, env.ts, opts.now)) return fail('NG_REPLAY', 'message nonce was already used');
  let body: unknown;
  try {
    body = JSON.parse(env.body);
  } catch {
    return fail('NG_BAD_MESSAGE', 'message body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('NG_BAD_MESSAGE', 'message body is not a JSON object');
  return { ok: true, kid: env.kid, body: body as Record<string, unknown> };
}

const ENVELOPE_FIELDS: Record<keyof Envelope, (v: unknown) => boolean> = {
  kid: (v) => typeof v === 'string' && /^[a-z0-9_-]{1,64}$/.test(v),
  ts: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
  nonce: (v) => typeof v === 'string' && /^[A-Za-z0-9_-]{22}$/.test(v),
  mac: (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v),
  body: (v) => typeof v === 'string',
};

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
