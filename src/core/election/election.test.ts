// One transition per test: what a node does on each input, shown with its outputs.

import { describe, expect, it } from 'vitest';
import { ELECTION_WIRE_VERSION, type ElectionWireMessage } from '../../shared/wire/election';
import { ELECTION_TIMINGS as T } from './config';
import { LeaderElection } from './election';
import { TERM_LANES, type Member } from './rank';
import type { ElectionOutput } from './types';

// Ranks: a < b < c < d. Lanes follow rank: a=0, b=1, c=2, d=3.
const MEMBERS: Member[] = [
  { nodeId: 'a', priority: 1 },
  { nodeId: 'b', priority: 1 },
  { nodeId: 'c', priority: 5 },
  { nodeId: 'd', priority: 9 },
];
const v = ELECTION_WIRE_VERSION;

function node(nodeId: string, opts: { term?: number; peers?: string[]; members?: Member[] } = {}): LeaderElection {
  return new LeaderElection({
    nodeId,
    members: opts.members ?? MEMBERS,
    persistedTerm: opts.term ?? 0,
    connectedPeers: opts.peers ?? ['a', 'b', 'c', 'd'],
    now: 0,
  });
}

const msg = (from: string, message: ElectionWireMessage) => ({ kind: 'message' as const, from, message });
const tick = { kind: 'tick' as const };
const sends = (out: ElectionOutput[]) => out.filter((o) => o.kind === 'send' || o.kind === 'broadcast');
const events = (out: ElectionOutput[]) => out.flatMap((o) => (o.kind === 'leadership' ? [o.event] : []));

/** A follower of `leader` at `term`, as after hearing one heartbeat at time 0. */
function following(nodeId: string, leader: string, term: number, peers?: string[]): LeaderElection {
  const n = node(nodeId, { term, ...(peers ? { peers } : {}) });
  n.step(msg(leader, { type: 'heartbeat', v, term, leaderId: leader }), 0);
  return n;
}

describe('LeaderElection: start', () => {
  it('starts as a follower of no one in its persisted term and waits one suspicion window', () => {
    const n = node('b', { term: 7 });
    expect(n.status()).toEqual({ nodeId: 'b', role: 'follower', term: 7, leaderId: null });
    expect(n.nextDeadline()).toBe(T.suspectAfterMs);
    expect(n.step(tick, T.suspectAfterMs - 1)).toEqual([]);
  });

  it('refuses a persisted term that is not a non-negative integer', () => {
    for (const term of [-1, 1.5, Number.NaN]) expect(() => node('b', { term })).toThrow(/persisted election term/);
  });
});

describe('LeaderElection: electing', () => {
  it('the highest reachable node claims the next term in its lane: persist first, then announce', () => {
    const n = node('d');
    const out = n.step(tick, T.suspectAfterMs);
    expect(out).toEqual([
      { kind: 'persist-term', term: 3 },
      { kind: 'leadership', event: { type: 'became-leader', term: 3 } },
      { kind: 'broadcast', message: { type: 'coordinator', v, term: 3, leaderId: 'd' } },
      { kind: 'leadership', event: { type: 'leader-changed', leaderId: 'd', term: 3 } },
    ]);
    expect(n.status().role).toBe('leader');
  });

  it('a lower node asks only the higher-ranked peers, then claims when none answers in time', () => {
    const n = node('b');
    const out = n.step(tick, T.suspectAfterMs);
    expect(sends(out)).toEqual([
      { kind: 'send', to: 'c', message: { type: 'election', v, term: 0 } },
      { kind: 'send', to: 'd', message: { type: 'election', v, term: 0 } },
    ]);
    expect(n.status().role).toBe('candidate');
    expect(n.nextDeadline()).toBe(T.suspectAfterMs + T.answerTimeoutMs);
    expect(events(n.step(tick, T.suspectAfterMs + T.answerTimeoutMs))).toContainEqual({ type: 'became-leader', term: 1 });
  });

  it('an "alive" from a higher node makes the candidate wait for its coordinator, and ask again if none comes', () => {
    const n = node('b');
    n.step(tick, 900);
    n.step(msg('c', { type: 'alive', v, term: 0 }), 950);
    expect(n.step(tick, 1000)).toEqual([]); // the answer timeout has passed, but c answered
    expect(n.nextDeadline()).toBe(950 + T.coordinatorTimeoutMs);
    const retry = n.step(tick, 950 + T.coordinatorTimeoutMs);
    expect(sends(retry).map((o) => o.kind === 'send' && o.to)).toEqual(['c', 'd']);
  });

  it('an "alive" from a lower node does not stop a candidate', () => {
    const n = node('c');
    n.step(tick, 900);
    n.step(msg('a', { type: 'alive', v, term: 0 }), 950);
    expect(events(n.step(tick, 900 + T.answerTimeoutMs))).toContainEqual({ type: 'became-leader', term: 2 });
  });

  it('a coordinator ends the candidacy: the candidate follows the new leader', () => {
    const n = node('b');
    n.step(tick, 900);
    const out = n.step(msg('d', { type: 'coordinator', v, term: 3, leaderId: 'd' }), 960);
    expect(out).toEqual([
      { kind: 'persist-term', term: 3 },
      { kind: 'leadership', event: { type: 'leader-changed', leaderId: 'd', term: 3 } },
    ]);
    expect(n.status()).toEqual({ nodeId: 'b', role: 'follower', term: 3, leaderId: 'd' });
  });

  it('an election from a lower node gets "alive"; a leaderless follower then runs its own election', () => {
    const n = node('c');
    const out = n.step(msg('a', { type: 'election', v, term: 0 }), 10);
    expect(sends(out)).toEqual([
      { kind: 'send', to: 'a', message: { type: 'alive', v, term: 0 } },
      { kind: 'send', to: 'd', message: { type: 'election', v, term: 0 } },
    ]);
    expect(n.status().role).toBe('candidate');
  });

  it('an election from a lower node reaching the leader gets "alive" and a heartbeat', () => {
    const n = node('d');
    n.step(tick, 900);
    expect(sends(n.step(msg('a', { type: 'election', v, term: 0 }), 950))).toEqual([
      { kind: 'send', to: 'a', message: { type: 'alive', v, term: 3 } },
      { kind: 'send', to: 'a', message: { type: 'heartbeat', v, term: 3, leaderId: 'd' } },
    ]);
  });

  it('a follower with a live leader answers an election but does not start one', () => {
    const n = following('c', 'd', 3);
    expect(sends(n.step(msg('a', { type: 'election', v, term: 3 }), 100))).toEqual([{ kind: 'send', to: 'a', message: { type: 'alive', v, term: 3 } }]);
    expect(n.status().role).toBe('follower');
  });

  it('an election from a higher node is not answered', () => {
    expect(node('b').step(msg('c', { type: 'election', v, term: 0 }), 10)).toEqual([]);
  });
});

