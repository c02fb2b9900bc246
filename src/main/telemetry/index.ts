// The node's telemetry: storage with roll-ups and retention, batch ingest, and replication to the other members.

export { TelemetryStore, telemetryMigrations } from './telemetry-store';
export type { AgentTelemetryState, OriginBucket, StoredBucket, TelemetryExport, TelemetryQuery, TelemetryStoreOptions } from './telemetry-store';
export { TelemetryIngest, isRetryableRefusal } from './telemetry-ingest';
export type { IngestResult, TelemetryIngestOptions } from './telemetry-ingest';
export { TelemetryReplication } from './telemetry-replication';
export type { PeerTelemetryChannel, TelemetryReplicationOptions } from './telemetry-replication';
