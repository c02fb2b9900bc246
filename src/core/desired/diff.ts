// Per-domain diffs between two desired states: what the node sends instead of the whole state, and
// how the agent rebuilds the whole state from its own copy and a diff.

import type { DesiredDomain } from '../../shared/wire/agent';
import { entryOf, type DesiredChecksums, type DesiredEntry, type DesiredSet } from './desired';

export interface DesiredDiff {
  upserts: DesiredDomain[];
  removes: string[];
}

/** What turns a state with checksums `base` into `next`: changed or new domains, and removed ids. */
export function diffDesired(base: DesiredChecksums, next: DesiredSet): DesiredDiff {
  const upserts: DesiredDomain[] = [];
  const removes: string[] = [];
  for (const [id, entry] of next) if (base.get(id) !== entry.checksum) upserts.push(entry.domain);
  for (const id of base.keys()) if (!next.has(id)) removes.push(id);
  upserts.sort((a, b) => (a.domainId < b.domainId ? -1 : a.domainId > b.domainId ? 1 : 0));
  removes.sort();
  return { upserts, removes };
}

/** The state a diff produces from `base`; `base` is left untouched. */
export function applyDiff(base: DesiredSet, diff: DesiredDiff): Map<string, DesiredEntry> {
  const out = new Map(base);
  for (const id of diff.removes) out.delete(id);
  for (const d of diff.upserts) out.set(d.domainId, entryOf(d));
  return out;
}
