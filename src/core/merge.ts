// Field-level last-writer-wins. A document is a set of fields, each carrying the HLC of its last
// write, plus an optional tombstone HLC. Merging takes the later write per field and the later
// tombstone, so merge is commutative, associative and idempotent (see merge.test.ts).

import { compareHlc, maxHlc } from '../shared/hlc';

export interface DocState {
  fields: Record<string, unknown>;
  clocks: Record<string, string>;
  /** HLC of the latest delete, or null. */
  deleted: string | null;
}

export interface OpEffect {
  hlc: string;
  set?: Record<string, unknown>;
  delete?: true;
}

export const emptyDoc = (): DocState => ({ fields: {}, clocks: {}, deleted: null });

/** The HLC of the latest field write, or null for a document never written. */
export function lastWrite(state: DocState): string | null {
  let max: string | null = null;
  for (const c of Object.values(state.clocks)) if (max === null || c > max) max = c;
  return max;
}

/**
 * Visibility and version from one pass over the field clocks. A document is visible while no
 * delete is newer than its latest field write; a write after a delete resurrects it with all of
 * its fields (they are kept under the tombstone for merging). The version an editor saw changes
 * whenever a field write or a delete lands.
 */
export function docStatus(state: DocState): { live: boolean; version: string | null } {
  return statusOf(lastWrite(state), state.deleted);
}

/** docStatus from a known latest field write (callers that track it spare the pass over the clocks). */
export function statusOf(last: string | null, deleted: string | null): { live: boolean; version: string | null } {
  return {
    live: last !== null && (deleted === null || compareHlc(last, deleted) > 0),
    version: maxHlc(last, deleted),
  };
}

export const isLive = (state: DocState): boolean => docStatus(state).live;

export const docVersion = (state: DocState): string | null => docStatus(state).version;

/**
 * Apply one op to a document. Returns the new state (the input is not mutated) and which fields
 * actually changed, so callers can skip no-op writes and emit precise change events.
 */
export function applyOp(state: DocState | undefined, op: OpEffect): { state: DocState; changedFields: string[]; deletedChanged: boolean } {
  const base = state ?? emptyDoc();
  const next: DocState = { fields: { ...base.fields }, clocks: { ...base.clocks }, deleted: base.deleted };
  const changedFields: string[] = [];
  let deletedChanged = false;
  if (op.delete) {
    if (next.deleted === null || compareHlc(op.hlc, next.deleted) > 0) {
      next.deleted = op.hlc;
      deletedChanged = true;
    }
  }
  if (op.set) {
    for (const field of Object.keys(op.set)) {
      const value = op.set[field];
      const current = next.clocks[field];
      if (current === undefined || compareHlc(op.hlc, current) > 0) {
        next.fields[field] = value;
        next.clocks[field] = op.hlc;
        changedFields.push(field);
      }
    }
  }
  return { state: next, changedFields, deletedChanged };
}

/** Merge two replicas of one document (snapshot import). */
export function mergeDocs(a: DocState, b: DocState): DocState {
  const out: DocState = { fields: { ...a.fields }, clocks: { ...a.clocks }, deleted: maxHlc(a.deleted, b.deleted) };
  for (const [field, clock] of Object.entries(b.clocks)) {
    const mine = out.clocks[field];
    if (mine === undefined || compareHlc(clock, mine) > 0) {
      out.fields[field] = b.fields[field];
      out.clocks[field] = clock;
    }
  }
  return out;
}
