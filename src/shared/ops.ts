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
