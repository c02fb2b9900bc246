// The agent's nginx: controllers for a managed or a system nginx, the apply pipeline with
// rollback, and the watchdog. The agent's control link and CLI compose these.

export type { NginxController } from './controller';
export { defaultNginxBin } from './controller';
export { ManagedNginx } from './managed-nginx';
export type { ManagedNginxOptions } from './managed-nginx';
export { SystemNginx } from './system-nginx';
export type { SystemNginxOptions } from './system-nginx';
export { NginxApplier } from './applier';
export type { ApplierOptions } from './applier';
export { NginxWatchdog } from './watchdog';
export type { WatchdogOptions } from './watchdog';
export { toWireReport } from './wire-report';
export type {
  ApplyError,
  ApplyErrorCode,
  ApplyMeta,
  ApplyPhase,
  DriftReport,
  NginxApplyReport,
  NginxEvent,
  NginxEventListener,
  NginxFile,
  NginxProcessStatus,
  PhaseMark,
} from './types';
