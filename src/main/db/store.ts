// The replicated store: the one write path for everything replicated. Local writes and received
// ops both become ops in the oplog and are merged field by field (core/merge) into `docs`, inside
// one SQLite transaction, so state, oplog and version vector can never disagree.

import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { COLLECTIONS, TEAM_SCOPED, isCollectionName, type CollectionName, type DocOf } from '../../shared/collections';
import { NgError } from '../../shared/errors';
import { HlcClock, isHlcOf, maxHlc } from '../../shared/hlc';
import { isValidId, randomId } from '../../shared/ids';
import { MAX_OP_BYTES, isPlainOp, opSchema, type Op, type Snapshot, type SnapshotDoc, type VersionVector } from '../../shared/ops';
import { canonicalJson } from '../../shared/canonical-json';
import { validationError } from '../../shared/validation';
import { applyOp, isLive, lastWrite, mergeDocs, statusOf, type DocState } from '../../core/merge';
import type { ZodError } from 'zod';
import { openDatabase } from './open';
import type { Migration } from './migrations';
import { storeMigrations } from './store-schema';
import { OPLOG_CHUNK_ROWS, prepareStoreStatements, type OpRow, type OpRowValues, type StoreStatements } from './store-statements';
import { OpRuns, RUN_MAX_BODY_CHARS, RUN_MAX_OPS } from './op-runs';

export interface StoreOptions {
  path: string;
  /** Fixed node id (tests); otherwise the one in the file, or a new random one. */
  nodeId?: string;
  now?: () => number;
  maxSkewMs?: number;
  nativeBinding?: string;
  durability?: 'normal' | 'full';
  /** Node-local tables of other modules (sessions, election state, ...). */
  migrations?: readonly Migration[];
}

export interface WriteContext {
  /** User id or system actor ("system", "agent:ID") recorded in the op: the audit trail. */
  actor: string;
  /** Optimistic concurrency: the version the editor saw (null = "must not exist yet"). */
  expectedVersion?: string | null;
}

export type Stored<C extends CollectionName> = DocOf<C> & { id: string; version: string };

export interface ChangeEvent {
  collection: string;
  id: string;
  /** The document's team (team-scoped collections), after the change. */
  team: string | null;
  /** The op that made the change; null when it came in a snapshot (its ops folded into the state). */
  op: Op | null;
  /** Whether the document is visible after the op. */
  live: boolean;
  /** Written on this node (vs received from a peer). */
  local: boolean;
}

export interface RemoteApplyResult {
  applied: number;
  duplicates: number;
  rejected: { index: number; code: string; message: string }[];
}


const STATE_CACHE_LIMIT = 20_000;
/**
 * Write-behind bounds for the docs table (see pendingDocs). Pending documents stay below the state
 * cache's size, so they are mostly the cached states themselves, not extra memory; pending ops bound
 * the replay after a crash (~0.3 s). The commit that reaches a bound writes everything. Otherwise a
 * timer writes them once commits pause for DOC_FLUSH_IDLE_MS, and at the latest DOC_FLUSH_MAX_AGE_MS
 * after the first of them: a burst (a catch-up, a bulk import) is written once, at its end.
 */
const MAX_UNFLUSHED_DOCS = 16_384;
const MAX_UNFLUSHED_OPS = 65_536;
const DOC_FLUSH_IDLE_MS = 200;
const DOC_FLUSH_MAX_AGE_MS = 2_000;

/**
 * A document held in memory: its newest state (the open transaction's changes included) and the row
 * the docs table holds for it. One entry per document, found by collection then id (the caller's id
 * string, so no key is built and hashed per write).
 */
interface HeldDoc {
  readonly collection: string;
  readonly id: string;
  state: DocState;
  /** lastWrite(state), and docStatus(state) derived from it: kept, not recomputed per write. */
  last: string | null;
  live: boolean;
  version: string | null;
  team: string | null;
  /** The row the docs table holds (undefined: unknown or none). */
  persisted: DocState | undefined;
  /** In `pendingDocs`: changed since the docs table was last written, so never evicted. */
  queued: boolean;
  /** The transaction that last changed it, and what it was before that transaction (for a rollback, see rolledBack). */
  tx: number;
  beforeState: DocState | undefined;
  beforeTeam: string | null;
  beforeQueued: boolean;
  /** The nested transaction that last saved its fields in `undo` (see NestedLevel). */
  nestId: number;
}

/**
 * A nested transaction in progress. SQLite rolls back only its savepoint, so a failure that the
 * enclosing transaction catches must undo in memory exactly what the nested part changed: `undo`
 * holds each document's fields as they were when the level first changed it.
 */
interface NestedLevel {
  id: number;
  undoMark: number;
  txDocsMark: number;
  txOps: number;
  docsWritten: boolean;
  docsWrites: number;
}

/** A document's fields before a nested level changed it (`created`: it was not held before). */
interface UndoRecord {
  doc: HeldDoc;
  created: boolean;
  fields: Omit<HeldDoc, 'collection' | 'id'>;
}

type Listener = (events: readonly ChangeEvent[]) => void;

