// Prepared statements of the replicated store, compiled once per open database.

import type Database from 'better-sqlite3';
import type { OplogRow } from '../../core/sync/ops-frame';

interface DocRow {
  fields: string;
  clocks: string;
  deleted: string | null;
}

/** An oplog row: the shape peers also send on the wire (core/sync/ops-frame.ts). */
export type OpRow = OplogRow;

const OP_COLUMNS = 'origin, seq, hlc, collection, id, team, actor, body';

/** Values of one oplog row, in OP_COLUMNS order. */
export type OpRowValues = [origin: string, seq: number, hlc: string, collection: string, id: string, team: string | null, actor: string, body: string];

/** Rows per multi-row INSERT: one statement step per chunk instead of per op (512 bound values). */
export const OPLOG_CHUNK_ROWS = 64;
const OP_PLACEHOLDERS = '(?, ?, ?, ?, ?, ?, ?, ?)';

export type StoreStatements = ReturnType<typeof prepareStoreStatements>;

export function prepareStoreStatements(db: Database.Database) {
  return {
    getDoc: db.prepare<[string, string], DocRow>('SELECT fields, clocks, deleted FROM docs WHERE collection = ? AND id = ?'),
    getLive: db.prepare<[string, string], { fields: string; version: string }>('SELECT fields, version FROM docs WHERE collection = ? AND id = ? AND live = 1'),
    listLive: db.prepare<[string], { id: string; fields: string; version: string }>('SELECT id, fields, version FROM docs WHERE collection = ? AND live = 1 ORDER BY id'),
    listLiveTeam: db.prepare<[string, string], { id: string; fields: string; version: string }>('SELECT id, fields, version FROM docs WHERE collection = ? AND team = ? AND live = 1 ORDER BY id'),
    upsertDoc: db.prepare(`INSERT INTO docs (collection, id, fields, clocks, deleted, live, team, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (collection, id) DO UPDATE SET fields = excluded.fields, clocks = excluded.clocks, deleted = excluded.deleted,
      live = excluded.live, team = excluded.team, version = excluded.version`),
    updateDocPayload: db.prepare('UPDATE docs SET fields = ?, clocks = ?, deleted = ?, version = ? WHERE collection = ? AND id = ?'),
    insertOp: db.prepare('INSERT OR IGNORE INTO oplog (origin, seq, hlc, collection, id, team, actor, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    // Runs (op-runs.ts) hold own ops only, but these answer for every origin, so they look at both tables.
    hasOp: db.prepare<[{ origin: string; seq: number }], number>(`SELECT EXISTS (SELECT 1 FROM oplog WHERE origin = @origin AND seq = @seq)
      OR coalesce((SELECT last FROM op_runs WHERE origin = @origin AND seq <= @seq ORDER BY seq DESC LIMIT 1) >= @seq, 0)`).pluck(),
    setVector: db.prepare('INSERT INTO vector (origin, seq, floor) VALUES (?, ?, ?) ON CONFLICT (origin) DO UPDATE SET seq = excluded.seq, floor = excluded.floor'),
    opsAfter: db.prepare<[string, number, number], OpRow>(`SELECT ${OP_COLUMNS} FROM oplog WHERE origin = ? AND seq > ? ORDER BY seq LIMIT ?`),
    allDocs: db.prepare<[], { collection: string; id: string; fields: string; clocks: string; deleted: string | null }>('SELECT collection, id, fields, clocks, deleted FROM docs ORDER BY collection, id'),
    moveToAudit: db.prepare('INSERT OR IGNORE INTO audit SELECT * FROM oplog WHERE origin = ? AND seq <= ?'),
    deleteOps: db.prepare('DELETE FROM oplog WHERE origin = ? AND seq <= ?'),
    // Named parameters: better-sqlite3 treats numbered ones (?1) as named and refuses positional values.
    // Runs are read by OpRuns.newest and merged in (Store.auditLog).
    audit: db.prepare<[{ team: string | null; before: string | null; limit: number }], OpRow>(`SELECT ${OP_COLUMNS} FROM (
        SELECT ${OP_COLUMNS} FROM oplog UNION ALL SELECT ${OP_COLUMNS} FROM audit)
      WHERE (@team IS NULL OR team = @team) AND (@before IS NULL OR hlc < @before) ORDER BY hlc DESC LIMIT @limit`),
    maxHlcs: db.prepare<[], { o: string | null; d: string | null; m: string | null }>(
      "SELECT max(coalesce((SELECT max(hlc) FROM oplog), ''), coalesce((SELECT max(hlc) FROM op_runs), '')) AS o, (SELECT max(version) FROM docs) AS d, (SELECT value FROM meta WHERE key = 'hlc') AS m"),
    hasOpAfter: db.prepare<[{ origin: string; seq: number }], number>(`SELECT EXISTS (SELECT 1 FROM oplog WHERE origin = @origin AND seq > @seq)
      OR EXISTS (SELECT 1 FROM op_runs WHERE origin = @origin AND last > @seq)`).pluck(),
    originsWithOpsBeyondVector: db.prepare<[], string>(`SELECT o.origin FROM oplog o LEFT JOIN vector v ON v.origin = o.origin WHERE o.seq > coalesce(v.seq, 0)
      UNION SELECT r.origin FROM op_runs r LEFT JOIN vector v ON v.origin = r.origin WHERE r.last > coalesce(v.seq, 0)`).pluck(),
    vectorRows: db.prepare<[], { origin: string; seq: number; floor: number }>('SELECT origin, seq, floor FROM vector'),
    maxSeqOf: db.prepare<[{ origin: string }], number>(`SELECT max(coalesce((SELECT max(seq) FROM oplog WHERE origin = @origin), 0),
      coalesce((SELECT last FROM op_runs WHERE origin = @origin ORDER BY seq DESC LIMIT 1), 0))`).pluck(),
    appendOps: prepareOplogAppend(db),
    saveHlc: db.prepare("INSERT INTO meta (key, value) VALUES ('hlc', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
    docsThrough: db.prepare<[], string>("SELECT value FROM meta WHERE key = 'docs_through'").pluck(),
    saveDocsThrough: db.prepare("INSERT INTO meta (key, value) VALUES ('docs_through', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
  };
}

/**
 * Appends rows to the oplog from their values laid end to end (8 per row, OP_COLUMNS order): whole
 * chunks through one multi-row INSERT, the remainder row by row.
 */
function prepareOplogAppend(db: Database.Database): (values: unknown[]) => void {
  const one = db.prepare<unknown[]>(`INSERT OR IGNORE INTO oplog (${OP_COLUMNS}) VALUES ${OP_PLACEHOLDERS}`);
  const chunk = db.prepare<unknown[]>(`INSERT OR IGNORE INTO oplog (${OP_COLUMNS}) VALUES ${Array<string>(OPLOG_CHUNK_ROWS).fill(OP_PLACEHOLDERS).join(', ')}`);
  const chunkValues = OPLOG_CHUNK_ROWS * 8;
  return (values) => {
    if (values.length === chunkValues) {
      chunk.run(values);
      return;
    }
    let i = 0;
    for (; i + chunkValues <= values.length; i += chunkValues) chunk.run(values.slice(i, i + chunkValues));
    for (; i < values.length; i += 8) one.run(values[i], values[i + 1], values[i + 2], values[i + 3], values[i + 4], values[i + 5], values[i + 6], values[i + 7]);
  };
}
