// Version vectors as a specification: merge is a join, missingRanges is exactly what anti-entropy
// must send, and the watermark is what every member holds.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VersionVector } from '../shared/ops';
import { dominates, mergeVectors, missingRanges, vectorsEqual, watermark } from './vector';

const vector: fc.Arbitrary<VersionVector> = fc.dictionary(fc.constantFrom('n1', 'n2', 'n3', 'n4'), fc.nat({ max: 20 }));
const at = (v: VersionVector, origin: string): number => v[origin] ?? 0;

describe('version vectors', () => {
  it('merge is commutative, associative, idempotent and an upper bound', () => {
    fc.assert(
      fc.property(vector, vector, vector, (a, b, c) => {
        expect(mergeVectors(a, b)).toEqual(mergeVectors(b, a));
        expect(mergeVectors(mergeVectors(a, b), c)).toEqual(mergeVectors(a, mergeVectors(b, c)));
        expect(mergeVectors(a, a)).toEqual(a);
        const m = mergeVectors(a, b);
        expect(dominates(m, a) && dominates(m, b)).toBe(true);
        for (const o of Object.keys(m)) expect(at(m, o)).toBe(Math.max(at(a, o), at(b, o)));
      }),
    );
  });

  it('dominates is pointwise >=, treating a missing origin as 0', () => {
    fc.assert(
      fc.property(vector, vector, (a, b) => {
        const origins = new Set([...Object.keys(a), ...Object.keys(b)]);
        expect(dominates(a, b)).toBe([...origins].every((o) => at(a, o) >= at(b, o)));
        expect(vectorsEqual(a, b)).toBe([...origins].every((o) => at(a, o) === at(b, o)));
      }),
    );
  });

  it('missingRanges lists exactly the seqs the other side lacks', () => {
    fc.assert(
      fc.property(vector, vector, (mine, theirs) => {
        const ranges = missingRanges(mine, theirs);
        for (const r of ranges) {
          expect(r.after).toBe(at(theirs, r.origin));
          expect(r.upTo).toBe(at(mine, r.origin));
          expect(r.upTo).toBeGreaterThan(r.after);
        }
        // Sending those ranges brings the other side up to the join, and nothing more is needed.
        const after: VersionVector = { ...theirs };
        for (const r of ranges) after[r.origin] = r.upTo;
        expect(vectorsEqual(after, mergeVectors(mine, theirs))).toBe(true);
        expect(missingRanges(mine, after)).toEqual([]);
        expect(ranges.length === 0).toBe(dominates(theirs, mine));
      }),
    );
  });

  it('the watermark is the greatest vector every member dominates', () => {
    fc.assert(
      fc.property(fc.array(vector, { minLength: 1, maxLength: 5 }), (vectors) => {
        const w = watermark(vectors);
        for (const v of vectors) expect(dominates(v, w)).toBe(true);
        const origins = new Set(vectors.flatMap((v) => Object.keys(v)));
        for (const o of origins) expect(at(w, o)).toBe(Math.min(...vectors.map((v) => at(v, o))));
      }),
    );
    expect(watermark([])).toEqual({});
  });
});
