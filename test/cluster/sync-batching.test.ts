// Op batches that arrive together are applied together: one store transaction for all of them,
// while every batch is still acknowledged and every refused op is still reported per frame.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeSyncMessage } from '../../src/core/sync/ops-frame';
import { SyncSession } from '../../src/core/sync/session';
import { Store } from '../../src/main/db/store';
import type { OpsMessage, SyncMessage } from '../../src/shared/wire/peer';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(nodeId: string): Store {
  const dir = mkdtempSync(join(tmpdir(), 'ng-sync-batch-'));
  dirs.push(dir);
  const store = Store.open({ path: join(dir, `${nodeId}.db`), nodeId });
  stores.push(store);
  return store;
}

/** `a`'s ops for `b`, cut into batches of `per` (as a sender's frames). */
function framesFrom(a: Store, per: number): OpsMessage[] {
  const ops = a.opsSince({}).ops;
  const frames: OpsMessage[] = [];
  for (let i = 0; i < ops.length; i += per) frames.push({ type: 'ops', v: 1, ops: ops.slice(i, i + per) });
  return frames;
}

describe('receiving several sync messages at once', () => {
  it('applies consecutive op batches in one transaction and acknowledges each of them', () => {
    const a = open('a');
    const b = open('b');
    for (let i = 0; i < 30; i++) a.write('teams', `t-${i % 7}`, { name: `Team ${i}`, createdAt: i }, { actor: 'test' });
    let commits = 0;
    b.onChange(() => commits++);
    const session = new SyncSession(b, { newSnapshotId: () => 's' });
    const step = session.receiveAll(framesFrom(a, 10));

    expect(commits).toBe(1);
    expect(step.events).toEqual([{ kind: 'applied', applied: 30, duplicates: 0 }]);
    expect(step.send).toHaveLength(3);
    for (const ack of step.send) expect(ack).toEqual({ type: 'vector', v: 1, vector: b.vector(), resync: false });
    expect(b.vector()).toEqual(a.vector());
    expect(b.list('teams').map((t) => t.name).sort()).toEqual(a.list('teams').map((t) => t.name).sort());
  });

  it('keeps the order of other messages between op batches', () => {
    const a = open('a');
    const b = open('b');
    for (let i = 0; i < 4; i++) a.write('teams', `t-${i}`, { name: `Team ${i}`, createdAt: i }, { actor: 'test' });
    b.write('teams', 'own', { name: 'B', createdAt: 0 }, { actor: 'test' });
    const session = new SyncSession(b, { newSnapshotId: () => 's' });
    const [first, second] = framesFrom(a, 2) as [OpsMessage, OpsMessage];
    const msgs: SyncMessage[] = [first, { type: 'vector', v: 1, vector: a.vector(), resync: true }, second];
    const step = session.receiveAll(msgs);
    // The ack of the first batch, then B's own op pushed to A (A's vector arrived), then the second ack.
    expect(step.send.map((m) => m.type)).toEqual(['vector', 'ops', 'vector']);
    expect((step.send[0] as { vector: Record<string, number> }).vector.a).toBe(2);
    expect((step.send[2] as { vector: Record<string, number> }).vector.a).toBe(4);
  });

  it('reports refused ops per frame, so each bad frame still counts against the peer', () => {
    const a = open('a');
    const b = open('b');
    for (let i = 0; i < 4; i++) a.write('teams', `t-${i}`, { name: `Team ${i}`, createdAt: i }, { actor: 'test' });
    const frames = framesFrom(a, 2);
    frames[0]!.ops.push({ not: 'an op' });
    frames[1]!.ops.push({ not: 'an op' }, { nor: 'this' });
    const step = new SyncSession(b, { newSnapshotId: () => 's' }).receiveAll(frames);
    const refused = step.events.filter((e) => e.kind === 'rejected');
    expect(refused.map((e) => e.kind === 'rejected' && e.count)).toEqual([1, 2]);
    expect(step.events[0]).toEqual({ kind: 'applied', applied: 4, duplicates: 0 });
  });

  it('applies what a sender puts on the wire (ops as oplog rows) and refuses malformed or tampered rows with a coded reason', () => {
    const a = open('a');
    const b = open('b');
    for (let i = 0; i < 5; i++) a.write('teams', `t-${i}`, { name: `Team "${i}"`, createdAt: i }, { actor: 'test' });
    a.delete('teams', 't-4', { actor: 'test' });
    b.write('teams', 'own', { name: 'B', createdAt: 0 }, { actor: 'test' });
    const sender = new SyncSession(a, { newSnapshotId: () => 's' });
    const sent = sender.receive({ type: 'vector', v: 1, vector: b.vector(), resync: true }).send;
    const frames = sent.map((m) => JSON.parse(encodeSyncMessage(m)) as OpsMessage);
    expect(frames.map((f) => f.type)).toEqual(['ops']);
    expect(frames[0]!.ops.every((op) => Array.isArray(op))).toBe(true);
    const next = (body: unknown, seq = 7) => ['a', seq, a.clock.current(), 'teams', 't-0', null, 'test', body];
    frames[0]!.ops.push(
      ['a', 7, 'short row'],
      next({ s: { name: 'X' }, x: 1 }),
      next({ s: { owner: 'not a field of teams' } }),
      next({ s: { name: 'X' } }, -1),
    );
    const step = new SyncSession(b, { newSnapshotId: () => 's' }).receiveAll(frames);
    expect(step.events[0]).toEqual({ kind: 'applied', applied: 6, duplicates: 0 });
    expect(step.events.filter((e) => e.kind === 'rejected')).toEqual([expect.objectContaining({ code: 'NG_VALIDATION', count: 4 })]);
    expect(b.vector().a).toBe(6);
    expect(b.list('teams').map((t) => t.name).sort()).toEqual(['B', 'Team "0"', 'Team "1"', 'Team "2"', 'Team "3"']);
    expect(b.opsSince({}).ops.filter((op) => op.origin === 'a')).toEqual(a.opsSince({}).ops);
  });
});
