// Telemetry batch limits and which refusals are worth a retry, without schemas: the agent process
// imports these and never loads zod. src/shared/wire/telemetry.ts re-exports them with the schemas.

/** Most buckets in one batch: keeps a batch well under the agent link's frame cap. */
export const MAX_TELEMETRY_BATCH_BUCKETS = 200;
/** Largest serialized batch the node accepts. */
export const MAX_TELEMETRY_BATCH_BYTES = 192 * 1024;

/** Refusals worth a retry later (the agent keeps the batch); any other refusal is final for that batch. */
export const isRetryableTelemetryRefusal = (code: string): boolean => code === 'NG_RATE_LIMITED' || code === 'NG_CLOCK_SKEW' || code === 'NG_UNAVAILABLE';
