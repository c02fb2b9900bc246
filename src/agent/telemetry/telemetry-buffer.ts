// The agent's telemetry outbox: closed buckets wait here (in their own journal file, beside the
// agent's config cache) until the node acknowledges them, so an offline edge loses nothing up to
// a bound. Beyond the bound the oldest buckets go, and how many went is counted and reported.
// The buckets stay on disk: memory holds only where each appended group sits and which of its
// buckets are still unacknowledged, so a long offline spell does not grow the agent.

import type { TelemetryBucket, TelemetryCounters } from '../../shared/wire/telemetry';
import { JournalWriter, readJournal, readRecord, rewriteJournal, type LineRef } from '../journal';
import type { LogPosition } from './log-tailer';

export interface BufferedBucket {
  seq: number;
  bucket: TelemetryBucket;
}

type CounterName = keyof TelemetryCounters;

/**
 * Journal lines: closed buckets numbered from `seq` with the state that produced them (and how
 * many of the oldest buckets they pushed out); an acknowledged range; the state a rewrite starts
 * from.
 */
type OutboxRecord =
  | { add: { seq: number; buckets: TelemetryBucket[]; meta: Record<string, string>; drop: number } }
  | { ack: [number, number] }
  | { start: { nextSeq: number; meta: Record<string, string> } };

/** Buckets appended together: seqs `seq0`… in one journal line, and which are still waiting. */
interface Group {
  seq0: number;
  ref: LineRef;
  waiting: Uint8Array;
  left: number;
}

const WHAT = 'the telemetry outbox';
/** Buckets per line when the outbox is rewritten. */
const REWRITE_GROUP = 500;
/** The journal is rewritten once it is this many times larger than what it still holds (plus a floor). */
const REWRITE_FACTOR = 2;
const REWRITE_FLOOR_BYTES = 1024 * 1024;

export class TelemetryBuffer {
  private writer: JournalWriter;
  private groups: Group[] = [];
  private meta: Record<string, string> = {};
  private nextSeq = 1;
  private waitingCount = 0;

  constructor(private readonly path: string, private readonly maxBuckets: number) {
    if (!(maxBuckets >= 1)) throw new RangeError('the telemetry buffer must hold at least one bucket');
    const { records, end } = readJournal(path, WHAT);
    for (const { record, ref } of records) this.replay(record as OutboxRecord, ref);
    this.writer = new JournalWriter(path, end);
    if (this.oversized()) this.rewrite();
  }

  /** Stores closed buckets with the state that produced them (log position, counters), atomically; returns how many old buckets were dropped. */
  append(buckets: readonly TelemetryBucket[], state: { coveredUntil: number; position: LogPosition | null; counters: Omit<TelemetryCounters, 'droppedBuckets'> }): number {
    const meta: Record<string, string> = { coveredUntil: String(state.coveredUntil) };
    if (state.position) meta['position'] = JSON.stringify(state.position);
    for (const [k, v] of Object.entries(state.counters)) meta[k] = String(v);
    const drop = Math.max(0, this.waitingCount + buckets.length - this.maxBuckets);
    if (drop > 0) meta['droppedBuckets'] = String(this.counter('droppedBuckets') + drop);
    const record: OutboxRecord = { add: { seq: this.nextSeq, buckets: [...buckets], meta, drop } };
    this.replay(record, this.writer.append(record));
    if (this.oversized()) this.rewrite();
    return drop;
  }

  /** The oldest buckets after `afterSeq`, at most `max`. */
  read(afterSeq: number, max: number): BufferedBucket[] {
    const out: BufferedBucket[] = [];
    for (const g of this.groups) {
      if (out.length >= max) break;
      if (g.seq0 + g.waiting.length - 1 <= afterSeq) continue;
      const { add } = readRecord(this.writer.fd, g.ref, WHAT) as { add: { buckets: TelemetryBucket[] } };
      for (let i = 0; i < g.waiting.length && out.length < max; i++) {
        if (g.waiting[i] && g.seq0 + i > afterSeq) out.push({ seq: g.seq0 + i, bucket: add.buckets[i]! });
      }
    }
    return out;
  }