export class Store {
  readonly nodeId: string;
  readonly path: string;
  /** For main-layer modules that keep node-local tables in the same file. Never write replicated tables through it. */
  readonly db: Database.Database;
  readonly clock: HlcClock;
  private readonly vec = new Map<string, { seq: number; floor: number }>();
  private readonly listeners = new Set<Listener>();
  private pending: ChangeEvent[] = [];
  private depth = 0;
  private closed = false;
  private readonly sql: StoreStatements;
  private readonly runInTransaction: (fn: () => unknown) => unknown;
  /** Own seq is persisted lazily (it is recoverable from the oplog); see reloadVector. */
  private ownSeqDirty = false;
  /**
   * Recently touched documents, so a write does not re-read and re-parse its row: up to
   * STATE_CACHE_LIMIT of them, evicted in load order (`loadOrder` from `loadHead`), except those in
   * `pendingDocs`. A rollback drops every entry but the committed pending ones.
   */
  private readonly held = new Map<string, Map<string, HeldDoc>>();
  private heldCount = 0;
  private loadOrder: HeldDoc[] = [];
  private loadHead = 0;
  /**
   * Documents whose row is behind: changed in the open transaction, or committed and not yet
   * written. The oplog is the durable record: a commit writes its op, and the documents it changed
   * are written later, many commits at once (MAX_UNFLUSHED_*, the idle timer, or any read of the
   * table), with `docs_through` naming the ops they reflect. Opening the file replays the ops after
   * it, so a crash loses nothing; a document changed again before the flush costs one row write,
   * not one per commit.
   */
  private pendingDocs: HeldDoc[] = [];
  /** Numbers transactions, so an entry knows whether the open one changed it already. */
  private txNumber = 1;
  /**
   * Documents the open transaction changed. Their earlier states are let go at its commit: held
   * longer, they would outlive the young generation and cost more in garbage collection.
   */
  private txDocs: HeldDoc[] = [];
  /** Open nested transactions, innermost last, and what undoes their changes (see NestedLevel). */
  private readonly nested: NestedLevel[] = [];
  private undo: UndoRecord[] = [];
  private nestIds = 0;
  /** Counts writes of the docs table, so a nested rollback knows whether rows it wrote went with it. */
  private docsWrites = 0;
  /** Ops committed since the docs table was last written, and ops of the open transaction. */
  private unflushedOps = 0;
  private txOps = 0;
  /** The docs table was written in the open transaction: at its commit everything pending is in it. */
  private docsWritten = false;
  /** Write the docs table when the open transaction ends, whatever the bounds say. */
  private docsDue = false;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** performance.now() of the last commit, and of the first commit still waiting to be written. */
  private lastCommitAt = 0;
  private pendingSince = 0;
  /**
   * Oplog rows of the open transaction known to be new (received ops that extend the vector),
   * their values laid end to end, appended in multi-row chunks as each chunk fills and
   * when it ends: the same transaction, so the same durability, at a fraction of the per-statement
   * cost of one INSERT per op.
   */
  private readonly newOps: unknown[] = [];
  /**
   * Own ops of the open transaction not yet stored, laid out as newOps: written as one run row
   * (op-runs.ts) when the transaction ends or reads the oplog, or before that when RUN_MAX_* is
   * reached; a single op stays an ordinary oplog row, so a one-write commit is as before.
   */
  private readonly localOps: unknown[] = [];
  private localBodyChars = 0;
  private readonly runs: OpRuns;
  /** Remote origins whose vector row changed in the open transaction. */
  private readonly dirtyOrigins = new Set<string>();
  /** Origins with ops held beyond their contiguous seq (a gap waits to be filled). */
  private readonly gappedOrigins = new Set<string>();

