// Telemetry batches on the agent link (agent → node): closed per-domain buckets plus the agent's
// counters. A batch is idempotent: buckets are immutable and keyed (agent, domain, start), so a
// batch resent after a lost acknowledgement changes nothing.

import { z } from 'zod';
import { id } from '../schemas/common';
import { MAX_TELEMETRY_BATCH_BUCKETS } from './telemetry-limits';

export { isRetryableTelemetryRefusal, MAX_TELEMETRY_BATCH_BUCKETS, MAX_TELEMETRY_BATCH_BYTES } from './telemetry-limits';

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const epochMs = z.number().int().nonnegative();
const ms = z.number().nonnegative().max(86_400_000).nullable();

export const telemetryBucket = z.strictObject({
  domainId: id,
  start: epochMs,
  /** 1 s to 1 h; production agents use one minute. */
  lengthMs: z.number().int().min(1_000).max(3_600_000),
  requests: count,
  status2xx: count,
  status3xx: count,
  status4xx: count,
  status5xx: count,
  status502: count,
  bytes: count,
  p50Ms: ms,
  p95Ms: ms,
  p99Ms: ms,
  /** Latency digest: [bin, count] pairs (see core/telemetry/latency-digest.ts). */
  latency: z.array(z.tuple([z.number().int().min(0).max(1000), count])).max(1000),
  configVersion: z.number().int().nonnegative().nullable(),
}).superRefine((b, ctx) => {
  if (b.start % b.lengthMs !== 0) ctx.addIssue({ code: 'custom', path: ['start'], message: 'start must be a multiple of lengthMs' });
  if (b.status2xx + b.status3xx + b.status4xx + b.status5xx > b.requests) ctx.addIssue({ code: 'custom', path: ['requests'], message: 'status counts exceed requests' });
  if (b.status502 > b.status5xx) ctx.addIssue({ code: 'custom', path: ['status502'], message: '502s exceed 5xx' });
  if (b.latency.reduce((n, [, c]) => n + c, 0) !== b.requests) ctx.addIssue({ code: 'custom', path: ['latency'], message: 'latency digest does not hold one entry per request' });
});
export type TelemetryBucket = z.infer<typeof telemetryBucket>;

/** Cumulative since the agent's telemetry file was created, so a resend or a lost batch never skews them. */
export const telemetryCounters = z.strictObject({
  /** Access-log lines that were not the JSON nginx was told to write. */
  malformedLines: count,
  /** Lines for a slot that had already been shipped. */
  lateLines: count,
  /** Netgoat's own health probes, left out of every bucket. */
  probeLines: count,
  /** Buckets thrown away because the offline buffer was full. */
  droppedBuckets: count,
});
export type TelemetryCounters = z.infer<typeof telemetryCounters>;

export const telemetryBatch = z.strictObject({
  type: z.literal('telemetry'),
  batchId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  /** Every slot before this time is final on the agent (lets the node tell "no traffic" from "not yet sent"). */
  coveredUntil: epochMs,
  buckets: z.array(telemetryBucket).max(MAX_TELEMETRY_BATCH_BUCKETS),
  counters: telemetryCounters,
});
export type TelemetryBatch = z.infer<typeof telemetryBatch>;

/** The node's answer: the batch id on success, or a coded reason the agent logs (and does not resend). */
export const telemetryAck = z.strictObject({
  type: z.literal('telemetry_ack'),
  batchId: z.string().max(64),
  ok: z.boolean(),
  code: z.string().max(64).nullable(),
  message: z.string().max(2000).nullable(),
});
export type TelemetryAck = z.infer<typeof telemetryAck>;
