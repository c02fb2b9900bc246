// The agent's edge telemetry: access-log tailer, offline outbox, and the object the link drives.

export { AgentTelemetry } from './agent-telemetry';
export type { AgentTelemetryOptions } from './agent-telemetry';
export { LogTailer } from './log-tailer';
export type { LogPosition, TailerCounters } from './log-tailer';
export { TelemetryBuffer } from './telemetry-buffer';