  static open(opts: StoreOptions): Store {
    const db = openDatabase({
      path: opts.path,
      migrations: [...storeMigrations, ...(opts.migrations ?? [])],
      ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}),
      ...(opts.durability ? { durability: opts.durability } : {}),
    });
    try {
      return new Store(db, opts);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  private constructor(db: Database.Database, opts: StoreOptions) {
    this.db = db;
    this.path = opts.path;
    const stored = db.prepare("SELECT value FROM meta WHERE key = 'node_id'").pluck().get() as string | undefined;
    if (stored && opts.nodeId && stored !== opts.nodeId) {
      throw new NgError('NG_VALIDATION', `${opts.path} belongs to node ${stored}, not ${opts.nodeId}`);
    }
    this.nodeId = stored ?? opts.nodeId ?? randomId('n').slice(0, 17);
    if (!stored) db.prepare("INSERT INTO meta (key, value) VALUES ('node_id', ?)").run(this.nodeId);

    this.sql = prepareStoreStatements(db);
    this.runs = new OpRuns(db);
    this.runInTransaction = db.transaction((fn: () => unknown) => fn());

    this.reloadVector();
    // Resume the clock above everything this file has seen, so a restart never reissues a timestamp.
    const m = this.sql.maxHlcs.get()!;
    this.clock = new HlcClock({ origin: this.nodeId, now: opts.now ?? Date.now, ...(opts.maxSkewMs ? { maxSkewMs: opts.maxSkewMs } : {}), last: maxHlc(maxHlc(m.o, m.d), m.m) });
    this.replayUnflushedOps();
  }

  // ---------------------------------------------------------------- reads

  get<C extends CollectionName>(collection: C, id: string): Stored<C> | undefined {
    const pending = this.held.get(collection)?.get(id);
    if (pending?.queued) {
      // A copy, as a row read would give: the held state is shared with the merge path.
      return pending.live ? { ...(JSON.parse(JSON.stringify(pending.state.fields)) as DocOf<C>), id, version: pending.version! } : undefined;
    }
    const row = this.sql.getLive.get(collection, id);
    if (!row) return undefined;
    return { ...(JSON.parse(row.fields) as DocOf<C>), id, version: row.version };
  }

  list<C extends CollectionName>(collection: C, filter: { team?: string } = {}): Stored<C>[] {
    this.flushDocs();
    const rows = filter.team !== undefined ? this.sql.listLiveTeam.all(collection, filter.team) : this.sql.listLive.all(collection);
    return rows.map((r) => ({ ...(JSON.parse(r.fields) as DocOf<C>), id: r.id, version: r.version }));
  }

  vector(): VersionVector {
    const out: VersionVector = {};
    for (const [origin, v] of this.vec) out[origin] = v.seq;
    return out;
  }

  /** Ops (newest first) for the audit view; `team` limits it to one tenant. */
  auditLog(opts: { team?: string | null; before?: string | null; limit?: number } = {}): Op[] {
    this.flushDirty();
    const team = opts.team ?? null;
    const before = opts.before ?? null;
    const limit = Math.min(opts.limit ?? 100, 1000);
    const rows = this.sql.audit.all({ team, before, limit });
    const fromRuns = this.runs.newest(team, before, limit);
    if (fromRuns.length > 0) {
      rows.push(...fromRuns);
      rows.sort((a, b) => (a.hlc < b.hlc ? 1 : a.hlc > b.hlc ? -1 : 0));
      rows.length = Math.min(rows.length, limit);
    }
    return rows.map(opFromRow);
  }

  // ---------------------------------------------------------------- local writes

  /**
   * Set fields of one document (creating it if needed). The merged document must satisfy its
   * collection schema; values are stored as the schema normalises them (e.g. punycode hostnames).
   * A write that changes nothing produces no op.
   */
  write<C extends CollectionName>(collection: C, id: string, set: Partial<DocOf<C>>, ctx: WriteContext): Stored<C> {
    this.assertWritable(collection, id);
    // Inside an enclosing transaction the write joins it (see atomic), without a closure per write.
    return this.depth > 0 ? this.writeNow(collection, id, set, ctx) : this.transaction(() => this.writeNow(collection, id, set, ctx));
  }

  private writeNow<C extends CollectionName>(collection: C, id: string, set: Partial<DocOf<C>>, ctx: WriteContext): Stored<C> {
    const doc = this.load(collection, id);
    const state = doc?.state;
    this.checkExpectedVersion(collection, id, doc, ctx);
    const live = doc?.live === true;
    // A new (or deleted) document must be whole; an update is checked field by field, which is
    // equivalent because collection schemas have no cross-field rules, and far cheaper.
    const normalized = live ? validateFields(collection, set as Record<string, unknown>, []) : validateDoc(collection, { ...(state?.fields ?? {}), ...set });

    const effective: Record<string, unknown> = {};
    const prev: Record<string, unknown> = {};
    let changed = 0;
    let replaced = 0;
    for (const field of Object.keys(set)) {
      const value = normalized[field];
      const before = state?.fields[field];
      if (live && before !== undefined && sameValue(before, value)) continue;
      effective[field] = value;
      changed++;
      if (before !== undefined) {
        prev[field] = before;
        replaced++;
      }
    }
    if (changed === 0) {
      if (live) return { ...(state!.fields as DocOf<C>), id, version: doc!.version! };
      // An empty op would change nothing, so the document would stay deleted: refuse it rather than report a write.
      throw new NgError('NG_VALIDATION', `${collection}/${id}: a write must set at least one field`, { path: [] });
    }

    const teamId = 'teamId' in effective ? effective.teamId : state?.fields.teamId;
    const next = this.commitLocal(collection, id, effective, ctx.actor, teamOf(collection, id, teamId), replaced > 0 ? prev : undefined, doc);
    return { ...(next.state.fields as DocOf<C>), id, version: next.version! };
  }

  /** Delete a document (a tombstone). Returns false when there was nothing visible to delete. */
  delete(collection: CollectionName, id: string, ctx: WriteContext): boolean {
    this.assertWritable(collection, id);
    return this.atomic(() => {
      const doc = this.load(collection, id);
      this.checkExpectedVersion(collection, id, doc, ctx);
      if (!doc?.live) return false;
      this.commitLocal(collection, id, undefined, ctx.actor, teamOf(collection, id, doc.state.fields.teamId), doc.state.fields, doc);
      return true;
    });
  }

  /**
   * Run `fn` in one SQLite transaction (nesting allowed). Change events are delivered once, after
   * the outermost commit; nothing of a failed transaction is visible or announced.
   */
  transaction<T>(fn: () => T): T {
    const mark = this.pending.length;
    if (this.depth > 0) {
      // A nested transaction's rollback forgets the queued oplog rows: queue only its own.
      this.flushDirty();
      this.nested.push({ id: ++this.nestIds, undoMark: this.undo.length, txDocsMark: this.txDocs.length, txOps: this.txOps, docsWritten: this.docsWritten, docsWrites: this.docsWrites });
    }
    this.depth++;
    let result: T;
    try {
      result = this.runInTransaction(() => {
        const value = fn();
        if (this.depth === 1) this.endTransaction();
        return value;
      }) as T;
    } catch (e) {
      this.pending.length = mark;
      if (this.depth > 1) this.nestedRolledBack(this.nested.pop()!);
      else this.rolledBack();
      throw e;
    } finally {
      this.depth--;
    }
    if (this.depth > 0) {
      // Its changes now belong to the enclosing level: they stay in `undo` for that level's rollback.
      this.nested.pop();
      if (this.nested.length === 0) this.undo = [];
      return result;
    }
    this.committed();
    if (this.pending.length > 0) {
      const events = this.pending;
      this.pending = [];
      for (const l of this.listeners) l(events);
    }
    return result;
  }

  /**
   * Atomic unit for the store's own writes. Inside an enclosing transaction it joins it without a
   * savepoint: validation happens before any statement runs, so a refused write leaves nothing behind.
   */
  private atomic<T>(fn: () => T): T {
    return this.depth > 0 ? fn() : this.transaction(fn);
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------------------------------------------------------------- replication

  /**
   * Merge ops received from a peer. Each op is schema-checked, size-capped and skew-checked; a bad
   * op is refused (with its index and code) without affecting the others. Duplicates are ignored.
   */
  applyRemote(ops: readonly unknown[]): RemoteApplyResult {
    const result: RemoteApplyResult = { applied: 0, duplicates: 0, rejected: [] };
    this.transaction(() => {
      ops.forEach((raw, index) => {
        // Catching up from several peers at once delivers the same ops more than once: skip what is
        // already held before paying for validation.
        if (this.isHeld(raw)) {
          result.duplicates++;
          return;
        }
        const checked = this.admitRemoteOp(raw);
        if (!checked.ok) {
          result.rejected.push({ index, code: checked.error.code, message: checked.error.message });
          return;
        }
        const { op, body } = checked;
        const held = this.vec.get(op.origin);
        if (held && op.seq <= held.seq) {
          result.duplicates++;
          return;
        }
        const row: OpRowValues = [op.origin, op.seq, op.hlc, op.collection, op.id, op.team ?? null, op.actor, body];
        // The op right after the vector of an origin with nothing held beyond it cannot be in the
        // oplog yet; anything else may be (it arrived ahead of a gap before) and is checked by inserting.
        if (op.seq === (held?.seq ?? 0) + 1 && !this.gappedOrigins.has(op.origin)) {
          // Each full chunk goes in at once: rows held to the end of a long transaction would outlive
          // the young generation and cost more in garbage collection.
          this.queueOp(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7]);
        } else if (this.sql.insertOp.run(...row).changes === 0) {
          result.duplicates++;
          return;
        }
        this.mergeOp(op, this.load(op.collection, op.id), false);
        this.advanceVector(op.origin, op.seq);
        result.applied++;
      });
    });
    return result;
  }

  /**
   * The ops a peer with vector `theirs` lacks, oldest first per origin, at most `limit`. Throws
   * NG_SNAPSHOT_REQUIRED when some of them were compacted away (the peer must bootstrap).
   */
  opsSince(theirs: VersionVector, limit = 10_000): { ops: Op[]; more: boolean } {
    const { rows, more } = this.opRowsSince(theirs, limit);
    return { ops: rows.map(opFromRow), more };
  }

  /** opsSince as the oplog rows themselves, payload unparsed: what a peer link sends (core/sync/ops-frame.ts). */
  opRowsSince(theirs: VersionVector, limit = 10_000): { rows: OpRow[]; more: boolean } {
    this.flushDirty();
    const found: OpRow[] = [];
    let more = false;
    for (const [origin, v] of this.vec) {
      const have = theirs[origin] ?? 0;
      if (v.seq <= have) continue;
      if (have < v.floor) {
        throw new NgError('NG_SNAPSHOT_REQUIRED', `ops of ${origin} after seq ${have} were compacted (held from ${v.floor + 1}); bootstrap from a snapshot`, { details: { origin, have, floor: v.floor } });
      }
      const room = limit - found.length;
      if (room <= 0) {
        more = true;
        break;
      }
      const rows = this.opRowsAfter(origin, have, Math.min(room, v.seq - have));
      found.push(...rows);
      if (have + rows.length < v.seq) more = true;
    }
    return { rows: found, more };
  }

  exportSnapshot(): Snapshot {
    this.flushDocs();
    return this.db.transaction((): Snapshot => ({
      format: 'netgoat-snapshot/1',
      origin: this.nodeId,
      hlc: this.clock.current(),
      vector: this.vector(),
      docs: this.sql.allDocs.all().map((r): SnapshotDoc => ({
        collection: r.collection, id: r.id, fields: JSON.parse(r.fields) as Record<string, unknown>,
        clocks: JSON.parse(r.clocks) as Record<string, string>, deleted: r.deleted,
      })),
    }))();
  }

  /** Merge a peer's snapshot into this replica (bootstrap, or catching up past compaction). */
  importSnapshot(snapshot: Snapshot): void {
    if (snapshot.format !== 'netgoat-snapshot/1') throw new NgError('NG_BAD_MESSAGE', `unknown snapshot format ${String(snapshot.format)}`);
    const skew = this.clock.checkSkew(snapshot.hlc);
    if (skew) throw skew;
    this.transaction(() => {
      this.clock.observe(snapshot.hlc);
      for (const d of snapshot.docs) {
        if (!isCollectionName(d.collection) || !isValidId(d.id)) throw new NgError('NG_BAD_MESSAGE', `snapshot holds an invalid document ${d.collection}/${d.id}`);
        const incoming: DocState = { fields: d.fields, clocks: d.clocks, deleted: d.deleted };
        const current = this.load(d.collection, d.id);
        const merged = current ? mergeDocs(current.state, incoming) : incoming;
        if (current && !advanced(current.state, merged)) continue;
        const team = teamOf(d.collection, d.id, merged.fields.teamId);
        const saved = this.saveState(d.collection, d.id, current, merged, lastWrite(merged), team);
        // Announced like ops: whatever follows the store (agent pushes, live views, the peer
        // mesh's member list) must hear of documents that arrive this way too.
        if (this.listeners.size > 0) this.pending.push({ collection: d.collection, id: d.id, team, op: null, live: saved.live, local: false });
      }
      for (const [origin, seq] of Object.entries(snapshot.vector)) {
        const mine = this.vec.get(origin) ?? { seq: 0, floor: 0 };
        // Ops in (mine.seq, seq] are folded into the state but not held: peers behind `seq` need a snapshot from us too.
        if (seq > mine.seq) this.setVector(origin, seq, Math.max(mine.floor, seq));
      }
      // Folded-in ops are not in the oplog, so a replay could not restore these documents: write them now.
      this.docsDue = true;
    });
  }

  /** Move ops every member holds (at or below `watermark`) out of the oplog into the audit table. */
  compact(watermark: VersionVector): number {
    let moved = 0;
    this.transaction(() => {
      this.flushDocs();
      for (const [origin, v] of this.vec) {
        const upTo = Math.min(watermark[origin] ?? 0, v.seq);
        if (upTo <= v.floor) continue;
        this.sql.moveToAudit.run(origin, upTo);
        moved += this.sql.deleteOps.run(origin, upTo).changes + this.runs.compact(origin, upTo);
        this.setVector(origin, v.seq, upTo);
      }
      this.flushOwnSeq();
      this.sql.saveHlc.run(this.clock.current());
    });
    return moved;
  }

  /** A digest of the whole replicated state: equal on two replicas exactly when they converged. */
  stateHash(): string {
    this.flushDocs();
    const h = createHash('sha256');
    for (const r of this.sql.allDocs.iterate()) {
      const state: DocState = { fields: JSON.parse(r.fields), clocks: JSON.parse(r.clocks), deleted: r.deleted };
      h.update(canonicalJson([r.collection, r.id, isLive(state), state.fields, state.clocks, state.deleted]));
      h.update('\n');
    }
    return h.digest('hex');
  }

  close(): void {
    if (this.closed) return;
    this.listeners.clear();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushDocs();
    this.closed = true;
    this.flushOwnSeq();
    this.sql.saveHlc.run(this.clock.current());
    this.db.close();
  }

  // ---------------------------------------------------------------- internals

  private assertWritable(collection: string, id: string): void {
    if (this.closed) throw new NgError('NG_UNAVAILABLE', 'the store is closed');
    if (!isCollectionName(collection)) throw new NgError('NG_UNKNOWN_COLLECTION', `unknown collection "${collection}"`, { path: ['collection'] });
    if (!isValidId(id)) throw new NgError('NG_VALIDATION', `invalid document id "${id.slice(0, 80)}"`, { path: ['id'] });
  }

  private checkExpectedVersion(collection: string, id: string, status: { live: boolean; version: string | null } | undefined, ctx: WriteContext): void {
    if (ctx.expectedVersion === undefined) return;
    const current = status?.live ? status.version : null;
    if (current !== ctx.expectedVersion) {
      throw new NgError('NG_CONFLICT', `${collection}/${id} changed since you opened it`, { details: { expectedVersion: ctx.expectedVersion, currentVersion: current } });
    }
  }

  /** A local op: `set` fields, or a delete when there is no `set`. */
  private commitLocal(collection: string, id: string, set: Record<string, unknown> | undefined, actor: string, team: string | null, prev: Record<string, unknown> | undefined, doc: HeldDoc | undefined): HeldDoc {
    const own = this.vec.get(this.nodeId);
    const origin = this.nodeId;
    const seq = (own?.seq ?? 0) + 1;
    const hlc = this.clock.tick();
    const op: Op = set ? { origin, seq, hlc, collection, id, set, actor, team } : { origin, seq, hlc, collection, id, delete: true, actor, team };
    if (prev) op.prev = prev;
    const body = opBody(op);
    if (body.length > MAX_OP_BYTES) throw new NgError('NG_TOO_LARGE', `the change to ${op.collection}/${op.id} is ${body.length} bytes (limit ${MAX_OP_BYTES})`);
    this.queueLocal(op.origin, op.seq, op.hlc, op.collection, op.id, op.team ?? null, op.actor, body);
    // The vector row for our own origin is written lazily: the oplog itself proves the seq. A
    // rollback reloads the vector, so the entry can be advanced in place.
    if (own) own.seq = op.seq;
    else this.vec.set(this.nodeId, { seq: op.seq, floor: 0 });
    this.ownSeqDirty = true;
    return this.mergeOp(op, doc, true)!;
  }

  /** Merge one op into its document; returns the document's entry (undefined: it never existed and the op changed nothing). */
  private mergeOp(op: Op, doc: HeldDoc | undefined, local: boolean): HeldDoc | undefined {
    this.txOps++;
    const { state: next, changedFields, deletedChanged } = applyOp(doc?.state, op);
    if (changedFields.length === 0 && !deletedChanged) return doc;
    // The changed fields now carry the op's timestamp, later than what they replaced.
    const last = changedFields.length > 0 ? maxHlc(doc?.last, op.hlc) : (doc?.last ?? null);
    const saved = this.saveState(op.collection, op.id, doc, next, last, op.team ?? null);
    if (this.listeners.size > 0) this.pending.push({ collection: op.collection, id: op.id, team: op.team ?? null, op, live: saved.live, local });
    return saved;
  }

  /** Record a document's new state (`last`: its lastWrite); its row is written later (see pendingDocs). */
  private saveState(collection: string, id: string, doc: HeldDoc | undefined, state: DocState, last: string | null, team: string | null): HeldDoc {
    const level = this.nested.length > 0 ? this.nested[this.nested.length - 1]! : undefined;
    if (level && doc && doc.nestId !== level.id) this.keepForUndo(doc, level, false);
    if (!doc) {
      doc = heldDoc(collection, id, state, last, undefined);
      if (level) this.keepForUndo(doc, level, true);
      doc.tx = this.txNumber;
      this.hold(doc);
      this.txDocs.push(doc);
    } else if (doc.tx !== this.txNumber) {
      // Only a committed pending state is restored by a rollback; anything else is read again.
      doc.beforeState = doc.queued ? doc.state : undefined;
      doc.beforeTeam = doc.team;
      doc.beforeQueued = doc.queued;
      doc.tx = this.txNumber;
      this.txDocs.push(doc);
    }
    setState(doc, state, last);
    doc.team = team;
    if (!doc.queued) {
      doc.queued = true;
      this.pendingDocs.push(doc);
    }
    return doc;
  }

  /** Records a document's fields as they are before `level` first changes it (see NestedLevel). */
  private keepForUndo(doc: HeldDoc, level: NestedLevel, created: boolean): void {
    const { collection: _c, id: _i, ...fields } = doc;
    this.undo.push({ doc, created, fields });
    doc.nestId = level.id;
  }

  /** Each full chunk goes in at once: rows held to the end of a long transaction would outlive the young generation. */
  private queueOp(origin: string, seq: number, hlc: string, collection: string, id: string, team: string | null, actor: string, body: string): void {
    const q = this.newOps;
    q.push(origin, seq, hlc, collection, id, team, actor, body);
    if (q.length === OPLOG_CHUNK_ROWS * 8) {
      this.sql.appendOps(q);
      q.length = 0;
    }
  }

  /** An own op: it joins the run being gathered, unless its seq does not follow on (a received own op came between). */
  private queueLocal(origin: string, seq: number, hlc: string, collection: string, id: string, team: string | null, actor: string, body: string): void {
    const q = this.localOps;
    if (q.length > 0 && q[q.length - 7] !== seq - 1) this.flushRun();
    q.push(origin, seq, hlc, collection, id, team, actor, body);
    this.localBodyChars += body.length;
    if (q.length === RUN_MAX_OPS * 8 || this.localBodyChars >= RUN_MAX_BODY_CHARS) this.flushRun();
  }

  private flushRun(): void {
    this.runs.append(this.localOps);
    this.localOps.length = 0;
    this.localBodyChars = 0;
  }

  /** Write the ops and vector rows of the open transaction (see newOps, localOps and dirtyOrigins). */
  private flushDirty(): void {
    if (this.newOps.length > 0) {
      this.sql.appendOps(this.newOps);
      this.newOps.length = 0;
    }
    if (this.localOps.length > 0) this.flushRun();
    for (const origin of this.dirtyOrigins) {
      const v = this.vec.get(origin);
      if (v) this.sql.setVector.run(origin, v.seq, v.floor);
    }
    this.dirtyOrigins.clear();
  }

  /** Bring the docs table up to date (before reading it with SQL). */
  private flushDocs(): void {
    if (this.closed || !this.db.open) return;
    if (this.depth > 0) {
      this.flushDirty();
      this.writeDocs();
    } else if (this.pendingDocs.length > 0) {
      this.docsDue = true;
      this.transaction(() => undefined);
    }
  }

  /** Last step inside the outermost transaction: its ops, and the documents when they are due. */
  private endTransaction(): void {
    this.flushDirty();
    const due = this.docsDue || this.docsWritten || this.pendingDocs.length >= MAX_UNFLUSHED_DOCS || this.unflushedOps + this.txOps >= MAX_UNFLUSHED_OPS;
    if (due && this.pendingDocs.length > 0) this.writeDocs();
  }

  /**
   * Writes every pending document, and which ops the docs table now reflects. A document whose row
   * already holds its state (written earlier in the open transaction) is skipped, so reads inside a
   * long transaction do not rewrite the same rows again and again.
   */
  private writeDocs(): void {
    for (const d of this.pendingDocs) {
      if (d.persisted === d.state) continue;
      this.writeDoc(d);
      d.persisted = d.state;
    }
    this.sql.saveDocsThrough.run(JSON.stringify(this.vector()));
    this.docsWritten = true;
    this.docsWrites++;
  }

  /** After the outermost commit: pending documents are either in the table now or wait in `pendingDocs`. */
  private committed(): void {
    this.txNumber++;
    for (const d of this.txDocs) d.beforeState = undefined;
    this.txDocs = [];
    if (this.docsWritten) {
      for (const d of this.pendingDocs) d.queued = false;
      this.pendingDocs = [];
      this.unflushedOps = 0;
    } else {
      this.unflushedOps += this.txOps;
    }
    this.txOps = 0;
    this.docsWritten = false;
    this.docsDue = false;
    if (this.pendingDocs.length === 0) return;
    this.lastCommitAt = performance.now();
    if (!this.flushTimer) {
      this.pendingSince = this.lastCommitAt;
      this.armFlushTimer(DOC_FLUSH_IDLE_MS);
    }
  }

  /** Re-armed while commits keep coming (one timer, not one per commit), up to the maximum age. */
  private armFlushTimer(delayMs: number): void {
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      const now = performance.now();
      const quietFor = now - this.lastCommitAt;
      if (quietFor < DOC_FLUSH_IDLE_MS && now - this.pendingSince < DOC_FLUSH_MAX_AGE_MS) {
        this.armFlushTimer(Math.min(DOC_FLUSH_IDLE_MS - quietFor, DOC_FLUSH_MAX_AGE_MS - (now - this.pendingSince)));
        return;
      }
      this.flushDocs();
    }, delayMs);
    this.flushTimer.unref?.();
  }

  /**
   * A nested transaction failed and SQLite rolled back its savepoint: restore what it changed in
   * memory, and nothing else, since the enclosing transaction goes on.
   */
  private nestedRolledBack(level: NestedLevel): void {
    for (let i = this.undo.length - 1; i >= level.undoMark; i--) {
      const { doc, created, fields } = this.undo[i]!;
      Object.assign(doc, fields);
      // Created in the failed part: no longer pending, so it is dropped below and read again if needed.
      if (created) doc.queued = false;
    }
    this.undo.length = level.undoMark;
    this.txDocs.length = level.txDocsMark;
    this.txOps = level.txOps;
    this.dropQueuedRows();
    if (this.docsWrites !== level.docsWrites) {
      // Rows written in the failed part are gone again: which row the table holds is unknown.
      for (const d of this.pendingDocs) d.persisted = undefined;
      this.docsWritten = level.docsWritten;
      this.docsDue = true;
    }
    this.keepOnlyPending();
    this.reloadVector();
  }

  /** Forgets the oplog and vector rows queued for the failed part (see newOps, localOps and dirtyOrigins). */
  private dropQueuedRows(): void {
    this.newOps.length = 0;
    this.localOps.length = 0;
    this.localBodyChars = 0;
    this.dirtyOrigins.clear();
  }

  /** Drops every held document whose row may not match it any more; pending ones stay. */
  private keepOnlyPending(): void {
    const kept = this.pendingDocs.filter((d) => d.queued);
    this.held.clear();
    this.loadOrder = [];
    this.loadHead = 0;
    this.heldCount = 0;
    for (const d of kept) this.hold(d);
    this.pendingDocs = kept;
  }

  /** A transaction failed: forget what it did in memory; committed work stays pending. */
  private rolledBack(): void {
    // Only committed pending documents stay held, as they were before the transaction; rows read
    // in it may have been written by it, so everything else is read again.
    for (const d of this.txDocs) {
      if (d.beforeQueued) {
        setState(d, d.beforeState!, lastWrite(d.beforeState!));
        d.team = d.beforeTeam;
        d.beforeState = undefined;
      } else {
        d.queued = false;
      }
    }
    this.txDocs = [];
    // The rows written in the failed part are gone again: which row the table holds is unknown.
    if (this.docsWritten) for (const d of this.pendingDocs) d.persisted = undefined;
    this.keepOnlyPending();
    this.txNumber++;
    this.dropQueuedRows();
    this.txOps = 0;
    this.docsWritten = false;
    this.docsDue = false;
    this.reloadVector();
  }

  /**
   * Opening the file: merge the ops the docs table does not reflect yet (written before a crash or
   * a kill) into it. Merging is idempotent, so ops it already reflects change nothing.
   */
  private replayUnflushedOps(): void {
    const saved = this.sql.docsThrough.get();
    if (saved === undefined) {
      // A new file, or one from before write-behind (its docs table was always complete).
      this.sql.saveDocsThrough.run(JSON.stringify(this.vector()));
      return;
    }
    const through = parseDocsThrough(saved, this.path);
    const origins = new Set([...this.vec.keys(), ...this.gappedOrigins]);
    this.transaction(() => {
      for (const origin of origins) {
        // In pages: the connection cannot read documents while a query is still being stepped.
        for (let after = through[origin] ?? 0, rows = this.opRowsAfter(origin, after, 4096); rows.length > 0; rows = this.opRowsAfter(origin, after, 4096)) {
          for (const row of rows) {
            const op = opFromRow(row);
            this.mergeOp(op, this.load(op.collection, op.id), false);
          }
          after = rows[rows.length - 1]!.seq;
        }
      }
      this.docsDue = true;
    });
  }

  private writeDoc(d: HeldDoc): void {
    const { collection, id, state, persisted: before } = d;
    const teamValue = typeof state.fields.teamId === 'string' ? state.fields.teamId : collection === 'teams' ? id : d.team;
    // Most writes change neither visibility nor team: updating only the payload columns spares
    // SQLite the maintenance of the team index.
    if (before && isLive(before) === d.live && before.fields.teamId === state.fields.teamId) {
      this.sql.updateDocPayload.run(JSON.stringify(state.fields), JSON.stringify(state.clocks), state.deleted, d.version ?? '', collection, id);
      return;
    }
    this.sql.upsertDoc.run(collection, id, JSON.stringify(state.fields), JSON.stringify(state.clocks), state.deleted, d.live ? 1 : 0, teamValue, d.version ?? '');
  }

  /** The held document, read from its row when not held (undefined: no such document). */
  private load(collection: string, id: string): HeldDoc | undefined {
    const doc = this.held.get(collection)?.get(id);
    if (doc) return doc;
    const row = this.sql.getDoc.get(collection, id);
    if (!row) return undefined;
    const state: DocState = { fields: JSON.parse(row.fields) as Record<string, unknown>, clocks: JSON.parse(row.clocks) as Record<string, string>, deleted: row.deleted };
    const loaded = heldDoc(collection, id, state, lastWrite(state), state);
    this.hold(loaded);
    return loaded;
  }

  /** Holds a document, evicting in load order: refreshing the order on every write costs more than the rare re-read it saves. */
  private hold(doc: HeldDoc): void {
    // Room is made first: the document being added is about to be used (and, for a new one, to become
    // pending), so it must never be the one evicted.
    if (this.heldCount >= STATE_CACHE_LIMIT) this.evictOne();
    let docs = this.held.get(doc.collection);
    if (!docs) this.held.set(doc.collection, (docs = new Map()));
    docs.set(doc.id, doc);
    this.heldCount++;
    this.loadOrder.push(doc);
  }

  /** Drops the longest-held document whose row is current; pending ones go back in line. */
  private evictOne(): void {
    for (let n = this.loadOrder.length - this.loadHead; n > 0; n--) {
      const d = this.loadOrder[this.loadHead++]!;
      const docs = this.held.get(d.collection);
      if (docs?.get(d.id) !== d) continue;
      if (d.queued) {
        this.loadOrder.push(d);
        continue;
      }
      docs!.delete(d.id);
      this.heldCount--;
      break;
    }
    if (this.loadHead > 4096 && this.loadHead * 2 > this.loadOrder.length) {
      this.loadOrder = this.loadOrder.slice(this.loadHead);
      this.loadHead = 0;
    }
  }

  private isHeld(raw: unknown): boolean {
    if (typeof raw !== 'object' || raw === null) return false;
    const { origin, seq } = raw as { origin?: unknown; seq?: unknown };
    if (typeof origin !== 'string' || typeof seq !== 'number') return false;
    const held = this.vec.get(origin);
    return held !== undefined && Number.isSafeInteger(seq) && seq > 0 && seq <= held.seq;
  }

  /** Validate a received op and fold its timestamp into the clock (also for a duplicate: harmless, the clock only moves forward). */
  private admitRemoteOp(raw: unknown): { ok: true; op: Op; body: string } | { ok: false; error: NgError } {
    let op: Op;
    if (isPlainOp(raw)) {
      op = raw;
    } else {
      const parsed = opSchema.safeParse(raw);
      if (!parsed.success) return { ok: false, error: validationError(parsed.error, ['op']) };
      op = parsed.data;
    }
    // The payload is nearly all of an op's size; the envelope fields are capped by the schema.
    let body: string;
    try {
      body = opBody(op);
    } catch {
      return { ok: false, error: new NgError('NG_BAD_MESSAGE', 'op is not serialisable JSON') };
    }
    if (body.length > MAX_OP_BYTES) return { ok: false, error: new NgError('NG_TOO_LARGE', `op is ${body.length} bytes (limit ${MAX_OP_BYTES})`) };
    if (!isCollectionName(op.collection)) return { ok: false, error: new NgError('NG_UNKNOWN_COLLECTION', `op for unknown collection "${op.collection}"`) };
    // An empty `set` also covers keys the schema dropped while parsing (e.g. "__proto__").
    if (!op.delete && !hasFields(op.set)) return { ok: false, error: new NgError('NG_VALIDATION', 'op neither sets fields nor deletes', { path: ['op'] }) };
    if (!isHlcOf(op.hlc, op.origin)) return { ok: false, error: new NgError('NG_VALIDATION', 'op timestamp origin differs from op origin', { path: ['op', 'hlc'] }) };
    if (op.set) {
      try {
        validateFields(op.collection, op.set, ['op', 'set']);
      } catch (e) {
        return { ok: false, error: e as NgError };
      }
    }
    // Last, so a refused op never moves the clock; observe leaves it untouched when it refuses a skewed timestamp.
    try {
      this.clock.observe(op.hlc);
    } catch (e) {
      return { ok: false, error: e as NgError };
    }
    return { ok: true, op, body };
  }

  /** Advance an origin's contiguous seq over any ops that arrived ahead of a gap. */
  private advanceVector(origin: string, received: number): void {
    const held = this.vec.get(origin);
    if (received !== (held?.seq ?? 0) + 1) {
      this.gappedOrigins.add(origin);
      return;
    }
    let seq = received;
    if (this.gappedOrigins.has(origin)) {
      while (this.sql.hasOp.get({ origin, seq: seq + 1 })) seq++;
      if (!this.sql.hasOpAfter.get({ origin, seq })) this.gappedOrigins.delete(origin);
    }
    // Advanced in place (a rollback reloads the vector), sparing an object per received op.
    if (held) held.seq = seq;
    else this.vec.set(origin, { seq, floor: 0 });
    this.dirtyOrigins.add(origin);
  }

  /** Ops of `origin` after seq `after`, oldest first, at most `limit`: ordinary oplog rows and runs together. */
  private opRowsAfter(origin: string, after: number, limit: number): OpRow[] {
    return this.runs.rowsAfter(origin, after, limit, this.sql.opsAfter.all(origin, after, limit));
  }

  private setVector(origin: string, seq: number, floor: number): void {
    this.sql.setVector.run(origin, seq, floor);
    this.vec.set(origin, { seq, floor });
  }

  private reloadVector(): void {
    this.vec.clear();
    for (const r of this.sql.vectorRows.all()) this.vec.set(r.origin, { seq: r.seq, floor: r.floor });
    // Own ops are committed without rewriting the vector row; the oplog is the truth.
    const ownMax = this.sql.maxSeqOf.get({ origin: this.nodeId });
    const own = this.vec.get(this.nodeId) ?? { seq: 0, floor: 0 };
    if (ownMax !== null && ownMax !== undefined && ownMax > own.seq) this.vec.set(this.nodeId, { seq: ownMax, floor: own.floor });
    this.gappedOrigins.clear();
    for (const origin of this.sql.originsWithOpsBeyondVector.all()) if (origin !== this.nodeId) this.gappedOrigins.add(origin);
  }

  private flushOwnSeq(): void {
    if (!this.ownSeqDirty) return;
    const own = this.vec.get(this.nodeId);
    if (own) this.sql.setVector.run(this.nodeId, own.seq, own.floor);
    this.ownSeqDirty = false;
  }
}

