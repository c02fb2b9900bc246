// The node-local record of each agent's link: desired and applied versions kept apart, the last
// attempt, success and error, and the last heartbeat. Never replicated: it is what this node saw.

import type Database from 'better-sqlite3';
import type { Migration } from '../db/migrations';
import type { ApplyReport, HostMetrics, NginxStatus } from '../../shared/wire/agent';

export const agentLinkMigrations: readonly Migration[] = [
  {
    name: 'gateway/agent_link/1',
    up: (db) => db.exec(`CREATE TABLE agent_link (
      agent_id TEXT PRIMARY KEY,
      desired_version INTEGER NOT NULL,
      desired_checksum TEXT NOT NULL,
      applied_version INTEGER NOT NULL,
      applied_checksum TEXT NOT NULL,
      last_attempt INTEGER,
      last_success INTEGER,
      last_error TEXT,
      last_report TEXT,
      last_seen INTEGER,
      heartbeat TEXT
    ) STRICT`),
  },
];

export interface LinkRecord {
  agentId: string;
  desiredVersion: number;
  desiredChecksum: string;
  appliedVersion: number;
  appliedChecksum: string;
  /** ms of the last acknowledged apply attempt (successful or not). */
  lastAttempt: number | null;
  lastSuccess: number | null;
  /** The error of the last attempt, cleared by a success. */
  lastError: { code: string; message: string; domainId: string | null } | null;
  lastReport: ApplyReport | null;
  /** ms of the last verified message from the agent. */
  lastSeen: number | null;
  heartbeat: { nginx: NginxStatus; host: HostMetrics; at: number } | null;
}

export const emptyLink = (agentId: string): LinkRecord => ({
  agentId, desiredVersion: 0, desiredChecksum: '', appliedVersion: 0, appliedChecksum: '',
  lastAttempt: null, lastSuccess: null, lastError: null, lastReport: null, lastSeen: null, heartbeat: null,
});

interface Row {
  agent_id: string; desired_version: number; desired_checksum: string; applied_version: number; applied_checksum: string;
  last_attempt: number | null; last_success: number | null; last_error: string | null; last_report: string | null; last_seen: number | null; heartbeat: string | null;
}

const fromRow = (r: Row): LinkRecord => ({
  agentId: r.agent_id, desiredVersion: r.desired_version, desiredChecksum: r.desired_checksum, appliedVersion: r.applied_version, appliedChecksum: r.applied_checksum,
  lastAttempt: r.last_attempt, lastSuccess: r.last_success, lastError: r.last_error ? JSON.parse(r.last_error) : null,
  lastReport: r.last_report ? JSON.parse(r.last_report) : null, lastSeen: r.last_seen, heartbeat: r.heartbeat ? JSON.parse(r.heartbeat) : null,
});

export class LinkTable {
  /** Where each agent's row sits in the table (its rowid), to write rows in table order. */
  private readonly rowids = new Map<string, number>();
  private readonly all: Database.Statement<[], Row & { row: number }>;
  private readonly one: Database.Statement<[string], Row>;
  private readonly insert: Database.Statement<unknown[]>;
  private readonly update: Database.Statement<unknown[]>;
  private readonly saveMany: (records: readonly LinkRecord[]) => void;

  constructor(db: Database.Database) {
    this.all = db.prepare('SELECT rowid AS row, * FROM agent_link');
    this.one = db.prepare('SELECT * FROM agent_link WHERE agent_id = ?');
    this.insert = db.prepare('INSERT INTO agent_link VALUES (?,?,?,?,?,?,?,?,?,?,?)');
    // Rows exist after an agent's first save: an UPDATE by key costs ~30% less than an upsert (a
    // flush writes every linked agent's row, ten thousand per second on a large fleet).
    this.update = db.prepare(`UPDATE agent_link SET desired_version = ?, desired_checksum = ?, applied_version = ?, applied_checksum = ?,
      last_attempt = ?, last_success = ?, last_error = ?, last_report = ?, last_seen = ?, heartbeat = ? WHERE agent_id = ?`);
    this.saveMany = db.transaction((records: readonly LinkRecord[]) => {
      for (const r of records) {
        const values = [r.desiredVersion, r.desiredChecksum, r.appliedVersion, r.appliedChecksum, r.lastAttempt, r.lastSuccess,
          r.lastError ? JSON.stringify(r.lastError) : null, r.lastReport ? JSON.stringify(r.lastReport) : null, r.lastSeen, r.heartbeat ? JSON.stringify(r.heartbeat) : null];
        if (this.update.run(...values, r.agentId).changes === 0) this.rowids.set(r.agentId, Number(this.insert.run(r.agentId, ...values).lastInsertRowid));
      }
    });
  }

  load(): Map<string, LinkRecord> {
    const rows = this.all.all();
    for (const r of rows) this.rowids.set(r.agent_id, r.row);
    return new Map(rows.map((r) => [r.agent_id, fromRow(r)]));
  }

  /**
   * The records in the order their rows sit in the table, new ones last. Written in slices in this
   * order, a slice rewrites a few neighbouring pages; in arrival order nearly every row was on a page
   * of its own, and a flush of 10,000 records cost 2–3× the CPU, most of it pages written to the WAL.
   */
  inTableOrder(records: readonly LinkRecord[]): LinkRecord[] {
    const keys = records.map((r) => this.rowids.get(r.agentId) ?? Number.MAX_SAFE_INTEGER);
    return Array.from(records.keys()).sort((i, j) => keys[i]! - keys[j]!).map((i) => records[i]!);
  }

  get(agentId: string): LinkRecord | undefined {
    const r = this.one.get(agentId);
    return r ? fromRow(r) : undefined;
  }

  save(records: readonly LinkRecord[]): void {
    if (records.length > 0) this.saveMany(records);
  }
}
