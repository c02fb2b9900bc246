// Named, append-only schema migrations. Each runs once, in order, inside a transaction. Names (not
// numbers) let separate modules contribute their own tables without colliding.

import type Database from 'better-sqlite3';
import { NgError } from '../../shared/errors';

export interface Migration {
  name: string;
  up: (db: Database.Database) => void;
}

/** Bumped only when a file written by this version can no longer be read by older ones. */
export const DB_FORMAT = 2;

export function runMigrations(db: Database.Database, migrations: readonly Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)
           STRICT;
           CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;`);
  const format = db.prepare("SELECT value FROM meta WHERE key = 'db_format'").pluck().get() as string | undefined;
  if (format !== undefined && Number(format) > DB_FORMAT) {
    throw new NgError('NG_DB_TOO_NEW', `the database was written by a newer Netgoat (format ${format}, this build reads ${DB_FORMAT}); upgrade Netgoat`);
  }
  const applied = new Set(db.prepare('SELECT name FROM migrations').pluck().all() as string[]);
  const record = db.prepare('INSERT INTO migrations (name, applied_at) VALUES (?, ?)');
  for (const m of migrations) {
    if (applied.has(m.name)) continue;
    db.transaction(() => {
      m.up(db);
      record.run(m.name, Date.now());
    })();
  }
  db.prepare("INSERT INTO meta (key, value) VALUES ('db_format', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)").run(String(DB_FORMAT));
}