/** The `docs_through` vector as written by writeDocs; anything else means the file was altered. */
function parseDocsThrough(saved: string, path: string): VersionVector {
  let parsed: unknown;
  try {
    parsed = JSON.parse(saved);
  } catch {
    parsed = null;
  }
  const valid = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    && Object.values(parsed).every((seq) => Number.isSafeInteger(seq) && (seq as number) >= 0);
  if (!valid) throw new NgError('NG_DB_CORRUPT', `${path}: meta.docs_through is not a version vector; the file was altered — restore a backup or move it aside`);
  return parsed as VersionVector;
}

/** A new entry (`last`: lastWrite(state); `persisted`: the row, when the state was read from it). */
function heldDoc(collection: string, id: string, state: DocState, last: string | null, persisted: DocState | undefined): HeldDoc {
  const doc: HeldDoc = { collection, id, state, last: null, live: false, version: null, team: null, persisted, queued: false, tx: 0, beforeState: undefined, beforeTeam: null, beforeQueued: false, nestId: 0 };
  setState(doc, state, last);
  return doc;
}

/** Sets an entry's state with the status derived from `last` (its lastWrite). */
function setState(doc: HeldDoc, state: DocState, last: string | null): void {
  const { live, version } = statusOf(last, state.deleted);
  doc.state = state;
  doc.last = last;
  doc.live = live;
  doc.version = version;
}

