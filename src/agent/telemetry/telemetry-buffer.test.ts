import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TelemetryBucket } from '../../shared/wire/telemetry';
import { TelemetryBuffer } from './telemetry-buffer';

const bucket = (n: number): TelemetryBucket => ({
  domainId: `dom_${n}`, start: 60_000 * n, lengthMs: 60_000, requests: 1, status2xx: 1, status3xx: 0, status4xx: 0, status5xx: 0, status502: 0, bytes: 10,
  p50Ms: 1, p95Ms: 1, p99Ms: 1, latency: [[3, 1]], configVersion: 1,
});
const state = (coveredUntil: number) => ({ coveredUntil, position: { inode: 7, offset: coveredUntil }, counters: { malformedLines: 1, lateLines: 2, probeLines: 3 } });
const seqs = (b: TelemetryBuffer, after = 0, max = 1_000_000): number[] => b.read(after, max).map((r) => r.seq);

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netgoat-outbox-'));
  path = join(dir, 'telemetry.journal');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the telemetry outbox', () => {
  it('keeps buckets, their seqs and the state that produced them across a restart, until acknowledged', () => {
    const b = new TelemetryBuffer(path, 100);
    expect(b.append([bucket(1), bucket(2), bucket(3)], state(5))).toBe(0);
    b.append([], state(6));
    b.append([bucket(4)], state(7));
    b.ackRange(2, 3);
    b.close();
    const again = new TelemetryBuffer(path, 100);
    expect(seqs(again)).toEqual([1, 4]);
    expect(again.read(1, 10)).toEqual([{ seq: 4, bucket: bucket(4) }]);
    expect([again.size(), again.coveredUntil(), again.counter('lateLines'), again.counter('droppedBuckets')]).toEqual([2, 7, 2, 0]);
    expect(again.position()).toEqual({ inode: 7, offset: 7 });
    again.append([bucket(5)], state(8));
    expect(seqs(again)).toEqual([1, 4, 5]);
    again.close();
  });

  it('drops the oldest beyond its bound and counts them', () => {
    const b = new TelemetryBuffer(path, 3);
    b.append([bucket(1), bucket(2)], state(1));
    expect(b.append([bucket(3), bucket(4), bucket(5)], state(2))).toBe(2);
    expect(seqs(b)).toEqual([3, 4, 5]);
    b.close();
    const again = new TelemetryBuffer(path, 3);
    expect([seqs(again), again.counter('droppedBuckets')]).toEqual([[3, 4, 5], 2]);
    again.close();
  });

  it('rewrites itself with only what it holds once acknowledged buckets dominate, keeping seqs', () => {
    const b = new TelemetryBuffer(path, 100_000);
    for (let i = 0; i < 60; i++) b.append(Array.from({ length: 100 }, (_, j) => bucket(i * 100 + j)), state(i));
    const before = statSync(path).size;
    b.ackRange(1, 5990);
    expect(statSync(path).size).toBeLessThan(before / 10);
    expect(seqs(b)).toEqual([5991, 5992, 5993, 5994, 5995, 5996, 5997, 5998, 5999, 6000]);
    b.append([bucket(1)], state(99));
    b.close();
    const again = new TelemetryBuffer(path, 100_000);
    expect(seqs(again).slice(-2)).toEqual([6000, 6001]);
    expect(again.read(5999, 1)[0]!.bucket).toEqual(bucket(5999));
    expect(again.coveredUntil()).toBe(99);
    again.close();
  });

  it('drops a torn last line, and refuses a damaged one before it', () => {
    const b = new TelemetryBuffer(path, 100);
    b.append([bucket(1)], state(1));
    b.append([bucket(2)], state(2));
    b.close();
    appendFileSync(path, '{"add":');
    const again = new TelemetryBuffer(path, 100);
    expect(seqs(again)).toEqual([1, 2]);
    again.close();
    writeFileSync(path, readFileSync(path, 'utf8').replace('dom_1', 'dom_9'));
    expect(() => new TelemetryBuffer(path, 100)).toThrow(expect.objectContaining({ code: 'NG_DB_CORRUPT' }));
  });
});
