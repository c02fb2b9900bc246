import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock';
import { Prng } from './prng';
import { SimNetwork, type NetworkConditions } from './sim-network';

type Received = { at: number; from: string; msg: number };

function net(conditions: NetworkConditions, seed = 1) {
  const clock = new FakeClock();
  const network = new SimNetwork<number>(clock, new Prng(seed), conditions);
  const inbox = new Map<string, Received[]>();
  for (const name of ['a', 'b', 'c']) {
    inbox.set(name, []);
    network.attach(name, (from, msg) => inbox.get(name)!.push({ at: clock.now(), from, msg }));
  }
  return { clock, network, inbox: (name: string) => inbox.get(name)! };
}

const steady: NetworkConditions = { latencyMs: [5, 5], dropRate: 0, duplicateRate: 0 };

describe('SimNetwork', () => {
  it('delivers after the latency, with the sender named', () => {
    const { clock, network, inbox } = net(steady);
    network.send('a', 'b', 1);
    clock.advance(4);
    expect(inbox('b')).toEqual([]);
    clock.advance(1);
    expect(inbox('b')).toEqual([{ at: 5, from: 'a', msg: 1 }]);
  });

  it('replays drops, duplicates and reordering exactly from the seed', () => {
    const run = (seed: number) => {
      const { clock, network, inbox } = net({ latencyMs: [1, 50], dropRate: 0.2, duplicateRate: 0.2 }, seed);
      for (let i = 0; i < 200; i++) network.send('a', 'b', i);
      clock.advance(100);
      return { got: inbox('b').map((r) => r.msg), stats: { ...network.stats } };
    };
    const first = run(9);
    expect(run(9)).toEqual(first);
    expect(run(10)).not.toEqual(first);
    const { got, stats } = first;
    expect(stats.dropped).toBeGreaterThan(0);
    expect(stats.duplicated).toBeGreaterThan(0);
    expect(got.length).toBe(stats.delivered);
    expect(got).not.toEqual([...got].sort((x, y) => x - y)); // reordered
  });

  it('a partition stops traffic between groups, also for messages already in flight, until healed', () => {
    const { clock, network, inbox } = net(steady);
    network.send('a', 'c', 1);
    network.partition([['a', 'b'], ['c']]);
    network.send('a', 'b', 2);
    network.send('a', 'c', 3);
    clock.advance(10);
    expect(inbox('b').map((r) => r.msg)).toEqual([2]);
    expect(inbox('c')).toEqual([]);
    network.heal();
    network.send('a', 'c', 4);
    clock.advance(10);
    expect(inbox('c').map((r) => r.msg)).toEqual([4]);
  });

  it('nodes named in no group of a partition form a group of their own', () => {
    const { network } = net(steady);
    network.partition([['a']]);
    expect(network.canReach('b', 'c')).toBe(true);
    expect(network.canReach('a', 'b')).toBe(false);
  });

  it('a crashed node neither sends nor receives, and its next life gets nothing sent to its last', () => {
    const { clock, network, inbox } = net(steady);
    network.send('a', 'b', 1);
    network.crash('b');
    network.send('b', 'a', 2);
    network.attach('b', (from, msg) => inbox('b').push({ at: clock.now(), from, msg }));
    clock.advance(10);
    expect(inbox('b')).toEqual([]);
    expect(inbox('a')).toEqual([]);
    expect(network.isUp('b')).toBe(true);
  });

  it('broadcast reaches every other endpoint', () => {
    const { clock, network, inbox } = net(steady);
    network.broadcast('a', 7);
    clock.advance(5);
    expect(inbox('a')).toEqual([]);
    expect(inbox('b').map((r) => r.msg)).toEqual([7]);
    expect(inbox('c').map((r) => r.msg)).toEqual([7]);
  });
});
