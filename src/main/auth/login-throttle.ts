// Slows password guessing: per client IP + e-mail (and, more loosely, per IP alone), a few free
// failures, then each further attempt must wait twice as long as the one before (1 s ... 15 min).

export interface ThrottleOptions {
  now: () => number;
  freeFailures?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

interface Entry { failures: number; lastFailureAt: number }

/** Distinct keys remembered; the oldest are forgotten first, so a flood cannot exhaust memory. */
const MAX_KEYS = 10_000;
/** An IP alone gets more free failures: several people may share one address. */
const IP_FACTOR = 4;

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly free: number;
  private readonly base: number;
  private readonly max: number;

  constructor(private readonly opts: ThrottleOptions) {
    this.free = opts.freeFailures ?? 5;
    this.base = opts.baseDelayMs ?? 1000;
    this.max = opts.maxDelayMs ?? 15 * 60_000;
  }

  /** Milliseconds the caller must still wait before trying this login again (0 = go ahead). */
  retryAfterMs(ip: string, email: string): number {
    return Math.max(this.wait(`${ip}|${email}`, this.free), this.wait(ip, this.free * IP_FACTOR));
  }

  recordFailure(ip: string, email: string): void {
    for (const key of [`${ip}|${email}`, ip]) {
      const e = this.entries.get(key) ?? { failures: 0, lastFailureAt: 0 };
      this.entries.delete(key);
      this.entries.set(key, { failures: e.failures + 1, lastFailureAt: this.opts.now() });
      if (this.entries.size > MAX_KEYS) this.entries.delete(this.entries.keys().next().value!);
    }
  }

  recordSuccess(ip: string, email: string): void {
    this.entries.delete(`${ip}|${email}`);
  }

  private wait(key: string, free: number): number {
    const e = this.entries.get(key);
    if (!e || e.failures < free) return 0;
    const delay = Math.min(this.max, this.base * 2 ** Math.min(30, e.failures - free));
    return Math.max(0, e.lastFailureAt + delay - this.opts.now());
  }
}