describe('LeaderElection: leading', () => {
  it('a leader heartbeats every interval and is acknowledged by its followers', () => {
    const leader = node('d');
    leader.step(tick, 900);
    expect(leader.nextDeadline()).toBe(900 + T.heartbeatIntervalMs);
    expect(leader.step(tick, 1000)).toEqual([]);
    const beat = leader.step(tick, 900 + T.heartbeatIntervalMs);
    expect(beat).toEqual([{ kind: 'broadcast', message: { type: 'heartbeat', v, term: 3, leaderId: 'd' } }]);
    const follower = node('a');
    expect(sends(follower.step(msg('d', { type: 'heartbeat', v, term: 3, leaderId: 'd' }), 1100))).toEqual([
      { kind: 'send', to: 'd', message: { type: 'heartbeat-ack', v, term: 3 } },
    ]);
  });

  it('a leader greets a newly connected peer with a heartbeat', () => {
    const leader = node('d', { peers: ['a'] });
    leader.step(tick, 900);
    expect(leader.step({ kind: 'peer-connected', peerId: 'b' }, 950)).toEqual([
      { kind: 'send', to: 'b', message: { type: 'heartbeat', v, term: 3, leaderId: 'd' } },
    ]);
  });

  it('a leader that hears a newer term steps down and persists it (fencing)', () => {
    const leader = node('d');
    leader.step(tick, 900);
    const out = leader.step(msg('c', { type: 'heartbeat', v, term: TERM_LANES + 2, leaderId: 'c' }), 1000);
    expect(out).toEqual([
      { kind: 'leadership', event: { type: 'lost-leadership', term: 3 } },
      { kind: 'persist-term', term: TERM_LANES + 2 },
      { kind: 'send', to: 'c', message: { type: 'heartbeat-ack', v, term: TERM_LANES + 2 } },
      { kind: 'leadership', event: { type: 'leader-changed', leaderId: 'c', term: TERM_LANES + 2 } },
    ]);
    expect(leader.status()).toEqual({ nodeId: 'd', role: 'follower', term: TERM_LANES + 2, leaderId: 'c' });
  });

  it('a leader learns a newer term from any message, even an ack', () => {
    const leader = node('d');
    leader.step(tick, 900);
    expect(events(leader.step(msg('a', { type: 'heartbeat-ack', v, term: 2000 }), 950))).toContainEqual({ type: 'lost-leadership', term: 3 });
    expect(leader.status().term).toBe(2000);
  });

  it('a heartbeat or coordinator of an older term is ignored', () => {
    const n = following('b', 'c', 2050);
    expect(n.step(msg('d', { type: 'coordinator', v, term: 3, leaderId: 'd' }), 10)).toEqual([]);
    expect(n.step(msg('d', { type: 'heartbeat', v, term: 3, leaderId: 'd' }), 10)).toEqual([]);
    expect(n.status()).toEqual({ nodeId: 'b', role: 'follower', term: 2050, leaderId: 'c' });
  });

  it('a heartbeat whose sender is not the leader it names is ignored', () => {
    const n = node('b');
    expect(n.step(msg('a', { type: 'heartbeat', v, term: 5, leaderId: 'd' }), 10)).toEqual([]);
    expect(n.status().term).toBe(0);
  });

  it('two claims of one term (members with different rosters) resolve to the larger id', () => {
    const n = following('a', 'b', 9);
    n.step(msg('c', { type: 'coordinator', v, term: 9, leaderId: 'c' }), 10);
    expect(n.status().leaderId).toBe('c');
    n.step(msg('b', { type: 'heartbeat', v, term: 9, leaderId: 'b' }), 20);
    expect(n.status().leaderId).toBe('c');
  });
});

