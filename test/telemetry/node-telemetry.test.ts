// The node's side: idempotent storage, roll-ups and retention, replication between two nodes,
// and the ingest's coded refusals (malformed batches, clock skew, floods).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { binOf, emptyDigest, quantileMs, toPairs } from '../../src/core/telemetry/latency-digest';
import type { TrafficBucket } from '../../src/core/telemetry/bucket';
import { Store } from '../../src/main/db/store';
import { TelemetryIngest } from '../../src/main/telemetry/telemetry-ingest';
import { TelemetryStore, telemetryMigrations } from '../../src/main/telemetry/telemetry-store';
import type { TelemetryBatch } from '../../src/shared/wire/telemetry';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const HOUR = 3_600_000;
const open: Store[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function node(opts?: ConstructorParameters<typeof TelemetryStore>[1]): TelemetryStore {
  const dir = mkdtempSync(join(tmpdir(), 'ng-node-tel-'));
  dirs.push(dir);
  const store = Store.open({ path: join(dir, 'node.db'), migrations: telemetryMigrations });
  open.push(store);
  return new TelemetryStore(store.db, opts);
}

function bucket(domainId: string, start: number, requests: number, s502 = 0, latencyMs = 20): TrafficBucket {
  const counts = emptyDigest();
  counts[binOf(latencyMs)] = requests;
  return { domainId, start, lengthMs: 60_000, requests, status2xx: requests - s502, status3xx: 0, status4xx: 0, status5xx: s502, status502: s502, bytes: requests * 100, p50Ms: quantileMs(counts, 0.5), p95Ms: quantileMs(counts, 0.95), p99Ms: quantileMs(counts, 0.99), latency: toPairs(counts), configVersion: 1 };
}

const batch = (buckets: TrafficBucket[], coveredUntil = T0 + HOUR): TelemetryBatch => ({ type: 'telemetry', batchId: 'tb-1-1', coveredUntil, buckets, counters: { malformedLines: 0, lateLines: 0, probeLines: 0, droppedBuckets: 0 } });

describe('telemetry storage', () => {
  it('stores each (agent, domain, minute) once, whatever is resent', () => {
    const t = node();
    expect(t.insert('ag1', 'team1', [bucket('a', T0, 5), bucket('b', T0, 1)])).toEqual({ inserted: 2, duplicates: 0 });
    expect(t.insert('ag1', 'team1', [bucket('a', T0, 999)])).toEqual({ inserted: 0, duplicates: 1 });
    expect(t.insert('ag2', 'team1', [bucket('a', T0, 3)])).toEqual({ inserted: 1, duplicates: 0 });
    const q = (extra: object) => t.query({ teamId: 'team1', from: T0, to: T0 + 60_000, resolution: 'base', ...extra });
    expect(q({ domainId: 'a' }).map((b) => [b.agentId, b.requests])).toEqual([['ag1', 5], ['ag2', 3]]);
    expect(q({ agentId: 'ag1' }).map((b) => b.domainId)).toEqual(['a', 'b']);
    expect(t.query({ teamId: 'other', from: 0, to: T0 * 2, resolution: 'base' })).toEqual([]);
  });

  it('rolls minutes into hours that hold their sums, also when a late minute arrives after the roll-up', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.record({ minute: fc.integer({ min: 0, max: 179 }), requests: fc.integer({ min: 1, max: 500 }), s502: fc.nat(5) }), { selector: (m) => m.minute, minLength: 1, maxLength: 40 }), (minutes) => {
      const t = node();
      const all = minutes.map((m) => bucket('a', T0 + m.minute * 60_000, m.requests + m.s502, m.s502));
      const half = Math.ceil(all.length / 2);
      t.insert('ag1', 'team1', all.slice(0, half));
      t.rollUp();
      t.insert('ag1', 'team1', all.slice(half));
      t.rollUp();
      const hours = t.query({ teamId: 'team1', from: 0, to: T0 * 2, resolution: 'rollup' });
      for (const h of hours) {
        const members = all.filter((m) => m.start >= h.start && m.start < h.start + HOUR);
        expect(h.requests).toBe(members.reduce((n, m) => n + m.requests, 0));
        expect(h.status502).toBe(members.reduce((n, m) => n + m.status502, 0));
        expect(h.lengthMs).toBe(HOUR);
      }
      expect(hours.reduce((n, h) => n + h.requests, 0)).toBe(all.reduce((n, m) => n + m.requests, 0));
      open.pop()!.close();
    }), { numRuns: 25 });
  });

  it('keeps minutes for their retention and hours much longer', () => {
    const t = node({ keepBaseMs: 2 * HOUR, keepRollupMs: 48 * HOUR });
    t.insert('ag1', 'team1', [bucket('a', T0, 1), bucket('a', T0 + 3 * HOUR, 1)]);
    expect(t.prune(T0 + 4 * HOUR)).toEqual({ base: 1, rollups: 0 });
    expect(t.query({ teamId: 'team1', from: 0, to: T0 * 2, resolution: 'base' })).toHaveLength(1);
    expect(t.query({ teamId: 'team1', from: 0, to: T0 * 2, resolution: 'rollup' })).toHaveLength(2);
  });

  it('replicates buckets and watermarks to a peer, page by page, idempotently', () => {
    const a = node();
    const b = node();
    a.insert('ag1', 'team1', Array.from({ length: 25 }, (_, i) => bucket('a', T0 + i * 60_000, i + 1)));
    a.noteAgent('ag1', 'team1', T0 + 25 * 60_000, { malformedLines: 2, lateLines: 0, probeLines: 7, droppedBuckets: 0 });
    let cursor = 0;
    for (let more = true; more;) {
      const page = a.exportSince(cursor, 10);
      b.importFrom(page);
      b.importFrom(page);
      ({ cursor, more } = page);
    }
    const q = (t: TelemetryStore) => t.query({ teamId: 'team1', from: 0, to: T0 * 2, resolution: 'base' });
    expect(q(b)).toEqual(q(a));
    expect(b.agent('ag1')).toEqual(a.agent('ag1'));
    expect(a.exportSince(cursor).buckets).toEqual([]);
    // A stale watermark never moves one backwards.
    b.noteAgent('ag1', 'team1', T0, { malformedLines: 0, lateLines: 0, probeLines: 0, droppedBuckets: 0 });
    expect(b.agent('ag1')!.coveredUntil).toBe(T0 + 25 * 60_000);
  });
});

