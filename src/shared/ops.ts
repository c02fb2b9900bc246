// The op: the unit of replication and the audit trail. One op sets some fields of one document
// (or deletes it) at one HLC, on behalf of one actor.

import { z } from 'zod';
import { isHlcString, isValidOrigin } from './hlc';
import { isValidId } from './ids';

export const MAX_OP_BYTES = 256 * 1024;

export const opSchema = z.strictObject({
  origin: z.string().refine(isValidOrigin, 'invalid origin node id'),
  seq: z.number().int().positive(),
  hlc: z.string().refine(isHlcString, 'invalid HLC timestamp'),
  collection: z.string().min(1).max(64),
  id: z.string().refine(isValidId, 'invalid document id'),
  /** Field values written by this op (absent for a delete). */
  set: z.record(z.string().max(64), z.unknown()).optional(),
  /** True for a delete: a tombstone at `hlc`. */
  delete: z.literal(true).optional(),
  /** The user (or system actor, e.g. "system", "agent:ID") that caused the write. */
  actor: z.string().min(1).max(128),
  /** Team of the document, for team-scoped audit views. */
  team: z.string().max(64).nullable().optional(),
  /** Field values before this write at its origin: the "before" of the audit trail. */
  prev: z.record(z.string().max(64), z.unknown()).optional(),
});

export type Op = z.infer<typeof opSchema>;

/** Highest contiguous seq applied per origin. */
export type VersionVector = Record<string, number>;

export const versionVectorSchema = z.record(z.string().refine(isValidOrigin), z.number().int().nonnegative());

/** A replica's state for bootstrap: documents with field clocks, tombstones, and the vector. */
export interface SnapshotDoc {
  collection: string;
  id: string;
  fields: Record<string, unknown>;
  clocks: Record<string, string>;
  deleted: string | null;
}

export interface Snapshot {
  format: 'netgoat-snapshot/1';
  origin: string;
  hlc: string;
  vector: VersionVector;
  docs: SnapshotDoc[];
}

const isOpKey = (k: string): boolean =>
  k === 'origin' || k === 'seq' || k === 'hlc' || k === 'collection' || k === 'id' || k === 'set' || k === 'delete' || k === 'actor' || k === 'team' || k === 'prev';

// Keys are walked with for-in: unlike Object.keys it allocates nothing, and on an object whose
// prototype is Object.prototype it sees the same keys (plus any enumerable key some code put on
// Object.prototype, which makes the fast path decline, never accept).

const isFieldRecord = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const k in v) if (k.length > 64 || k === '__proto__') return false;
  return true;
};

/**
 * The common case of `opSchema`, checked without zod's per-call allocations: replicas receive ops
 * by the hundred thousand when catching up. True only for inputs `opSchema` accepts unchanged
 * (ops.test.ts checks this); anything else goes through `opSchema` for its exact error.
 */
export function isPlainOp(raw: unknown): raw is Op {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.getPrototypeOf(raw) !== Object.prototype) return false;
  const o = raw as Record<string, unknown>;
  for (const k in o) if (!isOpKey(k)) return false;
  if (typeof o.origin !== 'string' || !isValidOrigin(o.origin)) return false;
  if (typeof o.seq !== 'number' || !Number.isSafeInteger(o.seq) || o.seq <= 0) return false;
  if (typeof o.hlc !== 'string' || !isHlcString(o.hlc)) return false;
  if (typeof o.collection !== 'string' || o.collection.length < 1 || o.collection.length > 64) return false;
  if (typeof o.id !== 'string' || !isValidId(o.id)) return false;
  if (typeof o.actor !== 'string' || o.actor.length < 1 || o.actor.length > 128) return false;
  if ('set' in o && o.set !== undefined && !isFieldRecord(o.set)) return false;
  if ('prev' in o && o.prev !== undefined && !isFieldRecord(o.prev)) return false;
  if ('delete' in o && o.delete !== undefined && o.delete !== true) return false;
  if ('team' in o && o.team !== undefined && o.team !== null && (typeof o.team !== 'string' || o.team.length > 64)) return false;
  return true;
}
