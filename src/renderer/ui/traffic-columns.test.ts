import { describe, expect, it } from 'vitest';
import { trafficColumns, trafficTotals, type TrafficPoint } from './traffic-columns';

const point = (start: number, requests: number, status502 = 0): TrafficPoint => ({
  start, lengthMs: 60_000, requests, status2xx: requests - status502, status3xx: 0, status4xx: 0, status5xx: status502, status502, bytes: requests * 10,
  p50Ms: 5, p95Ms: 9, p99Ms: 12, configVersions: [1],
});

describe('traffic columns', () => {
  it('draws reported quiet slots as zero and unreported ones as gaps', () => {
    const cols = trafficColumns({ resolution: 'base', points: [point(60_000, 4, 1)], coveredUntil: 180_000 }, 0, 240_000);
    expect(cols.x).toEqual([0, 60, 120, 180]);
    expect(cols.status2xx).toEqual([0, 3, 0, null]);
    expect(cols.status502).toEqual([0, 1, 0, null]);
    expect(cols.p99).toEqual([null, 12, null, null]);
  });

  it('adds up the range for the summary', () => {
    expect(trafficTotals([point(0, 4, 1), point(60_000, 6, 2)])).toEqual({ requests: 10, status5xx: 3, status502: 3, bytes: 100 });
  });
});
