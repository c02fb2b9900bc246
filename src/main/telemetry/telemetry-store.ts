// Node-local telemetry storage, in the node's SQLite file but outside the oplog: base buckets as
// the agents sent them (immutable, keyed agent + domain + length + start, so a replayed or
// replicated bucket is ignored), hour roll-ups recomputed from them, and retention for both.

import type Database from 'better-sqlite3';
import { rollUp, slotStart, type TrafficBucket } from '../../core/telemetry/bucket';
import type { TelemetryCounters } from '../../shared/wire/telemetry';
import type { Migration } from '../db/migrations';

export const telemetryMigrations: readonly Migration[] = [{
  name: 'telemetry_1',
  up: (db) => db.exec(`
    CREATE TABLE telemetry_buckets (
      agent_id TEXT NOT NULL, domain_id TEXT NOT NULL, length_ms INTEGER NOT NULL, start INTEGER NOT NULL,
      team_id TEXT NOT NULL, body TEXT NOT NULL,
      requests INTEGER NOT NULL, status_502 INTEGER NOT NULL,
      arrival INTEGER NOT NULL,
      PRIMARY KEY (agent_id, domain_id, length_ms, start)) STRICT, WITHOUT ROWID;
    CREATE INDEX telemetry_buckets_team_time ON telemetry_buckets (team_id, start);
    CREATE INDEX telemetry_buckets_arrival ON telemetry_buckets (arrival);
    CREATE TABLE telemetry_rollups (
      agent_id TEXT NOT NULL, domain_id TEXT NOT NULL, start INTEGER NOT NULL,
      team_id TEXT NOT NULL, body TEXT NOT NULL,
      PRIMARY KEY (agent_id, domain_id, start)) STRICT, WITHOUT ROWID;
    CREATE INDEX telemetry_rollups_team_time ON telemetry_rollups (team_id, start);
    CREATE TABLE telemetry_rollup_due (agent_id TEXT NOT NULL, domain_id TEXT NOT NULL, start INTEGER NOT NULL,
      PRIMARY KEY (agent_id, domain_id, start)) STRICT, WITHOUT ROWID;
    CREATE TABLE telemetry_agents (agent_id TEXT PRIMARY KEY, team_id TEXT NOT NULL, covered_until INTEGER NOT NULL,
      counters TEXT NOT NULL, arrival INTEGER NOT NULL) STRICT;
  `),
}, {
  // Replication between members: each bucket remembers the member that first stored it (its origin)
  // and its seq there, so a peer can ask for "origin X after seq N" from any member that holds them.
  name: 'telemetry_2_origins',
  up: (db) => db.exec(`
    ALTER TABLE telemetry_buckets ADD COLUMN origin TEXT NOT NULL DEFAULT '';
    ALTER TABLE telemetry_buckets ADD COLUMN origin_seq INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX telemetry_buckets_origin ON telemetry_buckets (origin, origin_seq);
    CREATE TABLE telemetry_cursors (origin TEXT PRIMARY KEY, seq INTEGER NOT NULL) STRICT;
  `),
}];

export interface StoredBucket extends TrafficBucket {
  agentId: string;
  teamId: string;
}

export interface AgentTelemetryState {
  agentId: string;
  teamId: string;
  /** Every slot of this agent before this time has arrived (or never will: no traffic). */
  coveredUntil: number;
  counters: TelemetryCounters;
}

/** What one node hands another: base buckets and agent watermarks since a cursor of the sender's. */
export interface TelemetryExport {
  buckets: StoredBucket[];
  agents: AgentTelemetryState[];
  /** Pass back as `after` for the next page. */
  cursor: number;
  more: boolean;
}

export interface TelemetryQuery {
  teamId: string;
  domainId?: string;
  agentId?: string;
  /** Inclusive start, exclusive end, epoch ms. */
  from: number;
  to: number;
  /** 'base': buckets as sent (minutes); 'rollup': hours. */
  resolution: 'base' | 'rollup';
}

export interface TelemetryStoreOptions {
  /** Roll-up length; one hour in production. */
  rollupMs?: number;
  /** How long base buckets are kept. */
  keepBaseMs?: number;
  /** How long roll-ups are kept. */
  keepRollupMs?: number;
  /** This node's id: the origin of the buckets its own agents deliver (replication, telemetry-replication.ts). */
  origin?: string;
}

