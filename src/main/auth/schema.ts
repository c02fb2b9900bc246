// Node-local tables of authentication: web sessions, API tokens, and the audit entries of changes
// to node-local things (API tokens), which the oplog does not carry. Never replicated: a session or
// token works on the node that issued it (docs/API.md says so).

import type { Migration } from '../db/migrations';

export const authMigrations: readonly Migration[] = [
  {
    name: 'auth/1-sessions-and-api-tokens',
    up: (db) => {
      db.exec(`
        CREATE TABLE auth_sessions (
          id_hash TEXT PRIMARY KEY,
          user_id TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          last_seen_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX auth_sessions_user ON auth_sessions (user_id);
        CREATE TABLE api_tokens (
          id TEXT PRIMARY KEY,
          token_hash TEXT NOT NULL UNIQUE,
          prefix TEXT NOT NULL,
          team_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          name TEXT NOT NULL,
          scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          revoked_at INTEGER,
          last_used_at INTEGER
        ) STRICT;
        CREATE INDEX api_tokens_team ON api_tokens (team_id);
        CREATE TABLE local_audit (
          hlc TEXT PRIMARY KEY,
          team_id TEXT,
          actor TEXT NOT NULL,
          collection TEXT NOT NULL,
          id TEXT NOT NULL,
          before_json TEXT NOT NULL,
          after_json TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
];