describe('LeaderElection: suspecting', () => {
  it('a follower that hears nothing for the suspicion window forgets the leader and elects', () => {
    const n = following('c', 'd', 3);
    expect(n.nextDeadline()).toBe(T.suspectAfterMs);
    n.step(msg('d', { type: 'heartbeat', v, term: 3, leaderId: 'd' }), 200);
    expect(n.nextDeadline()).toBe(200 + T.suspectAfterMs);
    const out = n.step(tick, 200 + T.suspectAfterMs);
    expect(events(out)).toEqual([{ type: 'leader-changed', leaderId: null, term: 3 }]);
    expect(sends(out)).toEqual([{ kind: 'send', to: 'd', message: { type: 'election', v, term: 3 } }]);
  });

  it('a lost link to the leader starts an election at once', () => {
    const n = following('c', 'd', 3);
    const out = n.step({ kind: 'peer-disconnected', peerId: 'd' }, 50);
    expect(events(out)).toContainEqual({ type: 'became-leader', term: TERM_LANES + 2 });
  });

  it('the suspected leader heard again is followed again', () => {
    const n = following('c', 'd', 3);
    n.step(tick, T.suspectAfterMs);
    n.step(msg('d', { type: 'heartbeat', v, term: 3, leaderId: 'd' }), T.suspectAfterMs + 10);
    expect(n.status()).toEqual({ nodeId: 'c', role: 'follower', term: 3, leaderId: 'd' });
  });
});

describe('LeaderElection: hold-down', () => {
  it('a node that outranks its leader challenges only after the hold-down', () => {
    const n = following('d', 'c', 2);
    for (let t = 200; t < T.holdDownMs; t += 200) {
      expect(events(n.step(msg('c', { type: 'heartbeat', v, term: 2, leaderId: 'c' }), t))).toEqual([]);
      expect(n.step(tick, t)).toEqual([]);
    }
    n.step(msg('c', { type: 'heartbeat', v, term: 2, leaderId: 'c' }), T.holdDownMs - 1);
    expect(n.nextDeadline()).toBe(T.holdDownMs);
    expect(events(n.step(tick, T.holdDownMs))).toContainEqual({ type: 'became-leader', term: 3 });
  });

  it('a link change restarts the hold-down', () => {
    const n = following('d', 'c', 2);
    const heartbeat = msg('c', { type: 'heartbeat', v, term: 2, leaderId: 'c' });
    n.step({ kind: 'peer-connected', peerId: 'a' }, 2500);
    for (let t = 200; t < 2500 + T.holdDownMs; t += 200) {
      n.step(heartbeat, t);
      expect(n.step(tick, t), `challenged at ${t} ms`).toEqual([]);
    }
    n.step(heartbeat, 2500 + T.holdDownMs - 1);
    expect(events(n.step(tick, 2500 + T.holdDownMs))).toContainEqual({ type: 'became-leader', term: 3 });
  });

  it('a challenger asks twice, and keeps challenging while the leader it challenges heartbeats', () => {
    const n = following('c', 'b', 1);
    n.step(msg('b', { type: 'heartbeat', v, term: 1, leaderId: 'b' }), T.holdDownMs - 100);
    n.step(tick, T.holdDownMs); // asks d first: d outranks c
    expect(n.status().role).toBe('candidate');
    n.step(msg('b', { type: 'heartbeat', v, term: 1, leaderId: 'b' }), T.holdDownMs + 50);
    expect(n.status()).toEqual({ nodeId: 'c', role: 'candidate', term: 1, leaderId: 'b' });
    const askAgain = n.step(tick, T.holdDownMs + T.answerTimeoutMs);
    expect(sends(askAgain)).toEqual([{ kind: 'send', to: 'd', message: { type: 'election', v, term: 1 } }]);
    expect(events(askAgain)).toEqual([]);
    expect(events(n.step(tick, T.holdDownMs + 2 * T.answerTimeoutMs))).toContainEqual({ type: 'became-leader', term: 2 });
  });

  it('a higher node asked by a challenger takes the challenge over, even within its own hold-down', () => {
    const n = following('d', 'b', 1);
    const out = n.step(msg('c', { type: 'election', v, term: 1 }), 500);
    expect(sends(out)[0]).toEqual({ kind: 'send', to: 'c', message: { type: 'alive', v, term: 1 } });
    expect(events(out)).toContainEqual({ type: 'became-leader', term: 3 });
  });

  it('a lower node never challenges a higher leader', () => {
    const n = following('a', 'c', 2);
    n.step(msg('c', { type: 'heartbeat', v, term: 2, leaderId: 'c' }), 800);
    expect(n.nextDeadline()).toBe(800 + T.suspectAfterMs);
  });
});

