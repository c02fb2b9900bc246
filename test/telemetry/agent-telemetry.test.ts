// The agent's side with real files: the tailer across rotation and truncation, the bounded
// outbox with its drop counter, and batches that survive until acknowledged.

import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentTelemetry } from '../../src/agent/telemetry/agent-telemetry';
import { LogTailer } from '../../src/agent/telemetry/log-tailer';
import { telemetryBatch } from '../../src/shared/wire/telemetry';
import { logLine } from './support';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'ng-agent-tel-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('log tailer', () => {
  it('starts at the end, then hands on whole lines only, across rotation and truncation', () => {
    const dir = tmp();
    const log = join(dir, 'access.log');
    writeFileSync(log, 'old line\n');
    const got: string[] = [];
    const tailer = new LogTailer(log, (lines) => got.push(...lines));
    appendFileSync(log, 'one\ntw');
    tailer.poll();
    expect(got).toEqual(['one']);
    appendFileSync(log, 'o\nthree\n');
    tailer.poll();
    expect(got).toEqual(['one', 'two', 'three']);

    // logrotate: the file moves away (nginx still appends to it until reopened), a new one appears.
    appendFileSync(log, 'four\n');
    renameSync(log, `${log}.1`);
    appendFileSync(`${log}.1`, 'five\n');
    writeFileSync(log, 'six\n');
    tailer.poll();
    expect(got).toEqual(['one', 'two', 'three', 'four', 'five', 'six']);
    expect(tailer.counters.rotations).toBe(1);

    // copytruncate: same file, shorter than where we were.
    truncateSync(log, 0);
    appendFileSync(log, 'seven\n');
    tailer.poll();
    expect(got.at(-1)).toBe('seven');
    expect(tailer.counters.truncations).toBe(1);
    tailer.close();
  });

  it('resumes from a saved position in the same file', () => {
    const dir = tmp();
    const log = join(dir, 'access.log');
    writeFileSync(log, 'a\nb\n');
    const first = new LogTailer(log, () => {}, { inode: 0, offset: 0 });
    first.poll();
    const saved = first.position();
    first.close();
    appendFileSync(log, 'c\n');
    const got: string[] = [];
    const second = new LogTailer(log, (l) => got.push(...l), saved);
    second.poll();
    second.close();
    expect(got).toEqual(['c']);
  });
});

describe('agent telemetry outbox', () => {
  function setup(opts: { maxBufferedBuckets?: number } = {}) {
    const dir = tmp();
    const log = join(dir, 'access.log');
    writeFileSync(log, '');
    let now = T0;
    const make = () => new AgentTelemetry({ dbPath: join(dir, 'telemetry.db'), bucketMs: 1_000, graceMs: 0, now: () => now, configVersion: () => 3, ...opts });
    const t = make();
    t.start(log);
    return { t, log, make, advance: (ms: number) => (now += ms), at: () => now };
  }

  it('ships closed buckets in valid batches, resends what was not acknowledged, and forgets what was', () => {
    const { t, log, advance } = setup();
    appendFileSync(log, `${[logLine({ at: T0, domain: 'a', status: 200 }), logLine({ at: T0, domain: 'b', status: 502 }), 'torn{'].join('\n')}\n`);
    advance(1_000);
    t.tick();
    const batch = t.drainBatch()!;
    expect(telemetryBatch.safeParse(batch).success).toBe(true);
    expect(batch.buckets.map((b) => [b.domainId, b.requests, b.status502])).toEqual([['a', 1, 0], ['b', 1, 1]]);
    expect(batch.coveredUntil).toBe(T0 + 1_000);
    expect(batch.counters.malformedLines).toBe(1);
    expect(t.drainBatch()).toBeNull();

    t.rewind();
    expect(t.drainBatch()!.batchId).toBe(batch.batchId);
    t.ack(batch.batchId);
    t.rewind();
    expect(t.drainBatch()).toBeNull();
    expect(t.bufferedBuckets()).toBe(0);

    // No traffic: a batch with no buckets still tells the node the slot is final.
    advance(1_000);
    t.tick();
    const quiet = t.drainBatch()!;
    expect(quiet.buckets).toEqual([]);
    expect(quiet.coveredUntil).toBe(T0 + 2_000);
    t.stop();
  });

  it('keeps at most the bound while offline, dropping the oldest and counting them, across a restart', () => {
    const { t, log, advance, make } = setup({ maxBufferedBuckets: 3 });
    for (let i = 0; i < 5; i++) {
      appendFileSync(log, `${logLine({ at: T0 + i * 1_000, domain: 'a', status: 200 })}\n`);
      advance(1_000);
      t.tick();
    }
    expect(t.bufferedBuckets()).toBe(3);
    t.stop();
    const again = make();
    const batch = again.drainBatch()!;
    expect(batch.buckets.map((b) => b.start)).toEqual([T0 + 2_000, T0 + 3_000, T0 + 4_000]);
    expect(batch.counters.droppedBuckets).toBe(2);
    again.stop();
  });
});
