// Opens a Netgoat SQLite file safely: refuses corrupt, foreign or too-new files with a coded error
// instead of resetting them, sets WAL and the pragmas the store relies on, then runs migrations.

import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { NgError } from '../../shared/errors';
import { runMigrations, type Migration } from './migrations';

/** "NGOT": marks a SQLite file as Netgoat's (PRAGMA application_id). */
export const NETGOAT_APPLICATION_ID = 0x4e474f54;

export interface OpenOptions {
  path: string;
  migrations: readonly Migration[];
  /** Path of a better-sqlite3 build for this runtime's ABI (Electron); Node uses the default. */
  nativeBinding?: string;
  /**
   * 'normal' survives a crash of this process (the WAL is in the OS page cache); 'full' also
   * survives power loss at the cost of an fsync per commit. See docs/ARCHITECTURE.md.
   */
  durability?: 'normal' | 'full';
  readonly?: boolean;
}

const isSqliteError = (e: unknown): e is Error & { code: string } => e instanceof Error && typeof (e as { code?: unknown }).code === 'string';

export function openDatabase(opts: OpenOptions): Database.Database {
  const existed = existsSync(opts.path) && statSync(opts.path).size > 0;
  let db: Database.Database;
  try {
    db = new Database(opts.path, { readonly: opts.readonly ?? false, nativeBinding: opts.nativeBinding });
  } catch (e) {
    throw asOpenError(e, opts.path);
  }
  try {
    // Exclusive locking is chosen before the first read opens the WAL, so SQLite keeps the WAL index
    // in this process's memory (no -shm file at all) and rebuilds it from the WAL on every open.
    if (!opts.readonly) db.pragma('locking_mode = EXCLUSIVE');
    // The first real read of the header is where a non-SQLite file shows itself.
    const appId = db.pragma('application_id', { simple: true }) as number;
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
    if (existed && appId !== NETGOAT_APPLICATION_ID && (appId !== 0 || tables > 0)) {
      throw new NgError('NG_DB_FOREIGN', `${opts.path} is a SQLite database of another application (application_id ${appId}); refusing to touch it`);
    }
    if (existed) {
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new NgError('NG_DB_CORRUPT', `${opts.path} failed its integrity check: ${String(check).slice(0, 200)}`);
    }
    if (!opts.readonly) {
      // One node owns its file: exclusive locking (set above) skips WAL shared-memory bookkeeping on
      // every commit (about 1.6x the commit rate) and stops a second process opening the same data dir.
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.durability === 'full' ? 'FULL' : 'NORMAL'}`);
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      // 8 MB of page cache: the store keeps the documents it works on in memory itself, so a larger
      // cache only held copies (32 MB cost a 10,000-agent node ~15 MB of RSS, for no faster writes).
      db.pragma('cache_size = -8000');
      db.pragma('temp_store = MEMORY');
      db.pragma('wal_autocheckpoint = 16384');
      db.pragma(`application_id = ${NETGOAT_APPLICATION_ID}`);
      runMigrations(db, opts.migrations);
    }
    return db;
  } catch (e) {
    db.close();
    throw asOpenError(e, opts.path);
  }
}

function asOpenError(e: unknown, path: string): NgError {
  if (e instanceof NgError) return e;
  if (isSqliteError(e) && (e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT')) {
    return new NgError('NG_DB_CORRUPT', `${path} is not a readable Netgoat database (${e.message}); it was left untouched — restore a backup or move it aside`);
  }
  if (isSqliteError(e) && (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED')) {
    return new NgError('NG_UNAVAILABLE', `${path} is in use by another Netgoat process; stop it or choose another --data-dir`);
  }
  if (isSqliteError(e)) return new NgError('NG_INTERNAL', `cannot open ${path}: ${e.code} ${e.message}`);
  return new NgError('NG_INTERNAL', `cannot open ${path}: ${e instanceof Error ? e.message : String(e)}`);
}