  /** The node has these: forget them. */
  ackRange(firstSeq: number, lastSeq: number): void {
    const record: OutboxRecord = { ack: [firstSeq, lastSeq] };
    this.replay(record, this.writer.append(record));
    if (this.oversized()) this.rewrite();
  }

  size(): number {
    return this.waitingCount;
  }

  counter(name: CounterName): number {
    return Number(this.meta[name] ?? 0);
  }

  coveredUntil(): number {
    return Number(this.meta['coveredUntil'] ?? 0);
  }

  position(): LogPosition | null {
    const raw = this.meta['position'];
    return raw ? (JSON.parse(raw) as LogPosition) : null;
  }

  close(): void {
    this.writer.close();
  }

  /** Applies one journal line to the in-memory index (when reading the journal, and after writing a line). */
  private replay(record: OutboxRecord, ref: LineRef): void {
    if ('start' in record) {
      this.nextSeq = record.start.nextSeq;
      this.meta = { ...record.start.meta };
    } else if ('add' in record) {
      const { seq, buckets, meta, drop } = record.add;
      if (buckets.length > 0) this.groups.push({ seq0: seq, ref, waiting: new Uint8Array(buckets.length).fill(1), left: buckets.length });
      this.waitingCount += buckets.length;
      this.nextSeq = Math.max(this.nextSeq, seq + buckets.length);
      Object.assign(this.meta, meta);
      this.forget(() => true, drop);
    } else {
      const [first, last] = record.ack;
      this.forget((seq) => seq >= first && seq <= last, Infinity);
    }
  }

  /** Forgets up to `limit` waiting buckets, oldest first, whose seqs match. */
  private forget(matches: (seq: number) => boolean, limit: number): void {
    let n = 0;
    for (const g of this.groups) {
      for (let i = 0; i < g.waiting.length && n < limit; i++) {
        if (!g.waiting[i] || !matches(g.seq0 + i)) continue;
        g.waiting[i] = 0;
        g.left--;
        n++;
      }
      if (n >= limit) break;
    }
    this.waitingCount -= n;
    if (n > 0) this.groups = this.groups.filter((g) => g.left > 0);
  }

  /** Whether the journal is much larger than the buckets it still holds. */
  private oversized(): boolean {
    const held = this.groups.reduce((sum, g) => sum + (g.ref.length * g.left) / g.waiting.length, 0);
    return this.writer.bytes > REWRITE_FACTOR * held + REWRITE_FLOOR_BYTES;
  }

  /** Rewrites the journal with only what it still holds (read group by group from the old file). */
  private rewrite(): void {
    const old = this.writer;
    const groups = this.groups;
    // Where each written run of buckets starts and how long it is: the new index, without the buckets.
    const runs: { seq0: number; count: number }[] = [];
    function* lines(start: OutboxRecord): Generator<OutboxRecord> {
      yield start;
      for (const g of groups) {
        const { add } = readRecord(old.fd, g.ref, WHAT) as { add: { buckets: TelemetryBucket[] } };
        // Runs of consecutive waiting seqs, at most REWRITE_GROUP buckets a line.
        let run: TelemetryBucket[] = [];
        let runSeq = 0;
        for (let i = 0; i <= g.waiting.length; i++) {
          const waiting = i < g.waiting.length && g.waiting[i] === 1;
          if (run.length > 0 && (!waiting || run.length === REWRITE_GROUP)) {
            runs.push({ seq0: runSeq, count: run.length });
            yield { add: { seq: runSeq, buckets: run, meta: {}, drop: 0 } };
            run = [];
          }
          if (!waiting) continue;
          if (run.length === 0) runSeq = g.seq0 + i;
          run.push(add.buckets[i]!);
        }
      }
    }
    const { writer, refs } = rewriteJournal(this.path, lines({ start: { nextSeq: this.nextSeq, meta: this.meta } }));
    old.close();
    this.writer = writer;
    // Every run is waiting whole; refs[0] is the start line. nextSeq, meta and the waiting count stay as they are.
    this.groups = runs.map((r, i) => ({ seq0: r.seq0, ref: refs[i + 1]!, waiting: new Uint8Array(r.count).fill(1), left: r.count }));
  }
}