/** Equality of two JSON field values, compared in place (stringifying both sides costs more than the write). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  // An absent key and one holding undefined both vanish from the stored JSON.
  for (const key in x) {
    if (!Object.hasOwn(x, key) || x[key] === undefined) continue;
    if (!Object.hasOwn(y, key) || !sameValue(x[key], y[key])) return false;
    count++;
  }
  for (const key in y) if (Object.hasOwn(y, key) && y[key] !== undefined) count--;
  return count === 0;
}

/** Whether a received op sets any field (without the array of its keys: this runs for every received op). */
function hasFields(set: Record<string, unknown> | undefined): boolean {
  for (const field in set) if (Object.hasOwn(set, field)) return true;
  return false;
}

/** The oplog keeps envelope fields in columns and only the payload (set/delete/prev) as JSON. */
function opBody(op: Op): string {
  return JSON.stringify({ s: op.set, d: op.delete, p: op.prev });
}

function opFromRow(r: OpRow): Op {
  const b = JSON.parse(r.body) as { s?: Record<string, unknown>; d?: true; p?: Record<string, unknown> };
  return {
    origin: r.origin, seq: r.seq, hlc: r.hlc, collection: r.collection, id: r.id, actor: r.actor, team: r.team,
    ...(b.s ? { set: b.s } : {}), ...(b.d ? { delete: true as const } : {}), ...(b.p ? { prev: b.p } : {}),
  };
}

