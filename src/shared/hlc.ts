// Hybrid logical clock: (wall ms, counter, origin). Advanced on every local write and on every
// received timestamp, so causally later writes always compare greater, even across skewed clocks.
// Encoded as a fixed-width string so plain string comparison is HLC order (and SQLite can index it).

import { NgError } from './errors';

export interface Hlc {
  wall: number;
  counter: number;
  origin: string;
}

const WALL_DIGITS = 15;
const COUNTER_DIGITS = 6;
const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;
const ORIGIN_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const isValidOrigin = (origin: string): boolean => ORIGIN_RE.test(origin);

export function encodeHlc(h: Hlc): string {
  return `${String(h.wall).padStart(WALL_DIGITS, '0')}.${String(h.counter).padStart(COUNTER_DIGITS, '0')}.${h.origin}`;
}

const HLC_RE = /^(\d{15})\.(\d{6})\.([a-z0-9][a-z0-9_-]{0,63})$/;

export function decodeHlc(s: string): Hlc {
  const m = HLC_RE.exec(s);
  if (!m) throw new NgError('NG_VALIDATION', `not a hybrid logical clock timestamp: ${JSON.stringify(s).slice(0, 80)}`);
  return { wall: Number(m[1]), counter: Number(m[2]), origin: m[3]! };
}

export const isHlcString = (s: unknown): s is string => typeof s === 'string' && HLC_RE.test(s);

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

  constructor(opts: HlcClockOptions) {
    if (!isValidOrigin(opts.origin)) throw new NgError('NG_VALIDATION', `invalid node id for a clock origin: ${opts.origin}`);
    this.origin = opts.origin;
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
    const r = decodeHlc(remote);
    const pt = this.now();
    if (r.wall - pt > this.maxSkewMs) {
      throw new NgError('NG_CLOCK_SKEW', `timestamp from ${r.origin} is ${r.wall - pt} ms ahead of this node (limit ${this.maxSkewMs} ms)`, {
        details: { origin: r.origin, aheadMs: r.wall - pt, limitMs: this.maxSkewMs },
      });
    }
    if (pt > this.wall && pt > r.wall) {
      this.wall = pt;
      this.counter = 0;
    } else if (r.wall > this.wall) {
      this.wall = r.wall;
      this.counter = r.counter;
      this.bump();
    } else if (r.wall === this.wall) {
      this.counter = Math.max(this.counter, r.counter);
      this.bump();
    } else {
      this.bump();
    }
  }

  /** Check a remote timestamp against the skew bound without advancing. */
  checkSkew(remote: string): NgError | null {
    const r = decodeHlc(remote);
    const ahead = r.wall - this.now();
    return ahead > this.maxSkewMs
      ? new NgError('NG_CLOCK_SKEW', `timestamp from ${r.origin} is ${ahead} ms ahead of this node (limit ${this.maxSkewMs} ms)`, { details: { origin: r.origin, aheadMs: ahead, limitMs: this.maxSkewMs } })
      : null;
  }

  current(): string {
    return encodeHlc({ wall: this.wall, counter: this.counter, origin: this.origin });
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
