// Who outranks whom, and which term numbers a node may claim.
// Priority = (configured priority, node id), compared lexicographically. Terms are laned so that
// two nodes that cannot hear each other (a partition) still never claim the same term number.

import { NgError } from '../../shared/errors';

export interface Member {
  nodeId: string;
  priority: number;
}

/** Term numbers are round × TERM_LANES + lane; a cluster can have at most this many members. */
export const TERM_LANES = 1024;

/** Negative when `a` ranks below `b`, positive above, 0 for the same node. */
export function compareRank(a: Member, b: Member): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  return a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0;
}

/** The members sorted from lowest to highest rank: a member's index is its term lane. */
export function rankedRoster(members: readonly Member[]): Member[] {
  if (members.length > TERM_LANES) {
    throw new NgError('NG_VALIDATION', `The election supports at most ${TERM_LANES} members; the roster has ${members.length}.`);
  }
  const ids = new Set<string>();
  for (const m of members) {
    if (ids.has(m.nodeId)) throw new NgError('NG_VALIDATION', `Member ${m.nodeId} appears twice in the election roster.`);
    ids.add(m.nodeId);
  }
  return [...members].sort(compareRank);
}

/** The smallest term above `highestSeen` in `lane`: every lane owns distinct numbers. */
export function nextTermInLane(highestSeen: number, lane: number): number {
  const round = Math.floor(highestSeen / TERM_LANES) + 1;
  const candidate = (round - 1) * TERM_LANES + lane;
  return candidate > highestSeen ? candidate : round * TERM_LANES + lane;
}

