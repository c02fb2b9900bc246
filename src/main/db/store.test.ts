// The replicated store on real SQLite files: refusals leave nothing behind, concurrency and
// resurrection follow the merge rules, replication is exact, and bad files are never reset.

import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeHlc } from '../../shared/hlc';
import { domainId } from '../../shared/ids';
import type { Op } from '../../shared/ops';
import { Store, type ChangeEvent, type StoreOptions } from './store';
import { useTempStores } from '../../../test/support/temp-stores';

const stores = useTempStores('store');
const open = (name: string, opts: Partial<StoreOptions> = {}): Store => stores.open(name, opts);

const closeStore = (s: Store): void => stores.close(s);

const domainDoc = (teamId: string, hostname: string) => ({
  teamId,
  hostname,
  tls: { status: 'Pending' as const, certificateId: null, notAfter: null },
  wafEnabled: false,
  targetLabels: [] as string[],
  createdAt: 1,
});

const count = (s: Store, table: 'oplog' | 'docs' | 'audit'): number => s.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

/** Everything a refused write must leave exactly as it was (the hash first: it brings the docs table up to date). */
const footprint = (s: Store) => ({ hash: s.stateHash(), ops: count(s, 'oplog'), docs: count(s, 'docs'), vector: s.vector(), clock: s.clock.current() });

/** Deliver everything `from` has that `to` lacks. */
function sync(from: Store, to: Store): void {
  const { ops, more } = from.opsSince(to.vector());
  expect(more).toBe(false);
  const r = to.applyRemote(ops);
  expect(r.rejected).toEqual([]);
}

const thrown = (fn: () => unknown): { code?: string; path?: readonly (string | number)[] } => {
  try {
    fn();
  } catch (e) {
    return e as { code?: string; path?: readonly (string | number)[] };
  }
  throw new Error('expected a refusal');
};

