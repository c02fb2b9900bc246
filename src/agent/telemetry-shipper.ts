// Ships the agent's telemetry outbox over the control link, one small batch at a time and only
// when the link is idle: no config push being applied or acknowledged, and the socket's send
// buffer nearly empty. So a backlog of telemetry can never hold up a config ack.

import type { TelemetryAck, TelemetryBatch } from '../shared/wire/telemetry';
import { isRetryableTelemetryRefusal } from '../shared/wire/telemetry-limits';
import type { AgentTelemetry } from './telemetry/agent-telemetry';

export interface TelemetryShipperOptions {
  telemetry: Pick<AgentTelemetry, 'drainBatch' | 'ack' | 'rewind'>;
  /** Sends on the link; false when there is no session. */
  send: (batch: TelemetryBatch) => boolean;
  /** True while a config push is being applied or its ack is unsent: telemetry waits. */
  busy: () => boolean;
  /** Bytes queued on the socket and not yet written. */
  bufferedAmount: () => number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** How often the outbox is looked at. */
  intervalMs?: number;
  /** Buckets per batch: small, so one batch never occupies the socket for long. */
  batchBuckets?: number;
  /** A batch unanswered for this long is given up on and sent again. */
  ackTimeoutMs?: number;
  /** Wait after a retryable refusal (rate limit, clock skew, node without telemetry). */
  retryAfterMs?: number;
}

/** Above this many queued bytes the link is busy enough: telemetry waits. */
const MAX_BUFFERED_BYTES = 64 * 1024;

export class TelemetryShipper {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: { batchId: string; sentAt: number } | null = null;
  private holdUntil = 0;
  private readonly o: Required<Omit<TelemetryShipperOptions, 'log'>> & Pick<TelemetryShipperOptions, 'log'>;

  constructor(opts: TelemetryShipperOptions) {
    this.o = { intervalMs: 500, batchBuckets: 50, ackTimeoutMs: 30_000, retryAfterMs: 5_000, ...opts };
  }

  start(): void {
    this.timer = setInterval(() => this.pump(), this.o.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A new session: whatever was in flight may be lost, so every unacknowledged bucket goes again. */
  onConnected(): void {
    this.inFlight = null;
    this.holdUntil = 0;
    this.o.telemetry.rewind();
  }

  onAck(ack: TelemetryAck): void {
    if (!this.inFlight || ack.batchId !== this.inFlight.batchId) return;
    this.inFlight = null;
    if (ack.ok) {
      this.o.telemetry.ack(ack.batchId);
      this.pump();
      return;
    }
    if (ack.code && isRetryableTelemetryRefusal(ack.code)) {
      // Kept in the outbox: hand it out again after a pause.
      this.o.telemetry.rewind();
      this.holdUntil = Date.now() + this.o.retryAfterMs;
      this.o.log?.('telemetry batch deferred by the node', { batchId: ack.batchId, code: ack.code, message: ack.message });
      return;
    }
    // A final refusal: resending the same buckets would be refused again.
    this.o.telemetry.ack(ack.batchId);
    this.o.log?.('telemetry batch refused by the node', { batchId: ack.batchId, code: ack.code, message: ack.message });
  }

  /** Sends the next batch if the link is idle and nothing is awaiting its ack. */
  pump(): void {
    const now = Date.now();
    if (this.inFlight && now - this.inFlight.sentAt > this.o.ackTimeoutMs) this.onConnected();
    if (this.inFlight || now < this.holdUntil || this.o.busy() || this.o.bufferedAmount() > MAX_BUFFERED_BYTES) return;
    const batch = this.o.telemetry.drainBatch(this.o.batchBuckets);
    if (!batch) return;
    if (this.o.send(batch)) this.inFlight = { batchId: batch.batchId, sentAt: now };
    else this.o.telemetry.rewind();
  }
}