/** A bucket as one origin numbered it. */
export interface OriginBucket extends StoredBucket {
  seq: number;
}

const DAY = 86_400_000;
const ZERO_COUNTERS: TelemetryCounters = { malformedLines: 0, lateLines: 0, probeLines: 0, droppedBuckets: 0 };

export class TelemetryStore {
  readonly rollupMs: number;
  readonly origin: string;
  private readonly keepBaseMs: number;
  private readonly keepRollupMs: number;
  private arrival: number;
  /** Highest seq held per origin, kept in memory: peers ask for it every round. */
  private readonly heads = new Map<string, number>();
  private readonly sql;
  private readonly insertTx: (agentId: string, teamId: string, buckets: readonly TrafficBucket[]) => number;

  /** `db` must have been opened with `telemetryMigrations` (Store.open({ migrations })). */
  constructor(private readonly db: Database.Database, opts: TelemetryStoreOptions = {}) {
    this.rollupMs = opts.rollupMs ?? 3_600_000;
    this.keepBaseMs = opts.keepBaseMs ?? 2 * DAY;
    this.keepRollupMs = opts.keepRollupMs ?? 35 * DAY;
    this.origin = opts.origin ?? '';
    const q = (s: string) => db.prepare(s);
    this.sql = {
      insert: q('INSERT OR IGNORE INTO telemetry_buckets (agent_id, domain_id, length_ms, start, team_id, body, requests, status_502, arrival, origin, origin_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      due: q('INSERT OR IGNORE INTO telemetry_rollup_due (agent_id, domain_id, start) VALUES (?, ?, ?)'),
      maxArrival: q('SELECT max(a) FROM (SELECT max(arrival) AS a FROM telemetry_buckets UNION ALL SELECT max(arrival) FROM telemetry_agents)').pluck(),
      agentGet: q('SELECT agent_id, team_id, covered_until, counters FROM telemetry_agents WHERE agent_id = ?'),
      agentsAll: q('SELECT agent_id, team_id, covered_until, counters FROM telemetry_agents'),
      agentUpsert: q(`INSERT INTO telemetry_agents (agent_id, team_id, covered_until, counters, arrival) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(agent_id) DO UPDATE SET team_id = excluded.team_id, covered_until = excluded.covered_until, counters = excluded.counters, arrival = excluded.arrival`),
      dueAll: q('SELECT agent_id, domain_id, start FROM telemetry_rollup_due'),
      dueDelete: q('DELETE FROM telemetry_rollup_due WHERE agent_id = ? AND domain_id = ? AND start = ?'),
      baseIn: q('SELECT team_id, body FROM telemetry_buckets WHERE agent_id = ? AND domain_id = ? AND start >= ? AND start < ?'),
      rollupUpsert: q('INSERT INTO telemetry_rollups (agent_id, domain_id, start, team_id, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET team_id = excluded.team_id, body = excluded.body'),
      pruneBase: q('DELETE FROM telemetry_buckets WHERE start < ?'),
      pruneRollups: q('DELETE FROM telemetry_rollups WHERE start < ?'),
      exportBuckets: q('SELECT agent_id, team_id, body, arrival FROM telemetry_buckets WHERE arrival > ? ORDER BY arrival LIMIT ?'),
      exportAgents: q('SELECT agent_id, team_id, covered_until, counters FROM telemetry_agents WHERE arrival > ? AND arrival <= ?'),
      originPage: q('SELECT agent_id, team_id, body, origin_seq FROM telemetry_buckets WHERE origin = ? AND origin_seq > ? ORDER BY origin_seq LIMIT ?'),
      originHeads: q('SELECT origin, max(origin_seq) AS seq FROM telemetry_buckets GROUP BY origin'),
      cursorsAll: q('SELECT origin, seq FROM telemetry_cursors'),
      cursorGet: q('SELECT seq FROM telemetry_cursors WHERE origin = ?').pluck(),
      cursorSet: q('INSERT INTO telemetry_cursors (origin, seq) VALUES (?, ?) ON CONFLICT(origin) DO UPDATE SET seq = max(seq, excluded.seq)'),
    };
    this.arrival = (this.sql.maxArrival.get() as number | null) ?? 0;
    // Buckets stored before origins existed are this node's own, numbered by their arrival.
    if (this.origin) db.prepare("UPDATE telemetry_buckets SET origin = ?, origin_seq = arrival WHERE origin = ''").run(this.origin);
    for (const r of this.sql.originHeads.all() as { origin: string; seq: number }[]) this.heads.set(r.origin, r.seq);
    this.insertTx = db.transaction((agentId: string, teamId: string, buckets: readonly TrafficBucket[]) => {
      let inserted = 0;
      for (const b of buckets) {
        const seq = ++this.arrival;
        if (this.insertOne(agentId, teamId, b, this.origin, seq)) inserted++;
      }
      return inserted;
    });
  }

  private insertOne(agentId: string, teamId: string, b: TrafficBucket, origin: string, originSeq: number): boolean {
    const r = this.sql.insert.run(agentId, b.domainId, b.lengthMs, b.start, teamId, JSON.stringify(b), b.requests, b.status502, this.arrival, origin, originSeq);
    if (r.changes === 0) return false;
    if (originSeq > (this.heads.get(origin) ?? 0)) this.heads.set(origin, originSeq);
    this.sql.due.run(agentId, b.domainId, slotStart(b.start, this.rollupMs));
    return true;
  }

  /** Stores buckets; ones already held (same agent, domain, length, start) are ignored. */
  insert(agentId: string, teamId: string, buckets: readonly TrafficBucket[]): { inserted: number; duplicates: number } {
    const inserted = this.insertTx(agentId, teamId, buckets);
    return { inserted, duplicates: buckets.length - inserted };
  }

  /** Records how far an agent's telemetry is complete; never moves backwards. */
  noteAgent(agentId: string, teamId: string, coveredUntil: number, counters: TelemetryCounters): void {
    const held = this.agent(agentId);
    const merged = held ? maxCounters(held.counters, counters) : counters;
    if (held && held.coveredUntil >= coveredUntil && sameCounters(held.counters, merged)) return;
    this.sql.agentUpsert.run(agentId, teamId, Math.max(coveredUntil, held?.coveredUntil ?? 0), JSON.stringify(merged), ++this.arrival);
  }

  agent(agentId: string): AgentTelemetryState | null {
    const r = this.sql.agentGet.get(agentId) as AgentRow | undefined;
    return r ? agentState(r) : null;
  }

  agents(): AgentTelemetryState[] {
    return (this.sql.agentsAll.all() as AgentRow[]).map(agentState);
  }

  query(q: TelemetryQuery): StoredBucket[] {
    const table = q.resolution === 'base' ? 'telemetry_buckets' : 'telemetry_rollups';
    const where = ['team_id = ?', 'start >= ?', 'start < ?'];
    const args: (string | number)[] = [q.teamId, q.from, q.to];
    if (q.domainId !== undefined) {
      where.push('domain_id = ?');
      args.push(q.domainId);
    }
    if (q.agentId !== undefined) {
      where.push('agent_id = ?');
      args.push(q.agentId);
    }
    const rows = this.db.prepare(`SELECT agent_id, team_id, body FROM ${table} WHERE ${where.join(' AND ')} ORDER BY start, domain_id, agent_id`).all(...args) as BodyRow[];
    return rows.map(stored);
  }

  /** Recomputes every roll-up whose base buckets changed; returns how many were written. */
  rollUp(): number {
    return this.db.transaction(() => {
      const due = this.sql.dueAll.all() as { agent_id: string; domain_id: string; start: number }[];
      for (const d of due) {
        const rows = this.sql.baseIn.all(d.agent_id, d.domain_id, d.start, d.start + this.rollupMs) as { team_id: string; body: string }[];
        const [hour] = rollUp(rows.map((r) => JSON.parse(r.body) as TrafficBucket), this.rollupMs);
        if (hour) this.sql.rollupUpsert.run(d.agent_id, d.domain_id, d.start, rows[0]!.team_id, JSON.stringify(hour));
        this.sql.dueDelete.run(d.agent_id, d.domain_id, d.start);
      }
      return due.length;
    })();
  }

  /** Deletes what has outlived its retention: base buckets first, roll-ups much later. */
  prune(now: number): { base: number; rollups: number } {
    this.rollUp();
    return {
      base: this.sql.pruneBase.run(now - this.keepBaseMs).changes,
      rollups: this.sql.pruneRollups.run(now - this.keepRollupMs).changes,
    };
  }

  /** Base buckets and agent watermarks that arrived here after `after` (0 for everything). */
  exportSince(after: number, limit = 1_000): TelemetryExport {
    const rows = this.sql.exportBuckets.all(after, limit + 1) as (BodyRow & { arrival: number })[];
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const cursor = more ? page.at(-1)!.arrival : this.arrival;
    const agents = (this.sql.exportAgents.all(after, cursor) as AgentRow[]).map(agentState);
    return { buckets: page.map(stored), agents, cursor, more };
  }

  /** The highest seq held of each origin (what this node can serve to a peer). */
  originHeads(): ReadonlyMap<string, number> {
    return this.heads;
  }

  /** Buckets of `origin` numbered after `after`, in seq order. */
  originPage(origin: string, after: number, limit: number): OriginBucket[] {
    return (this.sql.originPage.all(origin, after, limit) as (BodyRow & { origin_seq: number })[]).map((r) => ({ ...stored(r), seq: r.origin_seq }));
  }

  /** How far this node holds each other origin without a gap: what it asks its peers for next. */
  cursors(): Record<string, number> {
    return Object.fromEntries((this.sql.cursorsAll.all() as { origin: string; seq: number }[]).map((r) => [r.origin, r.seq]));
  }

  /**
   * Stores a page of an origin's buckets (after, through]. Buckets already held are ignored, so a
   * page seen twice, or a bucket that also came straight from the agent, counts once. The cursor
   * moves only when the page starts where this node's copy of that origin ends (no gap).
   */
  insertReplicated(origin: string, after: number, through: number, buckets: readonly OriginBucket[]): { inserted: number; duplicates: number } {
    return this.db.transaction(() => {
      let inserted = 0;
      for (const { agentId, teamId, seq, ...bucket } of buckets) {
        ++this.arrival;
        if (this.insertOne(agentId, teamId, bucket, origin, seq)) inserted++;
      }
      const held = (this.sql.cursorGet.get(origin) as number | undefined) ?? 0;
      if (after <= held) this.sql.cursorSet.run(origin, through);
      return { inserted, duplicates: buckets.length - inserted };
    })();
  }

  /** Agent watermarks changed here after local mark `after`, and the mark to pass next time. */
  agentsSince(after: number): { agents: AgentTelemetryState[]; mark: number } {
    const mark = this.arrival;
    return { agents: (this.sql.exportAgents.all(after, mark) as AgentRow[]).map(agentState), mark };
  }

  /** Takes a peer's export: idempotent, order-free (buckets are immutable, watermarks only grow). */
  importFrom(page: Pick<TelemetryExport, 'buckets' | 'agents'>): { inserted: number; duplicates: number } {
    let inserted = 0;
    let duplicates = 0;
    const byAgent = new Map<string, StoredBucket[]>();
    for (const b of page.buckets) byAgent.set(`${b.agentId}\u0000${b.teamId}`, [...(byAgent.get(`${b.agentId}\u0000${b.teamId}`) ?? []), b]);
    for (const list of byAgent.values()) {
      const r = this.insert(list[0]!.agentId, list[0]!.teamId, list.map(({ agentId: _a, teamId: _t, ...bucket }) => bucket));
      inserted += r.inserted;
      duplicates += r.duplicates;
    }
    for (const a of page.agents) this.noteAgent(a.agentId, a.teamId, a.coveredUntil, a.counters);
    return { inserted, duplicates };
  }
}

interface AgentRow { agent_id: string; team_id: string; covered_until: number; counters: string }
interface BodyRow { agent_id: string; team_id: string; body: string }

const agentState = (r: AgentRow): AgentTelemetryState => ({ agentId: r.agent_id, teamId: r.team_id, coveredUntil: r.covered_until, counters: { ...ZERO_COUNTERS, ...(JSON.parse(r.counters) as Partial<TelemetryCounters>) } });
const stored = (r: BodyRow): StoredBucket => ({ ...(JSON.parse(r.body) as TrafficBucket), agentId: r.agent_id, teamId: r.team_id });

const COUNTER_NAMES = Object.keys(ZERO_COUNTERS) as (keyof TelemetryCounters)[];
const sameCounters = (a: TelemetryCounters, b: TelemetryCounters): boolean => COUNTER_NAMES.every((k) => a[k] === b[k]);
/** Counters are cumulative on the agent: the larger value is the newer one. */
const maxCounters = (a: TelemetryCounters, b: TelemetryCounters): TelemetryCounters =>
  Object.fromEntries(COUNTER_NAMES.map((k) => [k, Math.max(a[k], b[k])])) as unknown as TelemetryCounters;
