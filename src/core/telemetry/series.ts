// One traffic series for a chart: buckets of many agents (or many domains) that share a slot are
// added into one point; percentiles come from the merged latency digests, never from averaging.

import { addCounters, type TrafficBucket } from './bucket';
import { addPairs, emptyDigest, quantileMs } from './latency-digest';

export interface TrafficPoint {
  start: number;
  lengthMs: number;
  requests: number;
  status2xx: number;
  status3xx: number;
  status4xx: number;
  status5xx: number;
  status502: number;
  bytes: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** The config versions that served this slot (several while a change rolls out), ascending. */
  configVersions: number[];
}

/** Points ordered by start; buckets of different lengths at one start stay separate points. */
export function mergeSeries(buckets: readonly TrafficBucket[]): TrafficPoint[] {
  const slots = new Map<string, { point: TrafficPoint; digest: Uint32Array; versions: Set<number> }>();
  for (const b of buckets) {
    const key = `${b.start}/${b.lengthMs}`;
    let s = slots.get(key);
    if (!s) {
      s = {
        point: { start: b.start, lengthMs: b.lengthMs, requests: 0, status2xx: 0, status3xx: 0, status4xx: 0, status5xx: 0, status502: 0, bytes: 0, p50Ms: null, p95Ms: null, p99Ms: null, configVersions: [] },
        digest: emptyDigest(), versions: new Set(),
      };
      slots.set(key, s);
    }
    addCounters(s.point, b);
    addPairs(s.digest, b.latency);
    if (b.configVersion !== null) s.versions.add(b.configVersion);
  }
  return [...slots.values()]
    .map(({ point, digest, versions }) => ({
      ...point, p50Ms: quantileMs(digest, 0.5), p95Ms: quantileMs(digest, 0.95), p99Ms: quantileMs(digest, 0.99), configVersions: [...versions].sort((a, b) => a - b),
    }))
    .sort((a, b) => a.start - b.start || a.lengthMs - b.lengthMs);
}
