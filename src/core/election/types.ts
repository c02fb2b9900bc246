// What goes into the election state machine and what comes out. The host (src/main) turns
// outputs into I/O: sends on peer links, writes the term to disk, starts or stops leader duties.

import type { ElectionWireMessage } from '../../shared/wire/election';
import type { Member } from './rank';

export type ElectionInput =
  | { kind: 'message'; from: string; message: ElectionWireMessage }
  /** Time has passed; call at `nextDeadline()` (calling more often is harmless). */
  | { kind: 'tick' }
  | { kind: 'peer-connected'; peerId: string }
  | { kind: 'peer-disconnected'; peerId: string }
  /** The replicated member list changed (priorities or membership). */
  | { kind: 'members-changed'; members: readonly Member[] }
  /** The node is quitting: a leader hands over at once. */
  | { kind: 'shutdown' };

export type LeadershipEvent =
  | { type: 'became-leader'; term: number }
  | { type: 'lost-leadership'; term: number }
  /** Who this node now follows; `leaderId` is null while it knows of no leader. */
  | { type: 'leader-changed'; leaderId: string | null; term: number };

/**
 * Outputs are ordered: a `persist-term` comes before any message that carries that term, and the
 * host must make the term durable before it sends what follows.
 */
export type ElectionOutput =
  | { kind: 'send'; to: string; message: ElectionWireMessage }
  | { kind: 'broadcast'; message: ElectionWireMessage }
  | { kind: 'persist-term'; term: number }
  | { kind: 'leadership'; event: LeadershipEvent };

export type ElectionRole = 'follower' | 'candidate' | 'leader' | 'stopped';

/** A read-only view for status pages and tests. */
export interface ElectionStatus {
  nodeId: string;
  role: ElectionRole;
  term: number;
  leaderId: string | null;
}
