// Draft editing by path: the paths are the ones validation errors carry.
import { describe, expect, it } from 'vitest';
import { getIn, setIn } from './draft';

describe('setIn', () => {
  it('replaces the value at a path and copies only the containers along it', () => {
    const draft = { pools: [{ name: 'a', servers: [{ port: 1 }] }], other: { keep: true } };
    const next = setIn(draft, ['pools', 0, 'servers', 0, 'port'], 8080);
    expect(getIn(next, ['pools', 0, 'servers', 0, 'port'])).toBe(8080);
    expect(draft.pools[0]!.servers[0]!.port).toBe(1);
    expect(next.other).toBe(draft.other);
    expect(Array.isArray(next.pools)).toBe(true);
  });
});
