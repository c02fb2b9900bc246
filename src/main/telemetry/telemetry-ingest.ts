// Where telemetry batches from the agent link land: checked against the schema, the clock and a
// per-agent budget, then stored. The budget is what keeps a flooding agent from monopolising the
// node (and so delaying config pushes): beyond it batches are refused, and the agent keeps them
// in its outbox for later.

import { telemetryBatch, isRetryableTelemetryRefusal, MAX_TELEMETRY_BATCH_BYTES } from '../../shared/wire/telemetry';
import type { ErrorCode } from '../../shared/errors';
import type { TelemetryStore } from './telemetry-store';

export type IngestResult = { ok: true; inserted: number; duplicates: number } | { ok: false; code: ErrorCode; message: string };

export interface TelemetryIngestOptions {
  store: TelemetryStore;
  now?: () => number;
  /** Buckets an agent may deliver per second, sustained (a minute's worth of 100 domains is 100). */
  bucketsPerSecond?: number;
  /** Burst allowance in buckets (an agent catching up after a night offline). */
  burstBuckets?: number;
  /** A bucket starting further in the future than this (by this node's clock) is refused. */
  maxSkewMs?: number;
}

interface Budget { tokens: number; at: number }

export class TelemetryIngest {
  private readonly store: TelemetryStore;
  private readonly now: () => number;
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxSkewMs: number;
  private readonly budgets = new Map<string, Budget>();

  constructor(opts: TelemetryIngestOptions) {
    this.store = opts.store;
    this.now = opts.now ?? Date.now;
    this.rate = opts.bucketsPerSecond ?? 200;
    this.burst = opts.burstBuckets ?? 2_000;
    this.maxSkewMs = opts.maxSkewMs ?? 5 * 60_000;
  }

  /** Takes one batch from an authenticated agent; never throws on what the agent sent. */
  accept(agentId: string, teamId: string, raw: unknown): IngestResult {
    const size = typeof raw === 'string' ? raw.length : JSON.stringify(raw ?? null).length;
    if (size > MAX_TELEMETRY_BATCH_BYTES) return { ok: false, code: 'NG_TOO_LARGE', message: `telemetry batch is ${size} bytes; the cap is ${MAX_TELEMETRY_BATCH_BYTES}` };
    let value: unknown = raw;
    if (typeof raw === 'string') {
      try {
        value = JSON.parse(raw);
      } catch {
        return { ok: false, code: 'NG_BAD_MESSAGE', message: 'telemetry batch is not JSON' };
      }
    }
    const parsed = telemetryBatch.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { ok: false, code: 'NG_BAD_MESSAGE', message: `telemetry batch: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
    }
    const batch = parsed.data;
    const now = this.now();
    const future = batch.buckets.find((b) => b.start > now + this.maxSkewMs);
    if (future || batch.coveredUntil > now + this.maxSkewMs) {
      return { ok: false, code: 'NG_CLOCK_SKEW', message: `telemetry from ${new Date(future?.start ?? batch.coveredUntil).toISOString()} is ahead of this node's clock; check the edge's time` };
    }
    if (!this.spend(agentId, batch.buckets.length, now)) {
      return { ok: false, code: 'NG_RATE_LIMITED', message: `agent ${agentId} sends telemetry faster than ${this.rate} buckets/s; the batch stays in its outbox` };
    }
    const r = this.store.insert(agentId, teamId, batch.buckets);
    this.store.noteAgent(agentId, teamId, batch.coveredUntil, batch.counters);
    return { ok: true, ...r };
  }

  private spend(agentId: string, n: number, now: number): boolean {
    const held = this.budgets.get(agentId) ?? { tokens: this.burst, at: now };
    const tokens = Math.min(this.burst, held.tokens + ((now - held.at) / 1000) * this.rate);
    if (n > tokens) {
      this.budgets.set(agentId, { tokens, at: now });
      return false;
    }
    this.budgets.set(agentId, { tokens: tokens - n, at: now });
    return true;
  }
}

/** Errors worth a retry later (the agent keeps the batch); any other refusal is final for that batch. */
export const isRetryableRefusal = isRetryableTelemetryRefusal;

