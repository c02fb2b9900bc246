// What the agent applies desired state to. The nginx target is the real one; the interface keeps
// the control logic (versions, cache, acks) testable and benchable apart from nginx.

import type { ApplyReport, NginxStatus } from '../shared/wire/agent';
import type { DesiredEntry } from '../core/desired/index';

export interface ApplyTarget {
  /** Brings the data plane up on the last good state (island mode starts here). */
  start(entries: ReadonlyMap<string, DesiredEntry>, meta: { version: number; checksum: string }): Promise<ApplyReport>;
  /** Validates, applies and verifies; on failure the previous state keeps serving. */
  apply(entries: ReadonlyMap<string, DesiredEntry>, meta: { version: number; checksum: string }): Promise<ApplyReport>;
  /** nginx's stub_status numbers (up: false when it does not answer). */
  status(): Promise<NginxStatus>;
  /** Resolves once the work an apply leaves behind (old trees pruned, the next one prepared) is done. */
  settled?(): Promise<void>;
  /** Stops the target's own timers (the data plane keeps serving). */
  stop?(): Promise<void>;
}
