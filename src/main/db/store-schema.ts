// Tables of the replicated store. `docs` holds current state with per-field clocks, `oplog` and
// `op_runs` the ops still needed for anti-entropy (op-runs.ts reads runs as oplog rows), `audit`
// the ops compacted out of them, `vector` what this replica holds.

import type { Migration } from './migrations';
import { TEAM_SCOPED } from '../../shared/collections';

/** `oplog` and `audit` hold the same rows: compaction moves ops from one to the other unchanged. */
const opTable = (name: string): string => `
        CREATE TABLE ${name} (
          origin TEXT NOT NULL,
          seq INTEGER NOT NULL,
          hlc TEXT NOT NULL,
          collection TEXT NOT NULL,
          id TEXT NOT NULL,
          team TEXT,
          actor TEXT NOT NULL,
          body TEXT NOT NULL,
          PRIMARY KEY (origin, seq)
        ) STRICT, WITHOUT ROWID;`;

export const storeMigrations: Migration[] = [
  {
    name: '0001_replicated_store',
    up: (db) => {
      db.exec(`
        CREATE TABLE docs (
          collection TEXT NOT NULL,
          id TEXT NOT NULL,
          fields TEXT NOT NULL,
          clocks TEXT NOT NULL,
          deleted TEXT,
          live INTEGER NOT NULL,
          team TEXT,
          version TEXT NOT NULL,
          PRIMARY KEY (collection, id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX docs_by_team ON docs (collection, team) WHERE live = 1;

        ${opTable('oplog')}
        ${opTable('audit')}
        CREATE INDEX audit_by_hlc ON audit (hlc);

        -- seq: highest contiguous op held per origin. floor: ops at or below it are not held
        -- (compacted, or covered by an imported snapshot), so a peer behind it needs a snapshot.
        CREATE TABLE vector (
          origin TEXT PRIMARY KEY,
          seq INTEGER NOT NULL,
          floor INTEGER NOT NULL DEFAULT 0
        ) STRICT;
      `);
    },
  },
  {
    // Own ops of a transaction as one row (op-runs.ts). Files without it hold only oplog rows,
    // which stay as they are: both tables are read together.
    name: '0002_op_runs',
    up: (db) => {
      db.exec(`
        -- seq..last: the ops' seqs; hlc: the last op's (the highest: an origin's clock only grows).
        -- heads: a JSON array with one [hlc, collection, id, team, actor, end] per op; bodies: a JSON
        -- array of the ops' bodies as stored, the op's own text ending before offset end (op-runs.ts).
        CREATE TABLE op_runs (
          origin TEXT NOT NULL,
          seq INTEGER NOT NULL,
          last INTEGER NOT NULL,
          hlc TEXT NOT NULL,
          heads TEXT NOT NULL,
          bodies TEXT NOT NULL,
          PRIMARY KEY (origin, seq)
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
  {
    // Snapshots imported before this fix stored their documents without a team, so a team's lists
    // on that replica missed them: the team is taken from the document, as a write would set it.
    name: '0003_snapshot_doc_teams',
    up: (db) => {
      db.prepare("UPDATE docs SET team = id WHERE collection = 'teams' AND team IS NULL").run();
      const scoped = db.prepare("UPDATE docs SET team = json_extract(fields, '$.teamId') WHERE collection = ? AND team IS NULL AND json_type(fields, '$.teamId') = 'text'");
      for (const c of TEAM_SCOPED) scoped.run(c);
    },
  },
];
