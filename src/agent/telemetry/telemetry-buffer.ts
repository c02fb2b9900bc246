// The agent's telemetry outbox: closed buckets wait here (in their own SQLite file, beside the
// agent's config cache) until the node acknowledges them, so an offline edge loses nothing up to
// a bound. Beyond the bound the oldest buckets go, and how many went is counted and reported.

import Database from 'better-sqlite3';
import type { TelemetryBucket, TelemetryCounters } from '../../shared/wire/telemetry';
import type { LogPosition } from './log-tailer';

export interface BufferedBucket {
  seq: number;
  bucket: TelemetryBucket;
}

type CounterName = keyof TelemetryCounters;

export class TelemetryBuffer {
  private readonly db: Database.Database;
  private readonly sql;
  private readonly appendTx: (buckets: readonly TelemetryBucket[], meta: Record<string, string>) => number;

  constructor(path: string, private readonly maxBuckets: number) {
    if (!(maxBuckets >= 1)) throw new RangeError('the telemetry buffer must hold at least one bucket');
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS telemetry_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS telemetry_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;`);
    this.sql = {
      insert: this.db.prepare('INSERT INTO telemetry_outbox (body) VALUES (?)'),
      count: this.db.prepare('SELECT count(*) FROM telemetry_outbox').pluck(),
      dropOldest: this.db.prepare('DELETE FROM telemetry_outbox WHERE seq IN (SELECT seq FROM telemetry_outbox ORDER BY seq LIMIT ?)'),
      after: this.db.prepare('SELECT seq, body FROM telemetry_outbox WHERE seq > ? ORDER BY seq LIMIT ?'),
      ackRange: this.db.prepare('DELETE FROM telemetry_outbox WHERE seq BETWEEN ? AND ?'),
      getMeta: this.db.prepare('SELECT value FROM telemetry_meta WHERE key = ?').pluck(),
      setMeta: this.db.prepare('INSERT INTO telemetry_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    };
    this.appendTx = this.db.transaction((buckets: readonly TelemetryBucket[], meta: Record<string, string>) => {
      for (const b of buckets) this.sql.insert.run(JSON.stringify(b));
      for (const [k, v] of Object.entries(meta)) this.sql.setMeta.run(k, v);
      const excess = (this.sql.count.get() as number) - this.maxBuckets;
      if (excess <= 0) return 0;
      this.sql.dropOldest.run(excess);
      this.sql.setMeta.run('droppedBuckets', String(this.counter('droppedBuckets') + excess));
      return excess;
    });
  }

  /** Stores closed buckets with the state that produced them (log position, counters), atomically; returns how many old buckets were dropped. */
  append(buckets: readonly TelemetryBucket[], state: { coveredUntil: number; position: LogPosition | null; counters: Omit<TelemetryCounters, 'droppedBuckets'> }): number {
    const meta: Record<string, string> = { coveredUntil: String(state.coveredUntil) };
    if (state.position) meta.position = JSON.stringify(state.position);
    for (const [k, v] of Object.entries(state.counters)) meta[k] = String(v);
    return this.appendTx(buckets, meta);
  }

  /** The oldest buckets after `afterSeq`, at most `max`. */
  read(afterSeq: number, max: number): BufferedBucket[] {
    return (this.sql.after.all(afterSeq, max) as { seq: number; body: string }[]).map((r) => ({ seq: r.seq, bucket: JSON.parse(r.body) as TelemetryBucket }));
  }

  /** The node has these: forget them. */
  ackRange(firstSeq: number, lastSeq: number): void {
    this.sql.ackRange.run(firstSeq, lastSeq);
  }

  size(): number {
    return this.sql.count.get() as number;
  }

  counter(name: CounterName): number {
    return Number((this.sql.getMeta.get(name) as string | undefined) ?? 0);
  }

  coveredUntil(): number {
    return Number((this.sql.getMeta.get('coveredUntil') as string | undefined) ?? 0);
  }

  position(): LogPosition | null {
    const raw = this.sql.getMeta.get('position') as string | undefined;
    return raw ? (JSON.parse(raw) as LogPosition) : null;
  }

  close(): void {
    this.db.close();
  }
}
