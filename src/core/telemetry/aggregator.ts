// Folds logged requests into per-domain buckets and closes them once their slot (plus a grace
// for lines still in flight) has passed. A closed slot is final: a line for it arriving later is
// counted as late and dropped, so every bucket the agent ships is immutable.

import { withPercentiles, slotStart, type TrafficBucket } from './bucket';
import { binOf, emptyDigest, toPairs } from './latency-digest';
import type { LoggedRequest } from './log-line';

export interface AggregatorOptions {
  /** Bucket length; 60 000 in production, shorter in tests. */
  lengthMs: number;
  /** How long after a slot ends it stays open for late lines. */
  graceMs: number;
}

export interface AggregatorCounters {
  counted: number;
  probes: number;
  /** Requests with no domain: refused by the catch-all servers, not any site's traffic. */
  unattributed: number;
  late: number;
}

interface OpenBucket {
  requests: number;
  s2: number;
  s3: number;
  s4: number;
  s5: number;
  s502: number;
  bytes: number;
  counts: Uint32Array;
}

export interface ClosedSlots {
  buckets: TrafficBucket[];
  /** Every slot before this time is final. */
  coveredUntil: number;
}

export class BucketAggregator {
  readonly counters: AggregatorCounters = { counted: 0, probes: 0, unattributed: 0, late: 0 };
  private readonly open = new Map<number, Map<string, OpenBucket>>();
  private covered: number;

  constructor(private readonly opts: AggregatorOptions, coveredUntil = 0) {
    if (!(opts.lengthMs >= 1) || !(opts.graceMs >= 0)) throw new RangeError('bucket length must be positive and grace non-negative');
    this.covered = coveredUntil;
  }

  get coveredUntil(): number {
    return this.covered;
  }

  add(r: LoggedRequest): void {
    if (r.probe) {
      this.counters.probes++;
      return;
    }
    if (r.domainId === '') {
      this.counters.unattributed++;
      return;
    }
    const start = slotStart(r.at, this.opts.lengthMs);
    if (start < this.covered) {
      this.counters.late++;
      return;
    }
    let slot = this.open.get(start);
    if (!slot) this.open.set(start, (slot = new Map()));
    let b = slot.get(r.domainId);
    if (!b) slot.set(r.domainId, (b = { requests: 0, s2: 0, s3: 0, s4: 0, s5: 0, s502: 0, bytes: 0, counts: emptyDigest() }));
    b.requests++;
    const cls = (r.status / 100) | 0;
    if (cls === 2) b.s2++;
    else if (cls === 3) b.s3++;
    else if (cls === 4) b.s4++;
    else if (cls === 5) {
      b.s5++;
      if (r.status === 502) b.s502++;
    }
    b.bytes += r.bytes;
    b.counts[binOf(r.latencyMs)]!++;
    this.counters.counted++;
  }

  /** Closes every slot that ended at least `graceMs` before `now`. */
  close(now: number, configVersion: number | null): ClosedSlots {
    const { lengthMs } = this.opts;
    const until = Math.max(this.covered, slotStart(now - this.opts.graceMs, lengthMs));
    const buckets: TrafficBucket[] = [];
    for (const [start, slot] of [...this.open].sort((a, b) => a[0] - b[0])) {
      if (start >= until) continue;
      for (const [domainId, b] of slot) {
        buckets.push(withPercentiles({
          domainId, start, lengthMs, requests: b.requests, status2xx: b.s2, status3xx: b.s3, status4xx: b.s4,
          status5xx: b.s5, status502: b.s502, bytes: b.bytes, latency: toPairs(b.counts), configVersion,
        }, b.counts));
      }
      this.open.delete(start);
    }
    this.covered = until;
    return { buckets, coveredUntil: until };
  }
}
