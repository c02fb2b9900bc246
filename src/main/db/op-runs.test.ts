// Own ops of a transaction are stored as runs (op-runs.ts). Every reader must see them exactly as
// one oplog row per op would show them: peers reading from any seq, paging, compaction at any
// watermark, the audit trail, replay after a crash, nested rollbacks, and files of the old layout.

import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Op } from '../../shared/ops';
import { Store } from './store';
import { useTempStores } from '../../../test/support/temp-stores';

const stores = useTempStores('op-runs');
const open = (name: string): Store => stores.open(name);

/** Names that JSON escapes, and characters outside the BMP (two UTF-16 units, one code point). */
const awkward = ['plain', 'quote " and \\ backslash', 'emoji 😀 and 𝄞', 'line\nbreak', 'ünïcödé', '\u2028 separator'];

/** Writes `count` team renames in one transaction (ops seq+1 .. seq+count of the store's origin). */
function batch(s: Store, count: number, tag: string): void {
  s.transaction(() => {
    for (let i = 0; i < count; i++) s.write('teams', `t${i % 7}`, { name: `${tag} ${i} ${awkward[i % awkward.length]!}`, createdAt: i }, { actor: i % 3 === 0 ? 'user "x"' : 'u1' });
  });
}

/** The ops of `s` as a per-op oplog would give them: a replica receives them one by one, in single-op transactions. */
function opsOneByOne(s: Store): Op[] {
  const replica = open(`replica${stores.count}`);
  for (const op of s.opsSince({}, 1_000_000).ops) replica.applyRemote([op]);
  return replica.opsSince({}, 1_000_000).ops;
}

const rowCount = (s: Store, table: string): number => s.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const seqs = (ops: readonly Op[]) => ops.map((o) => o.seq);

