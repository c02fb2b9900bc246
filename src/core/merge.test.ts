// Field-level last-writer-wins, as a specification: any delivery order of any multiset of ops
// (duplicates included) folds to one state, and merging replicas is a semilattice join.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeHlc } from '../shared/hlc';
import { applyOp, emptyDoc, isLive, mergeDocs, type DocState, type OpEffect } from './merge';

const FIELDS = ['a', 'b', 'c', 'd'] as const;

/** Distinct timestamps: in the real system one HLC names exactly one event. */
const hlcs = fc
  .uniqueArray(fc.record({ wall: fc.integer({ min: 1, max: 50 }), counter: fc.integer({ min: 0, max: 3 }), origin: fc.constantFrom('n1', 'n2', 'n3') }), {
    minLength: 1,
    maxLength: 25,
    selector: (h) => encodeHlc(h),
  })
  .map((list) => list.map(encodeHlc));

const effectAt = (hlc: string): fc.Arbitrary<OpEffect> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 })), { minKeys: 1 }).map((set) => ({ hlc, set })) },
    { weight: 1, arbitrary: fc.constant<OpEffect>({ hlc, delete: true }) },
  );

/** A pool of distinct ops. */
const opPool = hlcs.chain((list) => fc.tuple(...list.map(effectAt)));

/** The pool with some ops repeated (redelivery), in a random order. */
const deliveries = (pool: OpEffect[]): fc.Arbitrary<OpEffect[]> =>
  fc.array(fc.nat({ max: pool.length - 1 }), { maxLength: pool.length }).chain((dupes) => {
    const all = [...pool, ...dupes.map((i) => pool[i]!)];
    return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
  });

const fold = (ops: readonly OpEffect[]): DocState => ops.reduce<DocState>((s, op) => applyOp(s, op).state, emptyDoc());

/** The state LWW promises, computed directly: per field the value of its latest write, and the latest delete. */
function expectedState(ops: readonly OpEffect[]): DocState {
  const out = emptyDoc();
  for (const op of ops) {
    if (op.delete && (out.deleted === null || op.hlc > out.deleted)) out.deleted = op.hlc;
    for (const [field, value] of Object.entries(op.set ?? {})) {
      const seen = out.clocks[field];
      if (seen === undefined || op.hlc > seen) {
        out.clocks[field] = op.hlc;
        out.fields[field] = value;
      }
    }
  }
  return out;
}

describe('applyOp', () => {
  it('folds any delivery order of a multiset of ops, with duplicates, to the same state', () => {
    fc.assert(
      fc.property(opPool.chain((pool) => fc.tuple(fc.constant(pool), deliveries(pool), deliveries(pool))), ([pool, first, second]) => {
        const expected = expectedState(pool);
        expect(fold(first)).toEqual(expected);
        expect(fold(second)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('reports exactly the fields it changed and never mutates its input', () => {
    fc.assert(
      fc.property(opPool, (pool) => {
        let state = emptyDoc();
        for (const op of pool) {
          const before = structuredClone(state);
          const r = applyOp(state, op);
          expect(state).toEqual(before);
          const changed = FIELDS.filter((f) => r.state.clocks[f] !== before.clocks[f]);
          expect([...r.changedFields].sort()).toEqual(changed);
          expect(r.deletedChanged).toBe(r.state.deleted !== before.deleted);
          // Redelivering the same op changes nothing.
          const again = applyOp(r.state, op);
          expect(again.changedFields).toEqual([]);
          expect(again.deletedChanged).toBe(false);
          state = r.state;
        }
      }),
    );
  });

  it('a document is live exactly when its latest field write is newer than its latest delete', () => {
    fc.assert(
      fc.property(opPool, (pool) => {
        const state = fold(pool);
        const writes = pool.filter((o) => o.set).map((o) => o.hlc).sort();
        const deletes = pool.filter((o) => o.delete).map((o) => o.hlc).sort();
        const lastWrite = writes.at(-1);
        const lastDelete = deletes.at(-1);
        expect(isLive(state)).toBe(lastWrite !== undefined && (lastDelete === undefined || lastWrite > lastDelete));
      }),
    );
  });

  it('a write after a delete resurrects the document with all of its fields', () => {
    const at = (wall: number) => encodeHlc({ wall, counter: 0, origin: 'n1' });
    const written = applyOp(undefined, { hlc: at(1), set: { a: 1, b: 'x' } }).state;
    const deleted = applyOp(written, { hlc: at(2), delete: true }).state;
    expect(isLive(deleted)).toBe(false);
    const revived = applyOp(deleted, { hlc: at(3), set: { c: true } }).state;
    expect(isLive(revived)).toBe(true);
    expect(revived.fields).toEqual({ a: 1, b: 'x', c: true });
    // A write older than the delete (arriving late) does not bring the document back.
    const late = applyOp(deleted, { hlc: encodeHlc({ wall: 1, counter: 5, origin: 'n2' }), set: { c: false } }).state;
    expect(isLive(late)).toBe(false);
  });
});

describe('mergeDocs', () => {
  /** Replica states are folds of subsets of one pool, so equal clocks always carry equal values. */
  const replicas = opPool.chain((pool) =>
    fc.tuple(fc.constant(pool), fc.subarray(pool), fc.subarray(pool), fc.subarray(pool)),
  );

  it('is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(replicas, ([, sa, sb, sc]) => {
        const [a, b, c] = [fold(sa), fold(sb), fold(sc)];
        expect(mergeDocs(a, b)).toEqual(mergeDocs(b, a));
        expect(mergeDocs(mergeDocs(a, b), c)).toEqual(mergeDocs(a, mergeDocs(b, c)));
        expect(mergeDocs(a, a)).toEqual(a);
        expect(mergeDocs(mergeDocs(a, b), b)).toEqual(mergeDocs(a, b));
      }),
      { numRuns: 300 },
    );
  });

  it('merging two replicas gives the state of applying both of their ops', () => {
    fc.assert(
      fc.property(replicas, ([, sa, sb]) => {
        expect(mergeDocs(fold(sa), fold(sb))).toEqual(expectedState([...sa, ...sb]));
      }),
    );
  });
});
