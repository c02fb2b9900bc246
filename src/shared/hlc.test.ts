// The hybrid logical clock under hostile wall clocks: skewed, stalled and running backwards.
// Every node's timestamps must still strictly increase and every receive must order after the send.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NgError } from './errors';
import { HlcClock, compareHlc, decodeHlc, encodeHlc, isHlcOf, isHlcString, isValidOrigin, type Hlc } from './hlc';

const MAX_SKEW = 5_000;
const ORIGINS = ['n1', 'n2', 'n3', 'n4'] as const;

type Step =
  | { kind: 'drift'; node: number; ms: number }
  | { kind: 'tick'; node: number }
  | { kind: 'send'; from: number; to: number };

const node = fc.nat({ max: ORIGINS.length - 1 });
const steps = fc.array(
  fc.oneof(
    // Wall clocks jump forwards and backwards, far enough to cross the skew bound now and then.
    fc.record({ kind: fc.constant('drift' as const), node, ms: fc.integer({ min: -8_000, max: 8_000 }) }),
    fc.record({ kind: fc.constant('tick' as const), node }),
    fc.record({ kind: fc.constant('send' as const), from: node, to: node }),
  ),
  { maxLength: 200 },
);
const startOffsets = fc.tuple(...ORIGINS.map(() => fc.integer({ min: -20_000, max: 20_000 })));

describe('HlcClock', () => {
  it('issues strictly increasing timestamps on every node, and orders every receive after its send', () => {
    fc.assert(
      fc.property(startOffsets, steps, (offsets, plan: Step[]) => {
        const wall = offsets.map((o) => 1_700_000_000_000 + o);
        const clocks = ORIGINS.map((origin, i) => new HlcClock({ origin, now: () => wall[i]!, maxSkewMs: MAX_SKEW }));
        const last: (string | null)[] = ORIGINS.map(() => null);
        const issued = (i: number, ts: string) => {
          const prev = last[i];
          if (prev !== null && prev !== undefined) expect(compareHlc(ts, prev)).toBe(1);
          last[i] = ts;
        };
        for (const step of plan) {
          if (step.kind === 'drift') {
            wall[step.node]! += step.ms;
          } else if (step.kind === 'tick') {
            issued(step.node, clocks[step.node]!.tick());
          } else {
            const sent = clocks[step.from]!.tick();
            issued(step.from, sent);
            const receiver = clocks[step.to]!;
            const before = receiver.current();
            const ahead = decodeHlc(sent).wall - wall[step.to]!;
            if (ahead > MAX_SKEW) {
              expect(() => receiver.observe(sent)).toThrowError(expect.objectContaining({ code: 'NG_CLOCK_SKEW' }));
              expect(receiver.checkSkew(sent)?.code).toBe('NG_CLOCK_SKEW');
              expect(receiver.current()).toBe(before);
            } else {
              expect(receiver.checkSkew(sent)).toBeNull();
              receiver.observe(sent);
              // The receive is an event of the receiver: later than what it received and than its own past.
              expect(compareHlc(receiver.current(), sent)).toBe(1);
              if (step.from !== step.to) issued(step.to, receiver.current());
              const next = receiver.tick();
              expect(compareHlc(next, sent)).toBe(1);
              issued(step.to, next);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never moves its wall component backwards, and keeps it close to the fastest physical clock', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1_000, max: 1_000 }), { maxLength: 100 }), (drifts) => {
        let now = 10_000;
        let maxNow = 0;
        const clock = new HlcClock({ origin: 'n1', now: () => now });
        let prevWall = 0;
        for (const d of drifts) {
          now += d;
          maxNow = Math.max(maxNow, now);
          const { wall, counter } = decodeHlc(clock.tick());
          expect(wall).toBeGreaterThanOrEqual(prevWall);
          // Without remote input the wall part is the highest physical reading seen.
          expect(wall).toBe(maxNow);
          expect(counter).toBeLessThanOrEqual(drifts.length);
          prevWall = wall;
        }
      }),
    );
  });

  it('after a restart never reissues a timestamp, even when the wall clock went back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e12 }), fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 0, max: 1e12 }), (wall, counter, now) => {
        const last = encodeHlc({ wall, counter, origin: 'n1' });
        const clock = new HlcClock({ origin: 'n1', now: () => now, last });
        expect(clock.current()).toBe(last);
        expect(compareHlc(clock.tick(), last)).toBe(1);
      }),
    );
  });

  it('borrows the next millisecond instead of overflowing the counter', () => {
    const clock = new HlcClock({ origin: 'n1', now: () => 5, last: encodeHlc({ wall: 5, counter: 999_999, origin: 'n1' }) });
    expect(decodeHlc(clock.tick())).toEqual({ wall: 6, counter: 0, origin: 'n1' });
  });

  it('refuses a malformed remote timestamp and an invalid origin with NG_VALIDATION', () => {
    const clock = new HlcClock({ origin: 'n1', now: () => 1 });
    for (const bad of ['', '1.2.n1', '000000000000001.000001.N1', '000000000000001.000001.n1 ', 'x'.repeat(100)]) {
      expect(() => clock.observe(bad)).toThrowError(expect.objectContaining({ code: 'NG_VALIDATION' }));
    }
    expect(clock.current()).toBe(encodeHlc({ wall: 0, counter: 0, origin: 'n1' }));
    expect(() => new HlcClock({ origin: 'Bad Origin', now: () => 1 })).toThrow(NgError);
  });
});

