import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NgError } from '../../shared/errors';
import { TERM_LANES, compareRank, nextTermInLane, rankedRoster } from './rank';

describe('rank', () => {
  it('orders by configured priority, then by node id', () => {
    expect(compareRank({ nodeId: 'z', priority: 1 }, { nodeId: 'a', priority: 2 })).toBeLessThan(0);
    expect(compareRank({ nodeId: 'b', priority: 2 }, { nodeId: 'a', priority: 2 })).toBeGreaterThan(0);
    expect(compareRank({ nodeId: 'a', priority: 2 }, { nodeId: 'a', priority: 2 })).toBe(0);
  });

  it('ranks the roster from lowest to highest: the index is the term lane', () => {
    const roster = rankedRoster([
      { nodeId: 'c', priority: 0 },
      { nodeId: 'a', priority: 3 },
      { nodeId: 'b', priority: 0 },
    ]);
    expect(roster.map((m) => m.nodeId)).toEqual(['b', 'c', 'a']);
  });

  it('refuses a roster with a duplicate member or more members than lanes', () => {
    const dup = () => rankedRoster([{ nodeId: 'a', priority: 0 }, { nodeId: 'a', priority: 1 }]);
    expect(dup).toThrow(NgError);
    expect(dup).toThrow(/a appears twice/);
    const many = Array.from({ length: TERM_LANES + 1 }, (_, i) => ({ nodeId: `n${i}`, priority: 0 }));
    expect(() => rankedRoster(many)).toThrow(/at most 1024 members/);
  });

  it('the next term in a lane is the smallest number above the highest seen that the lane owns', () => {
    expect(nextTermInLane(0, 3)).toBe(3);
    expect(nextTermInLane(3, 3)).toBe(TERM_LANES + 3);
    expect(nextTermInLane(5, 3)).toBe(TERM_LANES + 3);
    expect(nextTermInLane(TERM_LANES + 3, 7)).toBe(TERM_LANES + 7);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: TERM_LANES - 1 }), (seen, lane) => {
        const next = nextTermInLane(seen, lane);
        expect(next).toBeGreaterThan(seen);
        expect(next % TERM_LANES).toBe(lane);
        expect(next - TERM_LANES).toBeLessThanOrEqual(seen);
      }),
    );
  });
});
