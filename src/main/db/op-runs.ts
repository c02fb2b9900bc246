// Runs of own ops: the local ops of one transaction stored as one `op_runs` row instead of one
// oplog row each. A batch then costs one row, two bound values and a few overflow pages, where
// per-op rows cost eight bound values, a B-tree insert and page splits per op. Every reader of
// the oplog also reads runs through this class, which gives their ops back as ordinary op rows.

import type Database from 'better-sqlite3';
import type { OpRow } from './store-statements';

/** Ops per run row, and the body text after which a run is written before it is full. */
export const RUN_MAX_OPS = 256;
export const RUN_MAX_BODY_CHARS = 256 * 1024;

/**
 * One op of a run's `heads`: the oplog row's columns but origin and seq (the row's origin, its first
 * seq plus the op's index) and body. The body is the text of `bodies` (a JSON array of the bodies,
 * pasted in as stored) from the previous op's `end` plus one (the comma) up to this `end`, offsets
 * as JavaScript counts them, so a reader slices each body out as its stored text without parsing
 * it (by hand in SQL: `bodies -> index`).
 */
type RunHead = [hlc: string, collection: string, id: string, team: string | null, actor: string, end: number];

/** Oplog rows (8 values each, OP_COLUMNS order) of consecutive seqs of one origin, laid end to end. */
export type RunValues = unknown[];

interface RunRow {
  seq: number;
  last: number;
  hlc: string;
  heads: string;
  bodies: string;
}

export class OpRuns {
  private readonly insertRun: Database.Statement<[string, number, number, string, string, string]>;
  private readonly insertOne: Database.Statement<unknown[]>;
  private readonly runsAfter: Database.Statement<[{ origin: string; after: number }], RunRow>;
  private readonly runsUpTo: Database.Statement<[string, number, number], RunRow>;
  private readonly deleteRuns: Database.Statement<[string, number]>;
  private readonly insertAudit: Database.Statement<unknown[]>;
  private readonly origins: Database.Statement<[], string>;
  private readonly runsNewestFirst: Database.Statement<[string], RunRow>;

