// The docs table is written behind the oplog: a commit makes its op durable and the documents follow
// later. These tests crash a store before the documents are written (the native handle closed
// under it, as a kill would leave the file) and fail transactions around pending documents, then
// check that every committed write is visible, and the table agrees with a replica that saw the same ops.

import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { domainId } from '../../shared/ids';
import type { Store } from './store';
import { useTempStores } from '../../../test/support/temp-stores';

const stores = useTempStores('write-behind');
const open = (name: string): Store => stores.open(name);

/** What a kill leaves: committed transactions in the file, nothing of the store's memory. */
function crash(s: Store): void {
  s.db.close();
}

const domain = (hostname: string) => ({
  teamId: 't1', hostname, tls: { status: 'Pending' as const, certificateId: null, notAfter: null }, wafEnabled: false, targetLabels: [] as string[], createdAt: 1,
});

/** Creates `<name>.example.com` for each name and returns the ids, in order. */
function createDomains(s: Store, ...names: string[]): string[] {
  return names.map((name) => {
    const id = domainId('t1', `${name}.example.com`);
    s.write('domains', id, domain(`${name}.example.com`), { actor: 'u1' });
    return id;
  });
}

const rowsInTable = (path: string): Map<string, { live: number; fields: string }> => {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT id, live, fields FROM docs').all() as { id: string; live: number; fields: string }[];
    return new Map(rows.map((r) => [r.id, { live: r.live, fields: r.fields }]));
  } finally {
    db.close();
  }
};

/** A replica that received every op of `s` and wrote its documents: the state `s` must agree with. */
function cleanReplicaHash(s: Store): string {
  const replica = open(`replica${stores.count}`);
  replica.applyRemote(s.opsSince({}, 1_000_000).ops);
  return replica.stateHash();
}

describe('documents written behind the oplog', () => {
  it('a crash before the documents are written loses no committed write', () => {
    const path = join(stores.dir, 'a.db');
    const a = open('a');
    const b = open('b');
    const [kept, changed, removed] = createDomains(a, 'kept', 'changed', 'removed') as [string, string, string];
    a.stateHash(); // the table now holds all three
    a.write('domains', changed, { wafEnabled: true, targetLabels: ['edge'] }, { actor: 'u2' });
    a.delete('domains', removed, { actor: 'u2' });
    const [remote] = createDomains(b, 'remote') as [string];
    expect(a.applyRemote(b.opsSince({}).ops).applied).toBe(1);
    crash(a);

    // The crash really came before the write-behind: the table is behind the oplog.
    const table = rowsInTable(path);
    expect(JSON.parse(table.get(changed)!.fields)).toMatchObject({ wafEnabled: false });
    expect(table.get(removed)!.live).toBe(1);
    expect(table.has(remote)).toBe(false);

    const reopened = open('a');
    expect(reopened.get('domains', changed)).toMatchObject({ wafEnabled: true, targetLabels: ['edge'] });
    expect(reopened.get('domains', removed)).toBeUndefined();
    expect(reopened.get('domains', remote)).toMatchObject({ hostname: 'remote.example.com' });
    expect(reopened.list('domains').map((d) => d.id).sort()).toEqual([changed, kept, remote].sort());
    expect(reopened.stateHash()).toBe(cleanReplicaHash(reopened));
  });

  it('a failed transaction drops its own writes and keeps the committed ones still waiting to be written', () => {
    const a = open('a');
    const [first] = createDomains(a, 'first') as [string];
    const second = domainId('t1', 'second.example.com');
    expect(() => a.transaction(() => {
      a.write('domains', first, { wafEnabled: true }, { actor: 'u1' });
      a.write('domains', second, domain('second.example.com'), { actor: 'u1' });
      throw new Error('refused halfway');
    })).toThrow('refused halfway');
    expect(a.get('domains', first)).toMatchObject({ wafEnabled: false });
    expect(a.get('domains', second)).toBeUndefined();
    expect(a.list('domains').map((d) => d.id)).toEqual([first]);
    expect(a.stateHash()).toBe(cleanReplicaHash(a));
  });

  it('a failed transaction that read the table (writing pending documents) leaves it as committed', () => {
    const path = join(stores.dir, 'a.db');
    const a = open('a');
    const [x, y, z] = createDomains(a, 'x', 'y', 'z') as [string, string, string];
    a.list('domains');
    a.write('domains', x, { targetLabels: ['committed'] }, { actor: 'u1' });
    // Committed but not written, and untouched by the failing transaction: its row flips twice.
    a.delete('domains', z, { actor: 'u1' });
    expect(() => a.transaction(() => {
      a.delete('domains', x, { actor: 'u1' });
      a.write('domains', y, { wafEnabled: true }, { actor: 'u1' });
      expect(a.list('domains').map((d) => d.id)).toEqual([y]);
      throw new Error('refused after reading');
    })).toThrow('refused after reading');
    expect(a.get('domains', x)).toMatchObject({ targetLabels: ['committed'] });
    expect(a.list('domains').map((d) => d.id).sort()).toEqual([x, y].sort());
    expect(a.get('domains', y)).toMatchObject({ wafEnabled: false });
    expect(a.stateHash()).toBe(cleanReplicaHash(a));

    a.write('domains', y, { targetLabels: ['after'] }, { actor: 'u1' });
    crash(a);
    expect(rowsInTable(path).get(x)!.live).toBe(1);
    const reopened = open('a');
    expect(reopened.get('domains', y)).toMatchObject({ targetLabels: ['after'], wafEnabled: false });
    expect(reopened.stateHash()).toBe(cleanReplicaHash(reopened));
  });

  it('documents imported from a snapshot survive a crash right after the import', () => {
    const source = open('source');
    const [x] = createDomains(source, 'x') as [string];
    source.compact(source.vector());
    const fresh = open('fresh');
    fresh.importSnapshot(source.exportSnapshot());
    crash(fresh);
    const reopened = open('fresh');
    expect(reopened.get('domains', x)).toMatchObject({ hostname: 'x.example.com' });
    expect(reopened.stateHash()).toBe(source.stateHash());
  });

  it('refuses a file whose docs_through record was altered, with NG_DB_CORRUPT, and leaves it as it was', () => {
    const path = join(stores.dir, 'a.db');
    const a = open('a');
    createDomains(a, 'x');
    crash(a);
    const db = new Database(path);
    db.prepare("UPDATE meta SET value = '{\"a\": \"many\"}' WHERE key = 'docs_through'").run();
    db.close();
    expect(() => open('a')).toThrow(expect.objectContaining({ code: 'NG_DB_CORRUPT' }));
    const after = new Database(path, { readonly: true });
    expect(after.prepare("SELECT value FROM meta WHERE key = 'docs_through'").pluck().get()).toBe('{"a": "many"}');
    after.close();
  });

  it('the idle timer writes pending documents without any read', async () => {
    const path = join(stores.dir, 'a.db');
    const a = open('a');
    const [x] = createDomains(a, 'x') as [string];
    // The store's own connection, read with plain SQL: nothing here asks the store to write.
    const inTable = a.db.prepare('SELECT count(*) FROM docs WHERE id = ?').pluck();
    expect(inTable.get(x)).toBe(0);
    await expect.poll(() => inTable.get(x), { timeout: 5000 }).toBe(1);
    crash(a);
    expect(rowsInTable(path).get(x)!.live).toBe(1);
  });
});