describe('runs of own ops', () => {
  it('a transaction stores its own ops as runs, a single write as one oplog row', () => {
    const s = open('n1');
    batch(s, 600, 'a');
    expect(rowCount(s, 'oplog')).toBe(0);
    expect(rowCount(s, 'op_runs')).toBe(3);
    s.write('teams', 't1', { name: 'single', createdAt: 1 }, { actor: 'u1' });
    expect(rowCount(s, 'oplog')).toBe(1);
    expect(s.opsSince({}, 1_000_000).ops).toHaveLength(601);
    expect(s.vector()).toEqual({ n1: 601 });
  });

  it('peers read exactly the ops they lack from any seq, in pages of any size, across runs and single rows', () => {
    const s = open('n1');
    batch(s, 300, 'a');
    s.write('teams', 't1', { name: 'single', createdAt: 1 }, { actor: 'u1' });
    batch(s, 2, 'b');
    s.write('teams', 't2', { name: 'single', createdAt: 2 }, { actor: 'u1' });
    batch(s, 40, 'c');
    const all = s.opsSince({}, 1_000_000).ops;
    expect(seqs(all)).toEqual(Array.from({ length: 344 }, (_, i) => i + 1));
    // The same ops, field for field, as a replica that stored them one row each gives them back.
    expect(opsOneByOne(s)).toEqual(all);
    for (const from of [0, 1, 255, 256, 257, 300, 301, 302, 303, 343, 344]) {
      expect(s.opsSince({ n1: from }, 1_000_000).ops).toEqual(all.slice(from));
      for (const limit of [1, 7, 256, 1000]) {
        const page = s.opsSince({ n1: from }, limit);
        expect(page.ops).toEqual(all.slice(from, from + limit));
        expect(page.more).toBe(from + limit < all.length);
      }
    }
    // The bodies a peer link sends are the stored text itself.
    const rows = s.opRowsSince({}, 1_000_000).rows;
    expect(rows.map((r) => JSON.parse(r.body) as unknown)).toEqual(all.map((o) => ({ s: o.set, ...(o.prev ? { p: o.prev } : {}) })));
  });

  it('compaction at a watermark inside a run moves exactly the ops below it, and the audit trail keeps every op', () => {
    const s = open('n1');
    batch(s, 300, 'a');
    batch(s, 10, 'b');
    const all = s.opsSince({}, 1_000_000).ops;
    const audit = s.auditLog({ limit: 1000 });
    expect(audit).toHaveLength(310);

    const ofTeam = audit.filter((o) => o.team === 't3');
    expect(s.auditLog({ team: 't3', limit: 1000 })).toEqual(ofTeam);
    expect(s.auditLog({ team: 't3', before: ofTeam[3]!.hlc, limit: 5 })).toEqual(ofTeam.slice(4, 9));

    expect(s.compact({ n1: 100 })).toBe(100);
    expect(s.auditLog({ limit: 1000 })).toEqual(audit);
    expect(s.auditLog({ team: 't3', limit: 1000 })).toEqual(ofTeam);
    expect(s.auditLog({ limit: 50 })).toEqual(audit.slice(0, 50));
    expect(s.auditLog({ before: audit[250]!.hlc, limit: 20 })).toEqual(audit.slice(251, 271));
    expect(s.opsSince({ n1: 100 }, 1_000_000).ops).toEqual(all.slice(100));
    expect(() => s.opsSince({ n1: 99 })).toThrow(/compacted/);
    expect(s.compact({ n1: 301 })).toBe(201);
    expect(s.auditLog({ limit: 1000 })).toEqual(audit);
    expect(s.opsSince({ n1: 301 }, 1_000_000).ops).toEqual(all.slice(301));
    expect(s.auditLog({ before: audit[5]!.hlc, limit: 3 })).toEqual(audit.slice(6, 9));
    expect(s.compact({ n1: 310 })).toBe(9);
    expect(rowCount(s, 'oplog') + rowCount(s, 'op_runs')).toBe(0);
    expect(s.auditLog({ limit: 1000 })).toEqual(audit);
  });

  it('a crash replays the runs after the written documents', () => {
    const s = open('n1');
    batch(s, 50, 'a');
    s.stateHash();
    batch(s, 500, 'b');
    const expected = [0, 1, 2, 3, 4, 5, 6].map((i) => s.get('teams', `t${i}`));
    const ops = s.opsSince({}, 1_000_000).ops;
    s.db.close();
    const again = open('n1');
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => again.get('teams', `t${i}`))).toEqual(expected);
    expect(again.opsSince({}, 1_000_000).ops).toEqual(ops);
    expect(again.vector()).toEqual({ n1: 550 });
    // The clock resumes above the last op of the last run.
    expect(again.clock.current() >= ops[ops.length - 1]!.hlc).toBe(true);
  });

  it('a failed nested transaction drops its ops from the enclosing run, which goes on with the next seq', () => {
    const s = open('n1');
    s.transaction(() => {
      for (let i = 0; i < 5; i++) s.write('teams', `t${i}`, { name: `before ${i}`, createdAt: i }, { actor: 'u1' });
      expect(() => s.transaction(() => {
        for (let i = 0; i < 5; i++) s.write('teams', `t${i}`, { name: `failed ${i}`, createdAt: i }, { actor: 'u1' });
        throw new Error('nested failure');
      })).toThrow('nested failure');
      for (let i = 0; i < 5; i++) s.write('teams', `t${i}`, { name: `after ${i}`, createdAt: i }, { actor: 'u1' });
    });
    const ops = s.opsSince({}, 1_000_000).ops;
    expect(seqs(ops)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ops.map((o) => o.set?.name)).toEqual([0, 1, 2, 3, 4].map((i) => `before ${i}`).concat([0, 1, 2, 3, 4].map((i) => `after ${i}`)));
    expect(opsOneByOne(s)).toEqual(ops);
  });

  it('a database of the per-op layout opens, reads back the same documents and ops, and takes runs after them', () => {
    const path = join(stores.dir, 'n1.db');
    const before = Store.open({ path, nodeId: 'n1' });
    for (let i = 0; i < 20; i++) before.write('teams', `t${i % 4}`, { name: `${awkward[i % awkward.length]!} ${i}`, createdAt: i }, { actor: 'u1' });
    const docs = [0, 1, 2, 3].map((i) => before.get('teams', `t${i}`));
    const ops = before.opsSince({}, 1_000_000).ops;
    const audit = before.auditLog({ limit: 1000 });
    before.close();
    // Back to the layout of format 1: no runs table, the migration not applied.
    const db = new Database(path);
    db.exec(`DROP TABLE op_runs; DELETE FROM migrations WHERE name = '0002_op_runs';
      UPDATE meta SET value = '1' WHERE key = 'db_format';`);
    expect(db.prepare('SELECT count(*) FROM oplog').pluck().get()).toBe(20);
    db.close();

    const s = open('n1');
    expect(s.db.prepare("SELECT value FROM meta WHERE key = 'db_format'").pluck().get()).toBe('2');
    expect([0, 1, 2, 3].map((i) => s.get('teams', `t${i}`))).toEqual(docs);
    expect(s.opsSince({}, 1_000_000).ops).toEqual(ops);
    expect(s.auditLog({ limit: 1000 })).toEqual(audit);
    batch(s, 30, 'new');
    expect(seqs(s.opsSince({ n1: 15 }, 1_000_000).ops)).toEqual(Array.from({ length: 35 }, (_, i) => i + 16));
    expect(s.compact({ n1: 25 })).toBe(25);
    expect(seqs(s.opsSince({ n1: 25 }, 1_000_000).ops)).toEqual(Array.from({ length: 25 }, (_, i) => i + 26));
  });
});
