// Pure telemetry: access-log parsing, bucket aggregation, latency digests and roll-ups.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketAggregator } from '../../src/core/telemetry/aggregator';
import { rollUp, type TrafficBucket } from '../../src/core/telemetry/bucket';
import { binOf, binValueMs, emptyDigest, quantileMs, toPairs } from '../../src/core/telemetry/latency-digest';
import { LogLineParser } from '../../src/core/telemetry/log-line';
import { telemetryBucket } from '../../src/shared/wire/telemetry';
import { logLine } from './support';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function aggregate(lines: string[], lengthMs = 60_000): { agg: BucketAggregator; malformed: number } {
  const parser = new LogLineParser();
  const agg = new BucketAggregator({ lengthMs, graceMs: 0 });
  let malformed = 0;
  for (const l of lines) {
    const r = parser.parse(l);
    if (r.ok) agg.add(r.request);
    else malformed++;
  }
  return { agg, malformed };
}

describe('access-log lines', () => {
  it('reads the fields of a netgoat_json line', () => {
    const r = new LogLineParser().parse(logLine({ at: T0 + 5_000, domain: 'dom_a', status: 502, bytes: 157, requestTimeS: 0.25 }));
    expect(r).toEqual({ ok: true, request: { at: T0 + 5_000, domainId: 'dom_a', status: 502, bytes: 157, latencyMs: 250, probe: false } });
  });

  it('reports malformed lines with a reason instead of throwing', () => {
    const p = new LogLineParser();
    const good = JSON.parse(logLine({ at: T0, domain: 'd', status: 200 })) as Record<string, unknown>;
    const bad = ['', 'not json', '[1,2]', '{"time":"x"', JSON.stringify({ ...good, status: '200' }), JSON.stringify({ ...good, time: 'yesterday' }), JSON.stringify({ ...good, request_time: -1 }), 'null'];
    for (const line of bad) {
      const r = p.parse(line);
      expect(r.ok, line).toBe(false);
      if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
    }
  });

  it('marks a request as a probe only when it carries the marker and comes from this host', () => {
    const p = new LogLineParser();
    const probe = (remoteAddr: string, marker: string) => {
      const r = p.parse(logLine({ at: T0, domain: 'd', status: 200, remoteAddr, probe: marker }));
      return r.ok && r.request.probe;
    };
    expect(probe('127.0.0.1', '1')).toBe(true);
    expect(probe('::1', '1')).toBe(true);
    expect(probe('203.0.113.9', '1')).toBe(false);
    expect(probe('127.0.0.1', '')).toBe(false);
  });
});

describe('bucket aggregation', () => {
  it('counts per domain and per slot, by status class, leaving out probes and unattributed requests', () => {
    const lines = [
      logLine({ at: T0 + 1_000, domain: 'a', status: 200, bytes: 100 }),
      logLine({ at: T0 + 2_000, domain: 'a', status: 302, bytes: 0 }),
      logLine({ at: T0 + 3_000, domain: 'a', status: 404, bytes: 10 }),
      logLine({ at: T0 + 4_000, domain: 'a', status: 502, bytes: 20 }),
      logLine({ at: T0 + 5_000, domain: 'a', status: 503, bytes: 30 }),
      logLine({ at: T0 + 6_000, domain: 'b', status: 200, bytes: 1 }),
      logLine({ at: T0 + 61_000, domain: 'a', status: 200, bytes: 7 }),
      logLine({ at: T0 + 7_000, domain: 'a', status: 200, remoteAddr: '127.0.0.1', probe: '1' }),
      logLine({ at: T0 + 8_000, domain: '', status: 444 }),
      'garbage',
    ];
    const { agg, malformed } = aggregate(lines);
    expect(malformed).toBe(1);
    const { buckets, coveredUntil } = agg.close(T0 + 120_000, 7);
    expect(coveredUntil).toBe(T0 + 120_000);
    const a0 = buckets.find((b) => b.domainId === 'a' && b.start === T0)!;
    expect(a0).toMatchObject({ requests: 5, status2xx: 1, status3xx: 1, status4xx: 1, status5xx: 2, status502: 1, bytes: 160, lengthMs: 60_000, configVersion: 7 });
    expect(buckets.find((b) => b.domainId === 'a' && b.start === T0 + 60_000)!.requests).toBe(1);
    expect(buckets.find((b) => b.domainId === 'b')!.requests).toBe(1);
    expect(buckets).toHaveLength(3);
    expect(agg.counters).toEqual({ counted: 7, probes: 1, unattributed: 1, late: 0 });
    for (const b of buckets) expect(telemetryBucket.safeParse(b).success).toBe(true);
  });

  it('keeps a slot open until its grace has passed, and counts lines for a closed slot as late', () => {
    const p = new LogLineParser();
    const agg = new BucketAggregator({ lengthMs: 1_000, graceMs: 500 });
    const add = (at: number) => {
      const r = p.parse(logLine({ at, domain: 'a', status: 200 }));
      if (r.ok) agg.add(r.request);
    };
    add(T0);
    expect(agg.close(T0 + 1_400, null).buckets).toHaveLength(0);
    const closed = agg.close(T0 + 1_500, null);
    expect(closed.buckets.map((b) => b.start)).toEqual([T0]);
    add(T0);
    expect(agg.counters.late).toBe(1);
    expect(agg.close(T0 + 10_000, null).buckets).toHaveLength(0);
  });

  it('gives latency percentiles within the digest error', () => {
    const counts = emptyDigest();
    for (let ms = 1; ms <= 1000; ms++) counts[binOf(ms)]!++;
    for (const [q, exact] of [[0.5, 500], [0.95, 950], [0.99, 990]] as const) {
      const got = quantileMs(counts, q)!;
      expect(Math.abs(got - exact) / exact).toBeLessThan(0.05);
    }
    expect(quantileMs(emptyDigest(), 0.5)).toBeNull();
    expect(binValueMs(binOf(0.2))).toBe(0);
  });
});