describe('telemetry ingest', () => {
  it('refuses malformed batches with a coded reason and stores nothing', () => {
    const t = node();
    const ingest = new TelemetryIngest({ store: t, now: () => T0 + HOUR });
    const good = bucket('a', T0, 10, 2);
    const cases: [unknown, string][] = [
      ['{not json', 'NG_BAD_MESSAGE'],
      [{ type: 'telemetry' }, 'NG_BAD_MESSAGE'],
      [batch([{ ...good, status502: 9 }]), 'NG_BAD_MESSAGE'],
      [batch([{ ...good, start: T0 + 1 }]), 'NG_BAD_MESSAGE'],
      [batch([{ ...good, latency: [] }]), 'NG_BAD_MESSAGE'],
      [batch([{ ...good, domainId: 'Bad Id!' }]), 'NG_BAD_MESSAGE'],
      [batch(Array.from({ length: 201 }, (_, i) => bucket('a', T0 + i * 60_000, 1))), 'NG_BAD_MESSAGE'],
      [batch([bucket('a', T0 + 30 * 24 * HOUR, 1)]), 'NG_CLOCK_SKEW'],
      ['x'.repeat(300_000), 'NG_TOO_LARGE'],
    ];
    for (const [raw, code] of cases) {
      const r = ingest.accept('ag1', 'team1', raw);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.code).toBe(code);
    }
    expect(t.query({ teamId: 'team1', from: 0, to: T0 * 2, resolution: 'base' })).toEqual([]);
    expect(ingest.accept('ag1', 'team1', JSON.stringify(batch([good])))).toEqual({ ok: true, inserted: 1, duplicates: 0 });
  });

  it('holds a flooding agent to its budget without affecting another agent', () => {
    let now = T0 + HOUR;
    const t = node();
    const ingest = new TelemetryIngest({ store: t, now: () => now, bucketsPerSecond: 10, burstBuckets: 100 });
    const flood = (agent: string, i: number) => ingest.accept(agent, 'team1', batch(Array.from({ length: 50 }, (_, k) => bucket(`d${k}`, T0 + i * 60_000, 1))));
    expect(flood('ag1', 0).ok).toBe(true);
    expect(flood('ag1', 1).ok).toBe(true);
    const refused = flood('ag1', 2);
    expect(refused).toMatchObject({ ok: false, code: 'NG_RATE_LIMITED' });
    expect(flood('ag2', 0).ok).toBe(true);
    now += 5_000;
    expect(flood('ag1', 2).ok).toBe(true);
  });
});
