// The node's telemetry: storage with roll-ups and retention, replication pages, and batch ingest.

export { TelemetryStore, telemetryMigrations } from './telemetry-store';
export type { AgentTelemetryState, StoredBucket, TelemetryExport, TelemetryQuery, TelemetryStoreOptions } from './telemetry-store';
export { TelemetryIngest, isRetryableRefusal } from './telemetry-ingest';
export type { IngestResult, TelemetryIngestOptions } from './telemetry-ingest';