const bucketArb = (lengthMs: number) => fc.record({
  slot: fc.integer({ min: 0, max: 239 }),
  domainId: fc.constantFrom('a', 'b', 'c'),
  s2: fc.nat(50), s3: fc.nat(5), s4: fc.nat(5), s5: fc.nat(5), s502: fc.nat(5), bytes: fc.nat(1_000_000),
  latencies: fc.array(fc.integer({ min: 0, max: 120_000 }), { maxLength: 20 }),
}).map((g): TrafficBucket => {
  const counts = emptyDigest();
  const requests = g.s2 + g.s3 + g.s4 + g.s5 + g.s502;
  for (let i = 0; i < requests; i++) counts[binOf(g.latencies[i % Math.max(1, g.latencies.length)] ?? 5)]!++;
  return { domainId: g.domainId, start: T0 + g.slot * lengthMs, lengthMs, requests, status2xx: g.s2, status3xx: g.s3, status4xx: g.s4, status5xx: g.s5 + g.s502, status502: g.s502, bytes: g.bytes, p50Ms: quantileMs(counts, 0.5), p95Ms: quantileMs(counts, 0.95), p99Ms: quantileMs(counts, 0.99), latency: toPairs(counts), configVersion: g.slot };
});

describe('roll-ups', () => {
  it('an hour holds exactly the sums of its minutes, and percentiles of their merged digests', () => {
    fc.assert(fc.property(fc.uniqueArray(bucketArb(60_000), { selector: (b) => `${b.domainId}|${b.start}`, maxLength: 60 }), (minutes) => {
      const hours = rollUp(minutes, 3_600_000);
      for (const h of hours) {
        const members = minutes.filter((m) => m.domainId === h.domainId && m.start >= h.start && m.start < h.start + 3_600_000);
        for (const field of ['requests', 'status2xx', 'status3xx', 'status4xx', 'status5xx', 'status502', 'bytes'] as const) {
          expect(h[field]).toBe(members.reduce((n, m) => n + m[field], 0));
        }
        const merged = emptyDigest();
        for (const m of members) for (const [bin, c] of m.latency) merged[bin]! += c;
        expect(h.p99Ms).toBe(quantileMs(merged, 0.99));
        expect(h.configVersion).toBe(members.reduce((a, m) => (m.start > a.start ? m : a)).configVersion);
        expect(telemetryBucket.safeParse(h).success).toBe(true);
      }
      expect(hours.reduce((n, h) => n + h.requests, 0)).toBe(minutes.reduce((n, m) => n + m.requests, 0));
    }));
  });

  it('rolling up in two steps equals rolling up in one', () => {
    fc.assert(fc.property(fc.array(bucketArb(60_000), { maxLength: 40 }), (minutes) => {
      expect(rollUp(rollUp(minutes, 600_000), 3_600_000)).toEqual(rollUp(minutes, 3_600_000));
    }));
  });
});