/** Validate a whole document against its collection schema; returns the normalised document. */
function validateDoc(collection: CollectionName, doc: Record<string, unknown>): Record<string, unknown> {
  // zod reports an unknown key at the object's path ([]); name the field itself, as updates do.
  const shape = (COLLECTIONS[collection] as unknown as { shape: FieldSchemas }).shape;
  const unknownField = Object.keys(doc).find((field) => !Object.hasOwn(shape, field));
  if (unknownField !== undefined) throw new NgError('NG_VALIDATION', `${unknownField}: unknown field of ${collection}`, { path: [unknownField] });
  const parsed = COLLECTIONS[collection].safeParse(doc);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data as Record<string, unknown>;
}

type FieldSchemas = Record<string, { safeParse: (v: unknown) => { success: true; data: unknown } | { success: false; error: ZodError } }>;

/** Validate some fields of a document (an update or a received op); returns their normalised values. */
function validateFields(collection: CollectionName, set: Record<string, unknown>, prefix: (string | number)[]): Record<string, unknown> {
  const shape = (COLLECTIONS[collection] as unknown as { shape: FieldSchemas }).shape;
  const out: Record<string, unknown> = {};
  for (const field of Object.keys(set)) {
    const value = set[field];
    // Own keys only: "constructor" or "toString" must be unknown fields, not Object.prototype members.
    const schema = Object.hasOwn(shape, field) ? shape[field] : undefined;
    if (!schema) throw new NgError('NG_VALIDATION', `${[...prefix, field].join('.')}: unknown field of ${collection}`, { path: [...prefix, field] });
    const r = schema.safeParse(value);
    if (!r.success) throw validationError(r.error, [...prefix, field]);
    out[field] = r.data;
  }
  return out;
}

/** Whether merging moved a document on: a field or its deletion took a later clock. */
function advanced(before: DocState, after: DocState): boolean {
  if (after.deleted !== before.deleted) return true;
  for (const field in after.clocks) if (after.clocks[field] !== before.clocks[field]) return true;
  return false;
}

function teamOf(collection: string, id: string, teamId: unknown): string | null {
  if (collection === 'teams') return id;
  if (TEAM_SCOPED.has(collection as CollectionName) && typeof teamId === 'string') return teamId;
  return null;
}