describe('LeaderElection: quitting', () => {
  it('a leader that quits names the highest peer heard lately as successor and stops', () => {
    const leader = node('c');
    leader.step(tick, 900); // asks d, which never answers
    leader.step(tick, 1000);
    expect(leader.status().role).toBe('leader');
    leader.step(msg('b', { type: 'heartbeat-ack', v, term: 2 }), 1200);
    leader.step(msg('a', { type: 'heartbeat-ack', v, term: 2 }), 1200);
    const out = leader.step({ kind: 'shutdown' }, 1300);
    expect(out).toEqual([
      { kind: 'broadcast', message: { type: 'handover', v, term: 2, leaderId: 'c', successorId: 'b' } },
      { kind: 'leadership', event: { type: 'lost-leadership', term: 2 } },
      { kind: 'leadership', event: { type: 'leader-changed', leaderId: null, term: 2 } },
    ]);
    expect(leader.status().role).toBe('stopped');
    expect(leader.nextDeadline()).toBeNull();
    expect(leader.step(tick, 5000)).toEqual([]);
  });

  it('the named successor claims at once', () => {
    const n = following('b', 'c', 2);
    const out = n.step(msg('c', { type: 'handover', v, term: 2, leaderId: 'c', successorId: 'b' }), 100);
    expect(out.slice(0, 2)).toEqual([
      { kind: 'persist-term', term: TERM_LANES + 1 },
      { kind: 'leadership', event: { type: 'became-leader', term: TERM_LANES + 1 } },
    ]);
  });

  it('the others wait for the successor, ignore the departed leader, and elect if the successor stays silent', () => {
    const n = following('a', 'c', 2);
    n.step(msg('c', { type: 'handover', v, term: 2, leaderId: 'c', successorId: 'b' }), 100);
    expect(n.status()).toEqual({ nodeId: 'a', role: 'candidate', term: 2, leaderId: null });
    expect(n.step(msg('c', { type: 'heartbeat', v, term: 2, leaderId: 'c' }), 120)).toEqual([]);
    expect(n.nextDeadline()).toBe(100 + T.handoverTimeoutMs);
    expect(sends(n.step(tick, 100 + T.handoverTimeoutMs)).length).toBe(3);
  });

  it('a follower that quits just stops', () => {
    const n = following('a', 'c', 2);
    expect(n.step({ kind: 'shutdown' }, 100)).toEqual([]);
    expect(n.status().role).toBe('stopped');
  });
});

describe('LeaderElection: membership', () => {
  it('a node outside the member list follows but never claims, and waits before trying again', () => {
    const n = node('x', { members: MEMBERS, peers: [] });
    expect(n.step(tick, 900)).toEqual([]);
    expect(n.status().role).toBe('follower');
    expect(n.nextDeadline()).toBe(900 + T.suspectAfterMs);
  });

  it('a node outside the member list that outranks an outside leader does not spin', () => {
    const n = node('y', { members: MEMBERS, peers: ['x'] });
    n.step(msg('x', { type: 'heartbeat', v, term: 1, leaderId: 'x' }), 0);
    n.step({ kind: 'peer-disconnected', peerId: 'a' }, 0);
    n.step(msg('x', { type: 'heartbeat', v, term: 1, leaderId: 'x' }), T.holdDownMs - 10);
    n.step(tick, T.holdDownMs);
    expect(n.nextDeadline()).toBeGreaterThan(T.holdDownMs);
  });

  it('a new member list changes who outranks whom', () => {
    const n = node('a');
    n.step({ kind: 'members-changed', members: [{ nodeId: 'a', priority: 100 }, ...MEMBERS.slice(1)] }, 0);
    expect(events(n.step(tick, 900))).toContainEqual({ type: 'became-leader', term: 3 });
  });
});