  constructor(db: Database.Database) {
    const columns = 'seq, last, hlc, heads, bodies';
    this.insertRun = db.prepare('INSERT OR IGNORE INTO op_runs (origin, seq, last, hlc, heads, bodies) VALUES (?, ?, ?, ?, ?, ?)');
    this.insertOne = db.prepare('INSERT OR IGNORE INTO oplog (origin, seq, hlc, collection, id, team, actor, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    // From the run holding seq `after` (runs never overlap), so the primary key bounds the scan.
    this.runsAfter = db.prepare(`SELECT ${columns} FROM op_runs WHERE origin = @origin AND last > @after
      AND seq >= coalesce((SELECT seq FROM op_runs WHERE origin = @origin AND seq <= @after ORDER BY seq DESC LIMIT 1), 0) ORDER BY seq`);
    this.runsUpTo = db.prepare(`SELECT ${columns} FROM op_runs WHERE origin = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT 64`);
    this.deleteRuns = db.prepare('DELETE FROM op_runs WHERE origin = ? AND seq <= ?');
    this.insertAudit = db.prepare('INSERT OR IGNORE INTO audit (origin, seq, hlc, collection, id, team, actor, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.origins = db.prepare<[], string>('SELECT DISTINCT origin FROM op_runs').pluck();
    this.runsNewestFirst = db.prepare(`SELECT ${columns} FROM op_runs WHERE origin = ? ORDER BY seq DESC`);
  }

  /** Stores ops of consecutive seqs of one origin: one op as an ordinary oplog row, more as a run. */
  append(values: RunValues): void {
    if (values.length === 8) {
      this.insertOne.run(values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7]);
      return;
    }
    // Built in one go each (no partial strings per op): every head's `end` is where its body's text
    // ends in `[${bodies.join(',')}]`.
    const count = values.length / 8;
    const heads: RunHead[] = new Array<RunHead>(count);
    const bodies: string[] = new Array<string>(count);
    for (let k = 0, i = 0, end = 1; k < count; k++, i += 8) {
      const body = values[i + 7] as string;
      end += body.length;
      bodies[k] = body;
      heads[k] = [values[i + 2] as string, values[i + 3] as string, values[i + 4] as string, values[i + 5] as string | null, values[i + 6] as string, end];
      end++;
    }
    const last = values.length - 8;
    this.insertRun.run(values[0] as string, values[1] as number, values[last + 1] as number, values[last + 2] as string, JSON.stringify(heads), `[${bodies.join(',')}]`);
  }

  /**
   * Up to `limit` ops of `origin` after seq `after` in seq order, from runs and from the ordinary
   * rows `plain` (the oplog's answer to the same question), merged.
   */
  rowsAfter(origin: string, after: number, limit: number, plain: OpRow[]): OpRow[] {
    const fromRuns: OpRow[] = [];
    const plainLast = plain.length === limit ? plain[limit - 1]!.seq : Infinity;
    for (const run of this.runsAfter.iterate({ origin, after })) {
      if (fromRuns.length >= limit || run.seq > plainLast) break;
      readRun(origin, run, after, limit, fromRuns);
    }
    if (fromRuns.length === 0) return plain;
    if (plain.length === 0) return fromRuns;
    const merged: OpRow[] = [];
    let i = 0;
    let j = 0;
    while (merged.length < limit && (i < plain.length || j < fromRuns.length)) {
      merged.push(j >= fromRuns.length || (i < plain.length && plain[i]!.seq < fromRuns[j]!.seq) ? plain[i++]! : fromRuns[j++]!);
    }
    return merged;
  }

  /**
   * The newest `limit` ops of runs (newest first per origin) for the audit view, of `team` and
   * older than `before` when given. An origin's timestamps rise with its seqs, so its runs are read
   * from the last one back only until enough ops are found.
   */
  newest(team: string | null, before: string | null, limit: number): OpRow[] {
    const out: OpRow[] = [];
    for (const origin of this.origins.all()) {
      let found = 0;
      for (const run of this.runsNewestFirst.iterate(origin)) {
        const ops: OpRow[] = [];
        readRun(origin, run, 0, Infinity, ops);
        for (let k = ops.length - 1; k >= 0 && found < limit; k--) {
          const op = ops[k]!;
          if ((team !== null && op.team !== team) || (before !== null && op.hlc >= before)) continue;
          out.push(op);
          found++;
        }
        if (found >= limit) break;
      }
    }
    return out;
  }

  /** Moves the ops of `origin` at or below `upTo` to the audit table (a run across `upTo` is split); returns how many. */
  compact(origin: string, upTo: number): number {
    let moved = 0;
    // In pages: rows are written while the runs are read.
    for (let after = 0, runs = this.runsUpTo.all(origin, after, upTo); runs.length > 0; runs = this.runsUpTo.all(origin, after, upTo)) {
      for (const run of runs) {
        const ops: OpRow[] = [];
        readRun(origin, run, 0, Infinity, ops);
        const rest: RunValues = [];
        for (const { seq, hlc, collection, id, team, actor, body } of ops) {
          if (seq <= upTo) this.insertAudit.run(origin, seq, hlc, collection, id, team, actor, body);
          else rest.push(origin, seq, hlc, collection, id, team, actor, body);
        }
        moved += ops.length - rest.length / 8;
        this.deleteRuns.run(origin, run.seq);
        if (rest.length > 0) this.append(rest);
        after = run.seq;
      }
    }
    return moved;
  }
}

/** Appends the ops of `run` after seq `after` to `out` while it holds fewer than `limit`. */
function readRun(origin: string, run: RunRow, after: number, limit: number, out: OpRow[]): void {
  const heads = JSON.parse(run.heads) as RunHead[];
  const { bodies } = run;
  let start = 1;
  for (let k = 0; k < heads.length && out.length < limit; k++) {
    const [hlc, collection, id, team, actor, end] = heads[k]!;
    const seq = run.seq + k;
    if (seq > after) out.push({ origin, seq, hlc, collection, id, team, actor, body: bodies.slice(start, end) });
    start = end + 1;
  }
}
