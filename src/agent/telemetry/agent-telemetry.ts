// The agent's telemetry: tails nginx's JSON access log, folds it into per-domain buckets, keeps
// closed buckets in the outbox until the node acknowledges them. The control link drives it:
// `drainBatch` when connected and idle, `ack` on the node's answer, `rewind` after a reconnect.

import { BucketAggregator } from '../../core/telemetry/aggregator';
import { LogLineParser } from '../../core/telemetry/log-line';
import type { TelemetryBatch, TelemetryCounters } from '../../shared/wire/telemetry';
import { MAX_TELEMETRY_BATCH_BUCKETS } from '../../shared/wire/telemetry-limits';
import { LogTailer } from './log-tailer';
import { TelemetryBuffer } from './telemetry-buffer';

export interface AgentTelemetryOptions {
  /** The telemetry outbox's journal file (separate from the agent's config cache). */
  dbPath: string;
  /** Bucket length: one minute in production; tests use a second. */
  bucketMs?: number;
  /** How long a slot stays open after it ends, for lines nginx is still writing. */
  graceMs?: number;
  /** Most buckets kept while the node is unreachable. */
  maxBufferedBuckets?: number;
  /** How often the log is read and due slots are closed. */
  pollMs?: number;
  /** The config version nginx serves now: stamped on each closed bucket. */
  configVersion?: () => number | null;
  now?: () => number;
}

export class AgentTelemetry {
  private readonly buffer: TelemetryBuffer;
  private readonly parser = new LogLineParser();
  private readonly aggregator: BucketAggregator;
  private readonly base: Omit<TelemetryCounters, 'droppedBuckets'>;
  private malformed = 0;
  private tailer: LogTailer | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Highest outbox seq handed out in a batch not yet acknowledged. */
  private sentThrough = 0;
  private sentCovered = 0;
  /** The newest `coveredUntil` the node acknowledged, and what each batch in flight vouches for. */
  private ackedCovered = 0;
  private readonly inFlight = new Map<string, number>();
  private readonly opts: Required<AgentTelemetryOptions>;

  constructor(opts: AgentTelemetryOptions) {
    this.opts = { bucketMs: 60_000, graceMs: 2_000, maxBufferedBuckets: 100_000, pollMs: 250, configVersion: () => null, now: Date.now, ...opts };
    this.buffer = new TelemetryBuffer(this.opts.dbPath, this.opts.maxBufferedBuckets);
    this.base = { malformedLines: this.buffer.counter('malformedLines'), lateLines: this.buffer.counter('lateLines'), probeLines: this.buffer.counter('probeLines') };
    this.aggregator = new BucketAggregator({ lengthMs: this.opts.bucketMs, graceMs: this.opts.graceMs }, this.buffer.coveredUntil());
  }

  /** Starts following `logPath`, resuming where the last run stopped if it is the same file. */
  start(logPath: string): void {
    if (this.tailer) throw new Error('telemetry is already started');
    this.tailer = new LogTailer(logPath, (lines) => this.ingest(lines), this.buffer.position());
    this.timer = setInterval(() => this.tick(), this.opts.pollMs);
    this.timer.unref();
  }

  /** Reads what nginx wrote since the last look and closes the slots that are due. */
  tick(): void {
    this.tailer?.poll();
    const closed = this.aggregator.close(this.opts.now(), this.opts.configVersion());
    if (closed.buckets.length === 0 && closed.coveredUntil === this.buffer.coveredUntil()) return;
    this.buffer.append(closed.buckets, { coveredUntil: closed.coveredUntil, position: this.tailer?.position() ?? null, counters: this.counters() });
  }

  /** Parses and counts lines (the log tailer calls this; the bench calls it directly). */
  ingest(lines: readonly string[]): void {
    for (const line of lines) {
      const r = this.parser.parse(line);
      if (r.ok) this.aggregator.add(r.request);
      else this.malformed++;
    }
  }

  counters(): TelemetryCounters {
    const c = this.aggregator.counters;
    return {
      malformedLines: this.base.malformedLines + this.malformed,
      lateLines: this.base.lateLines + c.late,
      probeLines: this.base.probeLines + c.probes,
      droppedBuckets: this.buffer.counter('droppedBuckets'),
    };
  }

  /**
   * The next batch to send: buckets not yet handed out, oldest first. Null when there is nothing
   * new (no buckets and no progress of `coveredUntil`).
   */
  drainBatch(max = MAX_TELEMETRY_BATCH_BUCKETS): TelemetryBatch | null {
    const rows = this.buffer.read(this.sentThrough, Math.min(max, MAX_TELEMETRY_BATCH_BUCKETS));
    const covered = this.buffer.coveredUntil();
    if (rows.length === 0 && covered <= this.sentCovered) return null;
    const first = rows[0]?.seq ?? this.sentThrough;
    const last = rows.at(-1)?.seq ?? this.sentThrough;
    // A full batch may leave later buckets behind: it vouches only for slots before its last one.
    const coveredUntil = rows.length < max ? covered : Math.min(covered, rows.at(-1)!.bucket.start);
    this.sentThrough = last;
    this.sentCovered = coveredUntil;
    // A batch with no rows only moves coveredUntil: its id names no outbox rows to forget.
    const batchId = rows.length > 0 ? `tb-${first}-${last}` : `tb-w${coveredUntil}`;
    this.inFlight.set(batchId, coveredUntil);
    return { type: 'telemetry', batchId, coveredUntil, buckets: rows.map((r) => r.bucket), counters: this.counters() };
  }

  /** The node stored batch `batchId` (or refused it for good): its buckets leave the outbox. */
  ack(batchId: string): void {
    const m = /^tb-(\d+)-(\d+)$/.exec(batchId);
    if (m) this.buffer.ackRange(Number(m[1]), Number(m[2]));
    this.ackedCovered = Math.max(this.ackedCovered, this.inFlight.get(batchId) ?? 0);
    this.inFlight.delete(batchId);
  }

  /** The link reconnected: hand out every unacknowledged bucket again (the node ignores duplicates). */
  rewind(): void {
    this.sentThrough = 0;
    this.sentCovered = this.ackedCovered;
    this.inFlight.clear();
  }

  bufferedBuckets(): number {
    return this.buffer.size();
  }

  /** Reads the last lines, closes due slots, and closes the files. The object is done after this. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.tailer) {
      this.tick();
      this.tailer.close();
    }
    this.tailer = null;
    this.buffer.close();
  }
}
