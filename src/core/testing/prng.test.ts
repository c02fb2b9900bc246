import { describe, expect, it } from 'vitest';
import { Prng } from './prng';

describe('Prng', () => {
  it('replays the same sequence from the same seed and a different one from another seed', () => {
    const draw = (seed: number) => {
      const p = new Prng(seed);
      return Array.from({ length: 20 }, () => p.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('keeps numbers in range and covers the range', () => {
    const p = new Prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const f = p.next();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      const n = p.int(3, 6);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(6);
      seen.add(n);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it('chance(0) is never true and chance(1) always is', () => {
    const p = new Prng(1);
    for (let i = 0; i < 100; i++) {
      expect(p.chance(0)).toBe(false);
      expect(p.chance(1)).toBe(true);
    }
  });

  it('shuffles into a permutation without touching the input', () => {
    const input = ['a', 'b', 'c', 'd', 'e'];
    const out = new Prng(3).shuffle(input);
    expect([...out].sort()).toEqual(input);
    expect(input).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(() => new Prng(1).pick([])).toThrow(RangeError);
  });
});
