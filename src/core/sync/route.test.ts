import { describe, expect, it } from 'vitest';
import { chooseFeeders, originsToSkip } from './route';

describe('feeder choice', () => {
  it('a linked origin feeds its own ops, so no other peer forwards them', () => {
    const peers = [{ id: 'a', vector: { a: 5, b: 5 } }, { id: 'b', vector: { a: 5, b: 5 } }];
    expect(Object.fromEntries(chooseFeeders(peers))).toEqual({ a: 'a', b: 'b' });
    expect(originsToSkip('a', peers)).toEqual(['b']);
    expect(originsToSkip('b', peers)).toEqual(['a']);
  });

  it('an origin that is not linked is fed by the peer holding most of it, ties to the smaller id', () => {
    expect(Object.fromEntries(chooseFeeders([{ id: 'b', vector: { x: 3 } }, { id: 'c', vector: { x: 9 } }]))).toEqual({ b: 'b', c: 'c', x: 'c' });
    expect(chooseFeeders([{ id: 'c', vector: { x: 4 } }, { id: 'b', vector: { x: 4 } }]).get('x')).toBe('b');
    expect(originsToSkip('b', [{ id: 'b', vector: { x: 3 } }, { id: 'c', vector: { x: 9 } }])).toEqual(['c', 'x']);
  });

  it('a peer alone is told to skip nothing, and an origin it does not hold is left to whoever does', () => {
    expect(originsToSkip('a', [{ id: 'a', vector: { a: 1, x: 2 } }])).toEqual([]);
    expect(originsToSkip('a', [{ id: 'a', vector: {} }, { id: 'b', vector: { x: 1 } }])).toEqual(['b', 'x']);
  });
});
