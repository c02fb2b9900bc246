// Hybrid logical clock: (wall ms, counter, origin). Advanced on every local write and on every
// received timestamp, so causally later writes always compare greater, even across skewed clocks.
// Encoded as a fixed-width string so plain string comparison is HLC order (and SQLite can index it).

import { NgError } from './errors';
import { isIdAt, isValidId } from './ids';

export interface Hlc {
  wall: number;
  counter: number;
  origin: string;
}

const WALL_DIGITS = 15;
const COUNTER_DIGITS = 6;
const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;
/** Where the origin starts in an encoded timestamp: after the wall digits, the counter digits and two dots. */
const ORIGIN_AT = WALL_DIGITS + 1 + COUNTER_DIGITS + 1;

// Received timestamps are checked by the hundred thousand when a replica catches up: these are
// char-code scans rather than regular expressions, so checking or decoding one allocates nothing.

/** The number written by the decimal digits s[from, to), or -1 when any of them is not a digit (the caller checked the length). */
function digitsAt(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const wallOf = (s: string): number => digitsAt(s, 0, WALL_DIGITS);
const counterOf = (s: string): number => digitsAt(s, WALL_DIGITS + 1, ORIGIN_AT - 1);

/** A node id is an id (shared/ids.ts). */
export const isValidOrigin = isValidId;

export function encodeHlc(h: Hlc): string {
  return `${String(h.wall).padStart(WALL_DIGITS, '0')}.${String(h.counter).padStart(COUNTER_DIGITS, '0')}.${h.origin}`;
}

/** Whether `s` is an encoded timestamp: 15 wall digits, a dot, 6 counter digits, a dot, a node id. */
export const isHlcString = (s: unknown): s is string =>
  typeof s === 'string' && s.charCodeAt(WALL_DIGITS) === 46 && s.charCodeAt(ORIGIN_AT - 1) === 46 &&
  wallOf(s) >= 0 && counterOf(s) >= 0 && isIdAt(s, ORIGIN_AT);

const invalidHlc = (s: string): NgError => new NgError('NG_VALIDATION', `not a hybrid logical clock timestamp: ${JSON.stringify(s).slice(0, 80)}`);

export function decodeHlc(s: string): Hlc {
  if (!isHlcString(s)) throw invalidHlc(s);
  return { wall: wallOf(s), counter: counterOf(s), origin: s.slice(ORIGIN_AT) };
}

/** Whether the valid timestamp `hlc` was issued by `origin`; cheaper than decoding it. */
export const isHlcOf = (hlc: string, origin: string): boolean => hlc.length === ORIGIN_AT + origin.length && hlc.endsWith(origin);

/** Total order over encoded timestamps; equal only for the very same event. */
export const compareHlc = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const maxHlc = (a: string | null | undefined, b: string | null | undefined): string | null => {
  if (!a) return b ?? null;
  if (!b) return a;
  return a >= b ? a : b;
};

export interface HlcClockOptions {
  origin: string;
  /** Injected wall clock (ms). Tests pass a fake one. */
  now: () => number;
  /** Remote timestamps further ahead than this are refused (NG_CLOCK_SKEW). */
  maxSkewMs?: number;
  /** Resume after a restart: never issue a timestamp at or below this one. */
  last?: string | null;
}

export const DEFAULT_MAX_SKEW_MS = 60_000;

/** The clock of one replica. Pure apart from the injected `now`. */
export class HlcClock {
  readonly origin: string;
  private readonly now: () => number;
  readonly maxSkewMs: number;
  private wall = 0;
  private counter = 0;
  /** encodeHlc's wall part ("digits.") for `encodedWall`: a clock issues many timestamps per millisecond. */
  private encodedWall = -1;
  private wallPart = '';
  private readonly originPart: string;

  constructor(opts: HlcClockOptions) {
    if (!isValidOrigin(opts.origin)) throw new NgError('NG_VALIDATION', `invalid node id for a clock origin: ${opts.origin}`);
    this.origin = opts.origin;
    this.originPart = `.${opts.origin}`;
    this.now = opts.now;
    this.maxSkewMs = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
    if (opts.last) {
      const last = decodeHlc(opts.last);
      this.wall = last.wall;
      this.counter = last.counter;
    }
  }

  /** A fresh timestamp for a local event, strictly greater than every one seen so far. */
  tick(): string {
    const pt = this.now();
    if (pt > this.wall) {
      this.wall = pt;
      this.counter = 0;
    } else {
      this.bump();
    }
    return this.current();
  }

  /**
   * Fold in a remote timestamp. Throws NG_CLOCK_SKEW (and leaves the clock untouched) when the
   * remote wall clock is further ahead of ours than the skew bound: one bad clock must not drag
   * every replica into the future.
   */
  observe(remote: string): void {
    // Decoded field by field rather than through decodeHlc: no object per received op.
    if (!isHlcString(remote)) throw invalidHlc(remote);
    const wall = wallOf(remote);
    const pt = this.now();
    if (wall - pt > this.maxSkewMs) throw this.skewError(remote, wall - pt);
    if (pt > this.wall && pt > wall) {
      this.wall = pt;
      this.counter = 0;
    } else if (wall > this.wall) {
      this.wall = wall;
      this.counter = counterOf(remote);
      this.bump();
    } else if (wall === this.wall) {
      this.counter = Math.max(this.counter, counterOf(remote));
      this.bump();
    } else {
      this.bump();
    }
  }

  /** Check a remote timestamp against the skew bound without advancing. */
  checkSkew(remote: string): NgError | null {
    const ahead = decodeHlc(remote).wall - this.now();
    return ahead > this.maxSkewMs ? this.skewError(remote, ahead) : null;
  }

  private skewError(remote: string, aheadMs: number): NgError {
    const origin = remote.slice(ORIGIN_AT);
    return new NgError('NG_CLOCK_SKEW', `timestamp from ${origin} is ${aheadMs} ms ahead of this node (limit ${this.maxSkewMs} ms)`, {
      details: { origin, aheadMs, limitMs: this.maxSkewMs },
    });
  }

  /** encodeHlc of the clock's reading, from the parts that rarely change. */
  current(): string {
    if (this.wall !== this.encodedWall) {
      this.encodedWall = this.wall;
      this.wallPart = `${String(this.wall).padStart(WALL_DIGITS, '0')}.`;
    }
    return this.wallPart + String(this.counter).padStart(COUNTER_DIGITS, '0') + this.originPart;
  }

  private bump(): void {
    if (this.counter >= MAX_COUNTER) {
      // A million events in one millisecond: borrow the next millisecond rather than overflow.
      this.wall += 1;
      this.counter = 0;
    } else {
      this.counter += 1;
    }
  }
}
