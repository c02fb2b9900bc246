// Properties of one election state machine under any sequence of inputs: terms only grow, a term
// is persisted before anything carries it, a node leads each term at most once and only in its
// own lane, and it never asks to be woken in the past.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ELECTION_WIRE_VERSION, type ElectionWireMessage } from '../../shared/wire/election';
import { LeaderElection } from './election';
import { TERM_LANES, rankedRoster, type Member } from './rank';
import type { ElectionInput } from './types';

const PEERS = ['a', 'b', 'c', 'd'] as const;
const SELF = 'c';

const term = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 4 * TERM_LANES }));
const peer = fc.constantFrom(...PEERS.filter((p) => p !== SELF));
const anyNode = fc.constantFrom(...PEERS);

const message: fc.Arbitrary<ElectionWireMessage> = fc.oneof(
  fc.record({ type: fc.constant('heartbeat' as const), v: fc.constant(ELECTION_WIRE_VERSION), term, leaderId: anyNode }),
  fc.record({ type: fc.constant('heartbeat-ack' as const), v: fc.constant(ELECTION_WIRE_VERSION), term }),
  fc.record({ type: fc.constant('election' as const), v: fc.constant(ELECTION_WIRE_VERSION), term }),
  fc.record({ type: fc.constant('alive' as const), v: fc.constant(ELECTION_WIRE_VERSION), term }),
  fc.record({ type: fc.constant('coordinator' as const), v: fc.constant(ELECTION_WIRE_VERSION), term, leaderId: anyNode }),
  fc.record({ type: fc.constant('handover' as const), v: fc.constant(ELECTION_WIRE_VERSION), term, leaderId: anyNode, successorId: anyNode }),
);

const input: fc.Arbitrary<ElectionInput> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('message' as const), from: peer, message }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'tick' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('peer-connected' as const), peerId: peer }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('peer-disconnected' as const), peerId: peer }) },
);

/** Each step: a pause (often long enough for a timeout), then an input. */
const steps = fc.array(fc.tuple(fc.integer({ min: 0, max: 1500 }), input), { maxLength: 80 });
/** A priority per node, or null for a node that is not (yet) in the member list. */
const roster = fc.array(fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }), { minLength: 4, maxLength: 4 });

function membersOf(priorities: (number | null)[]): Member[] {
  return PEERS.flatMap((nodeId, i) => {
    const priority = priorities[i];
    return priority === null || priority === undefined ? [] : [{ nodeId, priority }];
  });
}

describe('election state machine properties', () => {
  it('terms never go back, are persisted before use, and each led term is new and in the node lane', () => {
    fc.assert(
      fc.property(roster, fc.integer({ min: 0, max: 3 * TERM_LANES }), steps, (r, persistedTerm, seq) => {
        const members = membersOf(r);
        const lane = rankedRoster(members).findIndex((m) => m.nodeId === SELF);
        const node = new LeaderElection({ nodeId: SELF, members, persistedTerm, connectedPeers: [...PEERS], now: 0 });
        let now = 0;
        let durable = persistedTerm;
        let lastLed = -1;
        for (const [pause, inp] of seq) {
          now += pause;
          const before = node.status().term;
          for (const o of node.step(inp, now)) {
            if (o.kind === 'persist-term') {
              expect(o.term).toBeGreaterThan(durable);
              durable = o.term;
            } else if (o.kind === 'send' || o.kind === 'broadcast') {
              expect(o.message.term).toBe(durable);
            } else if (o.event.type === 'became-leader') {
              expect(o.event.term).toBeGreaterThan(lastLed);
              expect(o.event.term % TERM_LANES).toBe(lane);
              lastLed = o.event.term;
            }
          }
          const after = node.status();
          expect(after.term).toBeGreaterThanOrEqual(before);
          expect(after.term).toBe(durable);
          if (after.role === 'leader') expect(after.leaderId).toBe(SELF);
          if (lane < 0) expect(after.role).not.toBe('leader');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('after a tick the node never asks to be woken at or before that time', () => {
    fc.assert(
      fc.property(roster, steps, (r, seq) => {
        const node = new LeaderElection({ nodeId: SELF, members: membersOf(r), persistedTerm: 0, connectedPeers: [...PEERS], now: 0 });
        let now = 0;
        for (const [pause, inp] of seq) {
          now += pause;
          node.step(inp, now);
          node.step({ kind: 'tick' }, now);
          const next = node.nextDeadline();
          if (next !== null) expect(next).toBeGreaterThan(now);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a message of an older term changes nothing; only an election from a lower node gets an answer', () => {
    fc.assert(
      fc.property(steps, fc.array(fc.tuple(peer, message), { maxLength: 20 }), (seq, stale) => {
        const node = new LeaderElection({ nodeId: SELF, members: membersOf([0, 1, 2, 3]), persistedTerm: 0, connectedPeers: [...PEERS], now: 0 });
        let now = 0;
        for (const [pause, inp] of seq) node.step(inp, (now += pause));
        for (const [from, m] of stale) {
          const before = node.status();
          if (m.term >= before.term) continue;
          const out = node.step({ kind: 'message', from, message: m }, now);
          if (m.type === 'election') {
            // The candidate is behind: a higher node answers with the current term, so it catches up.
            if (from < SELF) expect(out[0]).toEqual({ kind: 'send', to: from, message: { type: 'alive', v: ELECTION_WIRE_VERSION, term: before.term } });
            continue;
          }
          expect(out).toEqual([]);
          expect(node.status()).toEqual(before);
        }
      }),
      { numRuns: 200 },
    );
  });
});
