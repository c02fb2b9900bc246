// The agent's SQLite cache: the last desired state it applied successfully, with its version and
// checksum. It is what nginx serves in island mode and the base the node diffs against.

import Database from 'better-sqlite3';
import { desiredDomain as desiredDomainSchema, type DesiredDomain } from '../shared/wire/agent';
import { entryOf, type DesiredEntry } from '../core/desired/index';
import { NgError } from '../shared/errors';

export interface AppliedState {
  version: number;
  checksum: string;
  entries: Map<string, DesiredEntry>;
}

export class AgentCache {
  private readonly db: Database.Database;
  private readonly replace: (state: AppliedState, changed: readonly DesiredDomain[] | null, removed: readonly string[]) => void;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // Read whole at start and written a few rows per apply: a small page cache is enough (default ~2 MB).
    this.db.pragma('cache_size = -256');
    this.db.exec(`CREATE TABLE IF NOT EXISTS applied_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS applied_domains (domain_id TEXT PRIMARY KEY, checksum TEXT NOT NULL, doc TEXT NOT NULL) STRICT;`);
    const setMeta = this.db.prepare('INSERT INTO applied_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    const upsert = this.db.prepare('INSERT INTO applied_domains (domain_id, checksum, doc) VALUES (?, ?, ?) ON CONFLICT(domain_id) DO UPDATE SET checksum = excluded.checksum, doc = excluded.doc');
    const remove = this.db.prepare('DELETE FROM applied_domains WHERE domain_id = ?');
    const clear = this.db.prepare('DELETE FROM applied_domains');
    this.replace = this.db.transaction((state: AppliedState, changed: readonly DesiredDomain[] | null, removed: readonly string[]) => {
      if (changed === null) {
        clear.run();
        for (const [id, e] of state.entries) upsert.run(id, e.checksum, JSON.stringify(e.domain));
      } else {
        for (const id of removed) remove.run(id);
        for (const d of changed) upsert.run(d.domainId, state.entries.get(d.domainId)!.checksum, JSON.stringify(d));
      }
      setMeta.run('version', String(state.version));
      setMeta.run('checksum', state.checksum);
    });
  }

  /** The last good state, or an empty one at version 0 when nothing was ever applied. */
  load(): AppliedState {
    const meta = new Map((this.db.prepare('SELECT key, value FROM applied_meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    const entries = new Map<string, DesiredEntry>();
    for (const row of this.db.prepare('SELECT domain_id, doc FROM applied_domains').iterate() as Iterable<{ domain_id: string; doc: string }>) {
      const parsed = desiredDomainSchema.safeParse(JSON.parse(row.doc));
      if (!parsed.success) throw new NgError('NG_DB_CORRUPT', `cached domain ${row.domain_id} no longer validates; delete the agent cache to start clean`);
      entries.set(row.domain_id, entryOf(parsed.data));
    }
    return { version: Number(meta.get('version') ?? 0), checksum: meta.get('checksum') ?? '', entries };
  }

  /** Records a successfully applied state: whole (changed = null), or only the changed domains. */
  save(state: AppliedState, changed: readonly DesiredDomain[] | null = null, removed: readonly string[] = []): void {
    this.replace(state, changed, removed);
  }

  close(): void {
    this.db.close();
  }
}
