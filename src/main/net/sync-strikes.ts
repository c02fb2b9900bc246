// Which events of a link's sync session count against the peer that caused them. A clock ahead of
// ours is a peer's misfortune, not an attack, so clock-skew refusals are not strikes; any other
// refused op or snapshot is bad input from that peer. Peer links and remote links judge alike.

import type { ErrorCode } from '../../shared/errors';
import type { SyncEvent } from '../../core/sync/session';

export function strikeFor(e: SyncEvent): { code: ErrorCode; message: string } | null {
  if (e.kind === 'rejected') return e.code === 'NG_CLOCK_SKEW' ? null : { code: e.code as ErrorCode, message: `ops refused: ${e.message}` };
  if (e.kind === 'snapshot-failed') return { code: e.code as ErrorCode, message: `snapshot refused: ${e.message}` };
  return null;
}