describe('local writes', () => {
  it('refuses an invalid document with NG_VALIDATION naming the field, and writes nothing', () => {
    const s = open('n1');
    s.write('teams', 't1', { name: 'Ops', createdAt: 1 }, { actor: 'u1' });
    const events: ChangeEvent[] = [];
    s.onChange((e) => events.push(...e));
    const before = footprint(s);

    const cases: { set: Record<string, unknown>; path: (string | number)[] }[] = [
      { set: { ...domainDoc('t1', 'exa mple.com') }, path: ['hostname'] },
      { set: { ...domainDoc('t1', 'example.com'), tls: { status: 'Bogus', certificateId: null, notAfter: null } }, path: ['tls', 'status'] },
      { set: { ...domainDoc('t1', 'example.com'), targetLabels: ['ok', 'NOT OK'] }, path: ['targetLabels', 1] },
      { set: { ...domainDoc('t1', 'example.com'), createdAt: -5 }, path: ['createdAt'] },
      { set: { ...domainDoc('t1', 'example.com'), surprise: 1 }, path: ['surprise'] },
      { set: { hostname: 'example.com' }, path: ['teamId'] },
      { set: { ...domainDoc('t1', 'example.com'), hasOwnProperty: 1 }, path: ['hasOwnProperty'] },
    ];
    for (const c of cases) {
      const e = thrown(() => s.write('domains', 'd1', c.set as never, { actor: 'u1' }));
      expect(e.code).toBe('NG_VALIDATION');
      expect(e.path).toEqual(c.path);
    }
    expect(thrown(() => s.write('domains', 'Bad Id!', domainDoc('t1', 'example.com'), { actor: 'u1' }))).toMatchObject({ code: 'NG_VALIDATION', path: ['id'] });
    expect(thrown(() => s.write('nope' as never, 'x1', {} as never, { actor: 'u1' }))).toMatchObject({ code: 'NG_UNKNOWN_COLLECTION' });

    // Updates of a live document are checked field by field, with the same paths.
    s.write('domains', 'd1', domainDoc('t1', 'example.com'), { actor: 'u1' });
    const live = footprint(s);
    expect(thrown(() => s.write('domains', 'd1', { wafEnabled: 'yes' } as never, { actor: 'u1' }))).toMatchObject({ code: 'NG_VALIDATION', path: ['wafEnabled'] });
    expect(thrown(() => s.write('domains', 'd1', { surprise: 1 } as never, { actor: 'u1' }))).toMatchObject({ code: 'NG_VALIDATION', path: ['surprise'] });
    expect(thrown(() => s.write('domains', 'd1', { toString: 1 } as never, { actor: 'u1' }))).toMatchObject({ code: 'NG_VALIDATION', path: ['toString'] });
    expect(footprint(s)).toEqual(live);
    expect(before.ops + 1).toBe(live.ops);
    expect(events).toHaveLength(1);
  });

  it('a refused write inside a transaction rolls back the writes before it', () => {
    const s = open('n1');
    const events: ChangeEvent[] = [];
    s.onChange((e) => events.push(...e));
    const before = footprint(s);
    expect(() =>
      s.transaction(() => {
        s.write('teams', 't1', { name: 'Ops', createdAt: 1 }, { actor: 'u1' });
        s.write('domains', 'd1', domainDoc('t1', 'example.com'), { actor: 'u1' });
        s.write('domains', 'd2', domainDoc('t1', '-bad-.com'), { actor: 'u1' });
      }),
    ).toThrowError(expect.objectContaining({ code: 'NG_VALIDATION', path: ['hostname'] }));
    expect({ ...footprint(s), clock: before.clock }).toEqual(before);
    expect(s.get('teams', 't1')).toBeUndefined();
    expect(events).toEqual([]);
    // The store is usable afterwards and the seq the rolled-back write took is reused, not skipped.
    s.write('teams', 't1', { name: 'Ops', createdAt: 1 }, { actor: 'u1' });
    expect(s.vector()).toEqual({ n1: 1 });
  });

  it('a failed nested transaction caught inside another leaves the outer one\'s ops in the oplog', () => {
    const s = open('n1');
    s.transaction(() => {
      s.write('domains', 'd1', domainDoc('t1', 'outer.example'), { actor: 'u1' });
      expect(() => s.transaction(() => {
        s.write('domains', 'd2', domainDoc('t1', 'inner.example'), { actor: 'u1' });
        throw new Error('inner refused');
      })).toThrow('inner refused');
    });
    expect(count(s, 'oplog')).toBe(1);
    expect(s.opsSince({}).ops.map((op) => op.id)).toEqual(['d1']);
    expect(s.vector()).toEqual({ n1: 1 });
  });

  it('a transaction with more pending documents than the store holds in memory reads every one back', () => {
    const s = open('n1');
    s.write('teams', 'team_old', { name: 'Old', createdAt: 1 }, { actor: 'u1' });
    s.list('teams'); // the row is written, so the document may be read from the table again
    const n = 20_500;
    s.transaction(() => {
      for (let i = 0; i < n; i++) s.write('teams', `team_${i}`, { name: `T${i}`, createdAt: 1 }, { actor: 'u1' });
      // Loaded from its row while every held document is pending: it must not be the one let go.
      s.write('teams', 'team_old', { name: 'Renamed' }, { actor: 'u1' });
      expect(s.get('teams', 'team_old')?.name).toBe('Renamed');
      for (let i = 0; i < n; i += 97) expect(s.get('teams', `team_${i}`)?.name).toBe(`T${i}`);
      expect(s.get('teams', `team_${n - 1}`)?.name).toBe(`T${n - 1}`);
    });
    expect(s.get('teams', 'team_old')?.name).toBe('Renamed');
    expect(s.list('teams')).toHaveLength(n + 1);
  });

  it('a failed nested transaction caught inside another undoes only its own changes in memory', () => {
    const s = open('n1');
    s.write('domains', 'd0', domainDoc('t1', 'before.example'), { actor: 'u1' });
    s.transaction(() => {
      s.write('domains', 'd1', domainDoc('t1', 'outer.example'), { actor: 'u1' });
      s.write('domains', 'd0', { wafEnabled: true }, { actor: 'u1' });
      expect(() => s.transaction(() => {
        s.write('domains', 'd1', { targetLabels: ['inner'] }, { actor: 'u1' });
        s.write('domains', 'd0', { targetLabels: ['inner'] }, { actor: 'u1' });
        s.write('domains', 'd2', domainDoc('t1', 'inner.example'), { actor: 'u1' });
        // A read of the table inside the failed part writes the pending rows, which go with it.
        expect(s.list('domains').map((d) => d.id).sort()).toEqual(['d0', 'd1', 'd2']);
        throw new Error('inner refused');
      })).toThrow('inner refused');
      expect(s.get('domains', 'd1')?.targetLabels).toEqual([]);
      expect(s.get('domains', 'd0')).toMatchObject({ wafEnabled: true, targetLabels: [] });
      expect(s.get('domains', 'd2')).toBeUndefined();
    });
    const seen = (st: Store) => st.list('domains').map((d) => `${d.id}:${d.wafEnabled}:${d.targetLabels.join()}`).sort();
    expect(seen(s)).toEqual(['d0:true:', 'd1:false:']);
    expect(s.vector()).toEqual({ n1: 3 });
    closeStore(s);
    expect(seen(open('n1'))).toEqual(['d0:true:', 'd1:false:']);
  });

  it('stores values as the schema normalises them and skips writes that change nothing', () => {
    const s = open('n1');
    const d = s.write('domains', 'd1', domainDoc('t1', 'BÜCHER.example'), { actor: 'u1' });
    expect(d.hostname).toBe('xn--bcher-kva.example');
    const again = s.write('domains', 'd1', { hostname: 'bücher.example', wafEnabled: false }, { actor: 'u1' });
    expect(again.version).toBe(d.version);
    expect(count(s, 'oplog')).toBe(1);
    // Arrays and objects are compared by value, not by identity.
    const labelled = s.write('domains', 'd1', { targetLabels: ['edge', 'eu'] }, { actor: 'u1' });
    expect(s.write('domains', 'd1', { targetLabels: ['edge', 'eu'], tls: { ...d.tls } }, { actor: 'u1' }).version).toBe(labelled.version);
    expect(count(s, 'oplog')).toBe(2);
    expect(s.write('domains', 'd1', { targetLabels: ['edge'] }, { actor: 'u1' }).targetLabels).toEqual(['edge']);
    expect(s.write('domains', 'd1', { tls: { ...d.tls, status: 'Active' } }, { actor: 'u1' }).tls.status).toBe('Active');
    expect(count(s, 'oplog')).toBe(4);
  });

  it('optimistic concurrency: a stale version is refused with NG_CONFLICT', () => {
    const s = open('n1');
    const v1 = s.write('domains', 'd1', domainDoc('t1', 'example.com'), { actor: 'u1', expectedVersion: null }).version;
    expect(thrown(() => s.write('domains', 'd1', domainDoc('t1', 'example.com'), { actor: 'u2', expectedVersion: null }))).toMatchObject({ code: 'NG_CONFLICT' });
    const v2 = s.write('domains', 'd1', { wafEnabled: true }, { actor: 'u1', expectedVersion: v1 }).version;
    expect(v2 > v1).toBe(true);
    const before = footprint(s);
    expect(thrown(() => s.write('domains', 'd1', { wafEnabled: false }, { actor: 'u2', expectedVersion: v1 }))).toMatchObject({ code: 'NG_CONFLICT' });
    expect(thrown(() => s.delete('domains', 'd1', { actor: 'u2', expectedVersion: v1 }))).toMatchObject({ code: 'NG_CONFLICT' });
    expect(footprint(s)).toEqual(before);
    expect(s.get('domains', 'd1')?.wafEnabled).toBe(true);
    expect(s.delete('domains', 'd1', { actor: 'u1', expectedVersion: v2 })).toBe(true);
  });

  it('a write after a delete resurrects the document with all of its fields', () => {
    const s = open('n1');
    s.write('domains', 'd1', { ...domainDoc('t1', 'example.com'), targetLabels: ['edge'] }, { actor: 'u1' });
    expect(s.delete('domains', 'd1', { actor: 'u1' })).toBe(true);
    expect(s.get('domains', 'd1')).toBeUndefined();
    expect(s.list('domains')).toEqual([]);
    expect(s.delete('domains', 'd1', { actor: 'u1' })).toBe(false);
    // An empty write would leave it deleted: it is refused, not reported as written.
    const deleted = footprint(s);
    expect(thrown(() => s.write('domains', 'd1', {}, { actor: 'u2' }))).toMatchObject({ code: 'NG_VALIDATION' });
    expect(footprint(s)).toEqual(deleted);
    const revived = s.write('domains', 'd1', { wafEnabled: true }, { actor: 'u2' });
    expect(revived).toMatchObject({ hostname: 'example.com', targetLabels: ['edge'], wafEnabled: true });
    expect(s.list('domains', { team: 't1' }).map((d) => d.id)).toEqual(['d1']);
  });

  it('a transaction that touches more documents than the state cache holds keeps every write', () => {
    const s = open('n1');
    s.transaction(() => {
      s.write('teams', 'first', { name: 'First', createdAt: 1 }, { actor: 'u1' });
      // More documents than the cache keeps: the first one is evicted before the transaction ends.
      for (let i = 0; i < 20_001; i++) s.write('teams', `t${i}`, { name: `Team ${i}`, createdAt: i }, { actor: 'u1' });
      s.write('teams', 'first', { name: 'First, renamed' }, { actor: 'u1' });
    });
    expect(s.get('teams', 'first')).toMatchObject({ name: 'First, renamed', createdAt: 1 });
    expect(s.list('teams')).toHaveLength(20_002);
  });

  it('change events fire once after commit, and never for a rolled-back transaction', () => {
    const s = open('n1');
    const seen: { events: ChangeEvent[]; visible: boolean }[] = [];
    s.onChange((events) => seen.push({ events: [...events], visible: s.get('teams', 't2') !== undefined }));
    s.transaction(() => {
      s.write('teams', 't1', { name: 'One', createdAt: 1 }, { actor: 'u1' });
      s.transaction(() => s.write('teams', 't2', { name: 'Two', createdAt: 1 }, { actor: 'u1' }));
      expect(seen).toEqual([]);
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.visible).toBe(true);
    expect(seen[0]!.events.map((e) => [e.id, e.live, e.local, e.op?.actor])).toEqual([['t1', true, true, 'u1'], ['t2', true, true, 'u1']]);

    expect(() =>
      s.transaction(() => {
        s.write('teams', 't3', { name: 'Three', createdAt: 1 }, { actor: 'u1' });
        throw new Error('operator cancelled');
      }),
    ).toThrow('operator cancelled');
    expect(seen).toHaveLength(1);
    expect(s.get('teams', 't3')).toBeUndefined();

    const unsubscribe = s.onChange(() => undefined);
    unsubscribe();
    s.delete('teams', 't1', { actor: 'u2' });
    expect(seen).toHaveLength(2);
    expect(seen[1]!.events[0]).toMatchObject({ id: 't1', live: false, local: true });
  });

  it('the audit log carries the actor, before and after, and is filtered by team', () => {
    const s = open('n1');
    s.write('domains', 'd1', domainDoc('t1', 'one.example'), { actor: 'alice' });
    s.write('domains', 'd2', domainDoc('t2', 'two.example'), { actor: 'bob' });
    s.write('domains', 'd1', { wafEnabled: true }, { actor: 'carol' });
    s.delete('domains', 'd1', { actor: 'dave' });

    const t1 = s.auditLog({ team: 't1' });
    expect(t1.map((o) => [o.actor, o.id, o.team])).toEqual([['dave', 'd1', 't1'], ['carol', 'd1', 't1'], ['alice', 'd1', 't1']]);
    expect(t1[1]).toMatchObject({ set: { wafEnabled: true }, prev: { wafEnabled: false } });
    expect(t1[0]!.delete).toBe(true);
    expect(t1[0]!.prev).toMatchObject({ hostname: 'one.example', wafEnabled: true });
    expect(t1[2]!.prev).toBeUndefined();
    expect(s.auditLog({ team: 't2' }).map((o) => o.actor)).toEqual(['bob']);
    expect(s.auditLog()).toHaveLength(4);
    expect(s.auditLog({ limit: 2 }).map((o) => o.actor)).toEqual(['dave', 'carol']);
    expect(s.auditLog({ before: t1[1]!.hlc }).map((o) => o.actor)).toEqual(['bob', 'alice']);

    // Compaction moves ops out of the oplog but not out of the audit trail.
    s.compact(s.vector());
    expect(count(s, 'oplog')).toBe(0);
    expect(s.auditLog({ team: 't1' })).toEqual(t1);
  });
});

describe('replication', () => {
  it('two nodes creating the same domain concurrently merge into one document', () => {
    const a = open('n1');
    const b = open('n2');
    const id = domainId('t1', 'shop.example');
    expect(domainId('t1', 'SHOP.example')).toBe(id);
    expect(domainId('t2', 'shop.example')).not.toBe(id);
    a.write('domains', id, { ...domainDoc('t1', 'shop.example'), wafEnabled: true }, { actor: 'alice' });
    b.write('domains', id, { ...domainDoc('t1', 'shop.example'), targetLabels: ['eu'] }, { actor: 'bob' });
    sync(a, b);
    sync(b, a);
    expect(a.list('domains')).toHaveLength(1);
    expect(a.list('domains')).toEqual(b.list('domains'));
    expect(a.stateHash()).toBe(b.stateHash());
    // Field by field, the later of the two creates wins.
    const later = a.auditLog().find((o) => o.id === id)!;
    expect(a.get('domains', id)?.wafEnabled).toBe(later.set?.wafEnabled);
  });

  it('ignores duplicates and holds out-of-order ops until the gap fills', () => {
    const a = open('n1');
    const b = open('n2');
    for (let i = 1; i <= 5; i++) a.write('teams', `t${i}`, { name: `Team ${i}`, createdAt: i }, { actor: 'u1' });
    const ops = a.opsSince({}).ops;
    expect(ops.map((o) => o.seq)).toEqual([1, 2, 3, 4, 5]);
    const [o1, o2, o3, o4, o5] = ops as [Op, Op, Op, Op, Op];

    expect(b.applyRemote([o3, o5, o5])).toEqual({ applied: 2, duplicates: 1, rejected: [] });
    expect(b.vector().n1 ?? 0).toBe(0);
    // A peer asking b must not be offered ops past b's gap.
    expect(b.opsSince({}).ops.filter((o) => o.origin === 'n1')).toEqual([]);
    expect(b.applyRemote([o2])).toMatchObject({ applied: 1 });
    expect(b.vector().n1 ?? 0).toBe(0);
    expect(b.applyRemote([o1])).toMatchObject({ applied: 1 });
    expect(b.vector().n1).toBe(3);
    expect(b.applyRemote([o1, o3, o4, o5])).toEqual({ applied: 1, duplicates: 3, rejected: [] });
    expect(b.vector().n1).toBe(5);
    expect(b.stateHash()).toBe(a.stateHash());
    expect(b.opsSince({}).ops).toEqual(ops);
  });

  it('received ops are in opsSince and the audit log before their transaction commits, and gone if it rolls back', () => {
    const a = open('n1');
    const b = open('n2');
    // 130 ops: two full multi-row chunks and a remainder, received in one batch.
    for (let i = 1; i <= 130; i++) a.write('teams', `t${i % 7}`, { name: `Team ${i}`, createdAt: i }, { actor: 'u1' });
    const ops = a.opsSince({}).ops;
    // The clock keeps what it observed (it only moves forward); everything else is as before.
    const { clock: _clock, ...before } = footprint(b);

    const readInAbandonedTransaction = (read: () => void) => {
      expect(() => b.transaction(() => {
        expect(b.applyRemote(ops)).toEqual({ applied: 130, duplicates: 0, rejected: [] });
        read();
        throw new Error('abandon');
      })).toThrow('abandon');
      expect(footprint(b)).toEqual({ ...before, clock: b.clock.current() });
    };
    readInAbandonedTransaction(() => expect(b.opsSince({}).ops).toEqual(ops));
    readInAbandonedTransaction(() => expect(b.auditLog({ limit: 1 })[0]).toEqual(ops[129]));
    expect(b.opsSince({}).ops).toEqual([]);

    expect(b.applyRemote(ops)).toEqual({ applied: 130, duplicates: 0, rejected: [] });
    expect(b.opsSince({}).ops).toEqual(ops);
    expect(b.stateHash()).toBe(a.stateHash());
  });

  it('refuses malformed, oversized and unknown-field ops with codes while the rest of the batch applies', () => {
    const a = open('n1');
    const b = open('n2');
    a.write('teams', 't1', { name: 'One', createdAt: 1 }, { actor: 'u1' });
    a.write('teams', 't2', { name: 'Two', createdAt: 2 }, { actor: 'u1' });
    const [good1, good2] = a.opsSince({}).ops as [Op, Op];
    const hlc = encodeHlc({ wall: Date.now(), counter: 0, origin: 'n3' });
    const base = { origin: 'n3', seq: 1, hlc, collection: 'teams', id: 't9', actor: 'mallory', set: { name: 'Evil' } };
    const batch: unknown[] = [
      good1,
      { ...base, actor: undefined },
      { ...base, set: { name: 'x'.repeat(300_000) } },
      { ...base, set: { name: 'ok', admin: true } },
      { ...base, set: { name: 42 } },
      { ...base, collection: 'secrets' },
      { ...base, extra: 'field' },
      { ...base, seq: 0 },
      { ...base, hlc: encodeHlc({ wall: Date.now(), counter: 0, origin: 'n1' }) },
      { ...base, set: undefined },
      { ...base, id: '../etc' },
      'not an op',
      null,
      { ...base, set: { constructor: 'x' } },
      { ...base, set: {} },
      JSON.parse(`{"origin":"n3","seq":1,"hlc":"${hlc}","collection":"teams","id":"t9","actor":"m","set":{"__proto__":{"name":"x"}}}`),
      good2,
    ];
    const r = b.applyRemote(batch);
    expect(r.applied).toBe(2);
    expect(r.rejected.map((x) => [x.index, x.code])).toEqual([
      [1, 'NG_VALIDATION'], [2, 'NG_TOO_LARGE'], [3, 'NG_VALIDATION'], [4, 'NG_VALIDATION'], [5, 'NG_UNKNOWN_COLLECTION'],
      [6, 'NG_VALIDATION'], [7, 'NG_VALIDATION'], [8, 'NG_VALIDATION'], [9, 'NG_VALIDATION'], [10, 'NG_VALIDATION'],
      [11, 'NG_VALIDATION'], [12, 'NG_VALIDATION'], [13, 'NG_VALIDATION'], [14, 'NG_VALIDATION'], [15, 'NG_VALIDATION'],
    ]);
    const messageOf = (index: number) => r.rejected.find((x) => x.index === index)?.message;
    expect(messageOf(3)).toContain('op.set.admin');
    expect(messageOf(4)).toContain('op.set.name');
    expect(messageOf(13)).toContain('op.set.constructor');
    expect(messageOf(8)).toBe('op timestamp origin differs from op origin');
    expect([messageOf(9), messageOf(14)]).toEqual(['op neither sets fields nor deletes', 'op neither sets fields nor deletes']);
    // A node id that merely ends the timestamp's origin is not its origin.
    const suffix = b.applyRemote([{ ...base, hlc: encodeHlc({ wall: Date.now(), counter: 0, origin: 'xn3' }) }]);
    expect(suffix.rejected.map((x) => x.message)).toEqual(['op timestamp origin differs from op origin']);
    expect(b.vector()).toEqual({ n1: 2 });
    expect(b.get('teams', 't9')).toBeUndefined();
    expect(count(b, 'oplog')).toBe(2);
    expect(b.stateHash()).toBe(a.stateHash());
  });

  it('refuses ops stamped too far in the future (NG_CLOCK_SKEW) without touching the clock', () => {
    let now = 1_800_000_000_000;
    const b = open('n2', { now: () => now, maxSkewMs: 10_000 });
    b.write('teams', 't0', { name: 'Zero', createdAt: 0 }, { actor: 'u1' });
    const op = (seq: number, wall: number) => ({ origin: 'n1', seq, hlc: encodeHlc({ wall, counter: 0, origin: 'n1' }), collection: 'teams', id: `t${seq}`, actor: 'u1', set: { name: 'Team', createdAt: 1 } });
    const before = footprint(b);
    const r = b.applyRemote([op(1, now + 10_001)]);
    expect(r.rejected.map((x) => x.code)).toEqual(['NG_CLOCK_SKEW']);
    expect(footprint(b)).toEqual(before);
    // Within the bound the op applies and the clock moves past it: the next local write orders after it.
    const accepted = op(1, now + 9_000);
    expect(b.applyRemote([accepted]).applied).toBe(1);
    now += 1;
    const mine = b.write('teams', 't0', { name: 'Later' }, { actor: 'u1' });
    expect(mine.version > accepted.hlc).toBe(true);
  });

  it('opsSince returns exactly the missing ops, and NG_SNAPSHOT_REQUIRED once they are compacted', () => {
    const a = open('n1');
    const b = open('n2');
    for (let i = 1; i <= 6; i++) a.write('teams', `a${i}`, { name: `A${i}`, createdAt: i }, { actor: 'u1' });
    for (let i = 1; i <= 3; i++) b.write('teams', `b${i}`, { name: `B${i}`, createdAt: i }, { actor: 'u2' });
    sync(b, a);
    const key = (o: Op) => `${o.origin}:${o.seq}`;
    expect(a.opsSince({ n1: 4, n2: 1 }).ops.map(key)).toEqual(['n1:5', 'n1:6', 'n2:2', 'n2:3']);
    expect(a.opsSince({ n1: 6, n2: 3 }).ops).toEqual([]);
    const page = a.opsSince({}, 4);
    expect(page.ops.map(key)).toEqual(['n1:1', 'n1:2', 'n1:3', 'n1:4']);
    expect(page.more).toBe(true);

    expect(a.compact({ n1: 4, n2: 1 })).toBe(5);
    expect(a.opsSince({ n1: 4, n2: 1 }).ops.map(key)).toEqual(['n1:5', 'n1:6', 'n2:2', 'n2:3']);
    expect(thrown(() => a.opsSince({ n1: 3, n2: 3 }))).toMatchObject({ code: 'NG_SNAPSHOT_REQUIRED' });
    expect(thrown(() => a.opsSince({}))).toMatchObject({ code: 'NG_SNAPSHOT_REQUIRED' });
  });

  it('bootstraps an empty replica from a snapshot to an identical state, then continues with ops', () => {
    const a = open('n1');
    const b = open('n2');
    a.write('domains', 'd1', domainDoc('t1', 'one.example'), { actor: 'u1' });
    a.write('domains', 'd2', domainDoc('t1', 'two.example'), { actor: 'u1' });
    a.delete('domains', 'd2', { actor: 'u1' });
    b.write('teams', 't1', { name: 'One', createdAt: 1 }, { actor: 'u2' });
    sync(b, a);
    a.compact({ n1: 2 });

    const fresh = open('n3');
    fresh.importSnapshot(a.exportSnapshot());
    expect(fresh.stateHash()).toBe(a.stateHash());
    expect(fresh.vector()).toEqual(a.vector());
    expect(fresh.list('domains')).toEqual(a.list('domains'));
    expect(fresh.list('teams')).toEqual(a.list('teams'));
    // It holds the state but not the ops, so it cannot serve them to a peer that is behind.
    expect(thrown(() => fresh.opsSince({}))).toMatchObject({ code: 'NG_SNAPSHOT_REQUIRED' });

    a.write('domains', 'd2', { wafEnabled: true }, { actor: 'u1' });
    sync(a, fresh);
    expect(fresh.stateHash()).toBe(a.stateHash());
    expect(fresh.get('domains', 'd2')?.hostname).toBe('two.example');
    // Importing the same snapshot again is harmless.
    fresh.importSnapshot(a.exportSnapshot());
    expect(fresh.stateHash()).toBe(a.stateHash());
  });

  it('a snapshot\'s documents are in their team\'s lists and announced as changes, once', () => {
    const a = open('n1');
    a.write('teams', 't1', { name: 'One', createdAt: 1 }, { actor: 'u1' });
    a.write('domains', 'd1', domainDoc('t1', 'one.example'), { actor: 'u1' });
    a.write('domains', 'd2', domainDoc('t1', 'two.example'), { actor: 'u1' });
    a.delete('domains', 'd2', { actor: 'u1' });
    const b = open('n2');
    const events: ChangeEvent[] = [];
    b.onChange((e) => events.push(...e));
    b.importSnapshot(a.exportSnapshot());
    expect(b.list('domains', { team: 't1' })).toEqual(a.list('domains', { team: 't1' }));
    expect(b.list('teams', { team: 't1' }).map((t) => t.id)).toEqual(['t1']);
    const seen = events.map((e) => [e.collection, e.id, e.team, e.live, e.local, e.op]).sort();
    expect(seen).toEqual([['domains', 'd1', 't1', true, false, null], ['domains', 'd2', 't1', false, false, null], ['teams', 't1', 't1', true, false, null]]);

    // Nothing new in a second import: no event; a later change comes with only what moved.
    b.importSnapshot(a.exportSnapshot());
    expect(events).toHaveLength(3);
    a.write('domains', 'd1', { wafEnabled: true }, { actor: 'u1' });
    b.importSnapshot(a.exportSnapshot());
    expect(events.slice(3).map((e) => [e.collection, e.id])).toEqual([['domains', 'd1']]);
    expect(b.get('domains', 'd1')?.wafEnabled).toBe(true);
  });

  it('a replica that imported a snapshot before teams were kept for it has them back after an upgrade', () => {
    const a = open('n1');
    a.write('teams', 't1', { name: 'One', createdAt: 1 }, { actor: 'u1' });
    a.write('domains', 'd1', domainDoc('t1', 'one.example'), { actor: 'u1' });
    const b = open('n2');
    b.importSnapshot(a.exportSnapshot());
    b.stateHash();
    // The file as an earlier build left it: no teams on the imported rows, the repair not yet run.
    b.db.exec("UPDATE docs SET team = NULL; DELETE FROM migrations WHERE name = '0003_snapshot_doc_teams'");
    closeStore(b);
    const again = open('n2');
    expect(again.list('domains', { team: 't1' }).map((d) => d.id)).toEqual(['d1']);
    expect(again.list('teams', { team: 't1' }).map((t) => t.id)).toEqual(['t1']);
  });
});

describe('restart and bad files', () => {
  it('a restart keeps the node id and vector and never reissues a timestamp', () => {
    const path = join(stores.dir, 'node.db');
    const first = Store.open({ path, now: () => 2_000_000_000_000 });
    const nodeId = first.nodeId;
    first.write('teams', 't1', { name: 'One', createdAt: 1 }, { actor: 'u1' });
    const lastVersion = first.write('teams', 't1', { name: 'Uno' }, { actor: 'u1' }).version;
    first.applyRemote([{ origin: 'peer1', seq: 1, hlc: encodeHlc({ wall: 2_000_000_000_500, counter: 3, origin: 'peer1' }), collection: 'teams', id: 't2', actor: 'u9', set: { name: 'Two', createdAt: 1 } }]);
    const vector = first.vector();
    const clock = first.clock.current();
    first.close();

    // The wall clock went back an hour across the restart.
    const second = Store.open({ path, now: () => 2_000_000_000_000 - 3_600_000 });
    stores.track(second);
    expect(second.nodeId).toBe(nodeId);
    expect(second.vector()).toEqual(vector);
    expect(second.clock.current() >= clock).toBe(true);
    const next = second.write('teams', 't1', { name: 'Ein' }, { actor: 'u1' });
    expect(next.version > clock && next.version > lastVersion).toBe(true);
    expect(second.vector()[nodeId]).toBe(3);
    closeStore(second);
    expect(thrown(() => Store.open({ path, nodeId: 'someone-else' }))).toMatchObject({ code: 'NG_VALIDATION' });
  });

  it('refuses a file of random bytes with NG_DB_CORRUPT and leaves it byte for byte', () => {
    const path = join(stores.dir, 'random.db');
    const bytes = Buffer.alloc(16_384);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    writeFileSync(path, bytes);
    expect(thrown(() => Store.open({ path }))).toMatchObject({ code: 'NG_DB_CORRUPT' });
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('refuses a Netgoat file with damaged pages with NG_DB_CORRUPT and leaves it byte for byte', () => {
    const path = join(stores.dir, 'damaged.db');
    const s = Store.open({ path, nodeId: 'n1' });
    s.transaction(() => {
      for (let i = 0; i < 400; i++) s.write('teams', `t${i}`, { name: `Team ${i} ${'x'.repeat(60)}`, createdAt: i }, { actor: 'u1' });
    });
    s.close();
    const bytes = readFileSync(path);
    const pageSize = bytes.readUInt16BE(16);
    expect(bytes.length).toBeGreaterThan(pageSize * 6);
    // Scribble over every page after the first two, so table and index b-trees have garbage headers.
    for (let off = pageSize * 2; off < bytes.length; off += 1) bytes[off] = (off * 40503) & 0xff;
    writeFileSync(path, bytes);
    expect(thrown(() => Store.open({ path }))).toMatchObject({ code: 'NG_DB_CORRUPT' });
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('refuses another application\'s SQLite file with NG_DB_FOREIGN and leaves it byte for byte', () => {
    const path = join(stores.dir, 'foreign.db');
    const other = new Database(path);
    other.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices (total) VALUES (9.5);");
    other.close();
    const bytes = readFileSync(path);
    expect(thrown(() => Store.open({ path }))).toMatchObject({ code: 'NG_DB_FOREIGN' });
    expect(readFileSync(path).equals(bytes)).toBe(true);

    const tagged = join(stores.dir, 'tagged.db');
    const app = new Database(tagged);
    app.pragma('application_id = 1234');
    app.close();
    const taggedBytes = readFileSync(tagged);
    expect(thrown(() => Store.open({ path: tagged }))).toMatchObject({ code: 'NG_DB_FOREIGN' });
    expect(readFileSync(tagged).equals(taggedBytes)).toBe(true);
  });
});