describe('HLC encoding', () => {
  const hlc: fc.Arbitrary<Hlc> = fc.record({
    wall: fc.integer({ min: 0, max: 999_999_999_999_999 }),
    counter: fc.integer({ min: 0, max: 999_999 }),
    origin: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,63}$/),
  });
  const tupleOrder = (a: Hlc, b: Hlc): number =>
    Math.sign(a.wall - b.wall) || Math.sign(a.counter - b.counter) || (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0);

  it('round-trips, and string order is (wall, counter, origin) order', () => {
    fc.assert(
      fc.property(hlc, hlc, (a, b) => {
        expect(decodeHlc(encodeHlc(a))).toEqual(a);
        expect(compareHlc(encodeHlc(a), encodeHlc(b))).toBe(tupleOrder(a, b));
      }),
      { numRuns: 500 },
    );
  });

  // The checks scan char codes; the format they implement is this pattern.
  const HLC_PATTERN = /^\d{15}\.\d{6}\.[a-z0-9][a-z0-9_-]{0,63}$/;
  const ORIGIN_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

  it('accepts exactly the strings of the timestamp format, near misses included', () => {
    const chars = fc.constantFrom(...'0123456789.az_-Z9/:\n\u0660 '.split(''));
    const nearMiss = fc.tuple(hlc, fc.nat(90), fc.string({ unit: chars, maxLength: 3 }), fc.nat(3)).map(([h, at, text, cut]) => {
      const s = encodeHlc(h);
      return s.slice(0, at) + text + s.slice(at + cut);
    });
    fc.assert(
      fc.property(fc.oneof(nearMiss, fc.string({ unit: chars, maxLength: 90 }), hlc.map(encodeHlc)), (s) => {
        expect(isHlcString(s)).toBe(HLC_PATTERN.test(s));
        expect(isValidOrigin(s)).toBe(ORIGIN_PATTERN.test(s));
        if (HLC_PATTERN.test(s)) expect(encodeHlc(decodeHlc(s))).toBe(s);
        else expect(() => decodeHlc(s)).toThrow(NgError);
      }),
      { numRuns: 3000 },
    );
  });

  it('tells whether a timestamp was issued by a given origin', () => {
    const at = encodeHlc({ wall: 5, counter: 1, origin: 'n1' });
    expect(isHlcOf(at, 'n1')).toBe(true);
    expect(isHlcOf(at, '1')).toBe(false);
    expect(isHlcOf(encodeHlc({ wall: 5, counter: 1, origin: 'xn1' }), 'n1')).toBe(false);
  });

  it('refuses a malformed timestamp when observing it, leaving the clock untouched', () => {
    const clock = new HlcClock({ origin: 'n1', now: () => 5 });
    const before = clock.current();
    expect(() => clock.observe('00000000000009.000001.n2')).toThrow(expect.objectContaining({ code: 'NG_VALIDATION' }));
    expect(clock.current()).toBe(before);
  });
});
