// Convergence of real stores: replicas write and delete concurrently, then receive each other's ops
// in any order, split into any batches, with duplicates, some through a snapshot bootstrap. All
// must end with the same state, and that state must be what field-level LWW says it is.

import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyOp, isLive, type DocState } from '../../core/merge';
import { watermark } from '../../core/vector';
import { isNgError } from '../../shared/errors';
import type { Op } from '../../shared/ops';
import { Store } from './store';

const NODES = ['n1', 'n2', 'n3', 'n4'] as const;
/** n4 joins late, from a snapshot. */
const LATE = 3;
const KEYS = ['k0', 'k1', 'k2'] as const;
const LABELS = ['edge', 'eu', 'us'] as const;

type Action =
  | { kind: 'team'; node: number; key: number; name: string }
  | { kind: 'domain'; node: number; key: number; wafEnabled: boolean; labels: string[] }
  | { kind: 'delete'; node: number; collection: 'teams' | 'domains'; key: number }
  | { kind: 'deliver'; from: number; to: number; seed: number }
  | { kind: 'snapshot'; from: number; to: number }
  | { kind: 'compact'; node: number };

const node = fc.nat({ max: NODES.length - 1 });
const key = fc.nat({ max: KEYS.length - 1 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('team' as const), node, key, name: fc.constantFrom('Ops', 'Web', 'Edge') }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('domain' as const), node, key, wafEnabled: fc.boolean(), labels: fc.subarray([...LABELS]) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), node, collection: fc.constantFrom('teams' as const, 'domains' as const), key }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('deliver' as const), from: node, to: node, seed: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('snapshot' as const), from: node, to: node }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), node }) },
);

/** A small seeded shuffle, so a delivery plan is part of the generated case and replays exactly. */
function scramble(ops: Op[], seed: number): Op[][] {
  let s = seed >>> 0;
  const rand = (n: number) => {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    return (s >>> 8) % n;
  };
  const withDupes = [...ops, ...ops.filter(() => rand(4) === 0)];
  for (let i = withDupes.length - 1; i > 0; i--) {
    const j = rand(i + 1);
    [withDupes[i], withDupes[j]] = [withDupes[j]!, withDupes[i]!];
  }
  const batches: Op[][] = [];
  for (let i = 0; i < withDupes.length; ) {
    const size = 1 + rand(5);
    batches.push(withDupes.slice(i, i + size));
    i += size;
  }
  return batches;
}

class Cluster {
  readonly stores: (Store | undefined)[];

  constructor(private readonly dir: string) {
    this.stores = NODES.map((n, i) => (i === LATE ? undefined : Store.open({ path: join(dir, `${n}.db`), nodeId: n })));
  }

  live(): Store[] {
    return this.stores.filter((s): s is Store => s !== undefined);
  }

  run(a: Action): void {
    if (a.kind === 'snapshot') {
      // The late node bootstraps from a snapshot; any other replica catches up through one.
      const from = this.stores[a.from];
      if (!from || a.from === a.to) return;
      this.stores[a.to] ??= Store.open({ path: join(this.dir, `${NODES[a.to]}.db`), nodeId: NODES[a.to] });
      this.stores[a.to]!.importSnapshot(from.exportSnapshot());
      return;
    }
    if (a.kind === 'deliver') {
      const from = this.stores[a.from];
      const to = this.stores[a.to];
      if (from && to) this.deliver(from, to, a.seed);
      return;
    }
    if (a.kind === 'compact') {
      // Only what every replica (including one yet to join from a snapshot) already holds.
      this.stores[a.node]?.compact(watermark(this.live().map((s) => s.vector())));
      return;
    }
    const s = this.stores[a.node];
    if (!s) return;
    const actor = `user-${a.node}`;
    if (a.kind === 'team') {
      s.write('teams', KEYS[a.key]!, s.get('teams', KEYS[a.key]!) ? { name: a.name } : { name: a.name, createdAt: a.key }, { actor });
    } else if (a.kind === 'domain') {
      const id = KEYS[a.key]!;
      const fields = { wafEnabled: a.wafEnabled, targetLabels: a.labels };
      const whole = { teamId: 'team1', hostname: `${id}.example`, tls: { status: 'Pending' as const, certificateId: null, notAfter: null }, createdAt: a.node, ...fields };
      s.write('domains', id, s.get('domains', id) ? fields : whole, { actor });
    } else {
      s.delete(a.collection, KEYS[a.key]!, { actor });
    }
  }

  /**
   * Send what `to` lacks, scrambled. A sender that no longer holds those ops (compacted, or folded in
   * from a snapshot) sends its snapshot instead, as a peer link does: no other replica need hold them.
   */
  deliver(from: Store, to: Store, seed: number): void {
    let ops: Op[];
    try {
      ops = from.opsSince(to.vector()).ops;
    } catch (e) {
      if (isNgError(e) && e.code === 'NG_SNAPSHOT_REQUIRED') return to.importSnapshot(from.exportSnapshot());
      throw e;
    }
    for (const batch of scramble(ops, seed)) expect(to.applyRemote(batch).rejected).toEqual([]);
  }

  /** Anti-entropy rounds between every pair until no replica learns anything new. */
  settle(seed: number): void {
    for (let round = 0; round < 10; round++) {
      const before = this.live().map((s) => JSON.stringify(s.vector()));
      for (const from of this.live()) for (const to of this.live()) if (from !== to) this.deliver(from, to, seed + round);
      if (this.live().every((s, i) => JSON.stringify(s.vector()) === before[i])) return;
    }
    throw new Error('replicas did not settle in 10 rounds');
  }

  close(): void {
    for (const s of this.live()) s.close();
  }
}

/** The state field-level LWW promises for every document, from the complete op history. */
function expectedLive(history: Op[]): Map<string, Record<string, unknown>> {
  const states = new Map<string, DocState>();
  for (const op of history) {
    const k = `${op.collection}/${op.id}`;
    states.set(k, applyOp(states.get(k), op).state);
  }
  const out = new Map<string, Record<string, unknown>>();
  for (const [k, st] of states) if (isLive(st)) out.set(k, st.fields);
  return out;
}

describe('replicated store convergence', () => {
  it('replicas converge to one LWW state for any delivery order, batching, duplication and snapshot bootstrap', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 5, maxLength: 60 }), fc.integer(), (actions, seed) => {
        const dir = mkdtempSync(join(tmpdir(), 'netgoat-sync-'));
        const cluster = new Cluster(dir);
        try {
          for (const a of actions) cluster.run(a);
          cluster.run({ kind: 'snapshot', from: 0, to: LATE });
          cluster.settle(seed);

          const [first, ...rest] = cluster.live();
          for (const other of rest) {
            expect(other.vector()).toEqual(first!.vector());
            expect(other.stateHash()).toBe(first!.stateHash());
            expect(other.list('teams')).toEqual(first!.list('teams'));
            expect(other.list('domains')).toEqual(first!.list('domains'));
          }
          // Every op stays in its origin's audit trail, so together they are the complete history.
          const history = new Map<string, Op>();
          for (const s of cluster.live()) for (const op of s.auditLog({ limit: 1000 })) history.set(`${op.origin}:${op.seq}`, op);
          const expected = expectedLive([...history.values()]);
          const actual = new Map<string, Record<string, unknown>>();
          for (const c of ['teams', 'domains'] as const) {
            for (const { id, version: _v, ...fields } of first!.list(c)) actual.set(`${c}/${id}`, fields);
          }
          expect(actual).toEqual(expected);
        } finally {
          cluster.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 30 },
    );
  });
});
