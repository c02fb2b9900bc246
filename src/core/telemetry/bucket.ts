// One per-domain traffic bucket (a minute in production, shorter in tests), and how buckets merge:
// counts add, latency digests add, percentiles are recomputed from the merged digest.

import type { TelemetryBucket } from '../../shared/wire/telemetry';
import { addPairs, emptyDigest, quantileMs, toPairs } from './latency-digest';

/** One closed bucket, exactly as it travels to the node (shared/wire/telemetry.ts). */
export type TrafficBucket = TelemetryBucket;

export const slotStart = (t: number, lengthMs: number): number => Math.floor(t / lengthMs) * lengthMs;

export function withPercentiles<T extends Omit<TrafficBucket, 'p50Ms' | 'p95Ms' | 'p99Ms'>>(b: T, counts: Uint32Array): T & Pick<TrafficBucket, 'p50Ms' | 'p95Ms' | 'p99Ms'> {
  return { ...b, p50Ms: quantileMs(counts, 0.5), p95Ms: quantileMs(counts, 0.95), p99Ms: quantileMs(counts, 0.99) };
}

/**
 * Merges buckets of one domain into buckets of `lengthMs` (a multiple of theirs): the hour roll-up.
 * The newest config version seen in a target bucket is the one it reports.
 */
/** The additive counters of a bucket, summed into a roll-up or a chart point. */
export type TrafficCounters = Pick<TrafficBucket, 'requests' | 'status2xx' | 'status3xx' | 'status4xx' | 'status5xx' | 'status502' | 'bytes'>;

export function addCounters(into: TrafficCounters, from: TrafficCounters): void {
  into.requests += from.requests;
  into.status2xx += from.status2xx;
  into.status3xx += from.status3xx;
  into.status4xx += from.status4xx;
  into.status5xx += from.status5xx;
  into.status502 += from.status502;
  into.bytes += from.bytes;
}

export function rollUp(buckets: readonly TrafficBucket[], lengthMs: number): TrafficBucket[] {
  const groups = new Map<string, { base: TrafficBucket; counts: Uint32Array; newest: number }>();
  for (const b of buckets) {
    if (lengthMs % b.lengthMs !== 0) throw new RangeError(`cannot roll ${b.lengthMs} ms buckets into ${lengthMs} ms`);
    const start = slotStart(b.start, lengthMs);
    const key = `${b.domainId}\u0000${start}`;
    let g = groups.get(key);
    if (!g) {
      g = { base: { ...b, start, lengthMs, requests: 0, status2xx: 0, status3xx: 0, status4xx: 0, status5xx: 0, status502: 0, bytes: 0, latency: [], configVersion: null }, counts: emptyDigest(), newest: -Infinity };
      groups.set(key, g);
    }
    addCounters(g.base, b);
    addPairs(g.counts, b.latency);
    if (b.start > g.newest) {
      g.newest = b.start;
      g.base.configVersion = b.configVersion;
    }
  }
  return [...groups.values()]
    .map((g) => withPercentiles({ ...g.base, latency: toPairs(g.counts) }, g.counts))
    .sort((a, b) => a.start - b.start || (a.domainId < b.domainId ? -1 : a.domainId > b.domainId ? 1 : 0));
}
