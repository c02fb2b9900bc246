// The leader election as a sans-I/O state machine: bully with terms. Inputs are peer messages,
// ticks, link changes and shutdown; outputs are messages, "persist term" and leadership events.
// It owns no timer and does no I/O: the host calls step() with the time, and ticks at nextDeadline().

import { NgError } from '../../shared/errors';
import { ELECTION_WIRE_VERSION, type ElectionWireMessage } from '../../shared/wire/election';
import { ELECTION_TIMINGS, type ElectionTimings } from './config';
import { compareRank, nextTermInLane, rankedRoster, type Member } from './rank';
import type { ElectionInput, ElectionOutput, ElectionRole, ElectionStatus } from './types';

export interface LeaderElectionOptions {
  nodeId: string;
  /** The cluster's members with their configured priorities (this node included). */
  members: readonly Member[];
  /** The highest term this node persisted before it stopped; 0 for a new node. */
  persistedTerm: number;
  /** Peers whose links are up at start. */
  connectedPeers?: readonly string[];
  timings?: Partial<ElectionTimings>;
  now: number;
}

/** `asksLeft`: how many more times to ask the higher peers before claiming (challenges ask twice). */
type Candidacy = { phase: 'awaiting-alive' | 'awaiting-coordinator'; deadline: number; asksLeft: number };

/** A challenge of a live leader is not urgent: one lost "election" or "alive" must not decide it. */
const CHALLENGE_ASKS = 2;

export class LeaderElection {
  readonly nodeId: string;
  private readonly timings: ElectionTimings;
  private roster: Member[] = [];
  private readonly connected: Set<string>;
  /** When each peer was last heard from, so a quitting leader hands over to a live one. */
  private readonly peerHeardAt = new Map<string, number>();

  private role: ElectionRole = 'follower';
  /** The highest term seen; persisted before anything that carries it is sent. */
  private term: number;
  /** The leader of `term` as far as this node knows; null while it knows of none. */
  private leaderId: string | null = null;
  /** A leader that handed over: its late heartbeats for the same term must not revive it. */
  private departedLeader: string | null = null;
  private leaderHeardAt: number;
  private candidacy: Candidacy | null = null;
  private nextHeartbeatAt = 0;
  /** Since when links, members and leader have stayed the same: the hold-down clock. */
  private stableSince: number;
  private announced: { leaderId: string | null; term: number };

  constructor(opts: LeaderElectionOptions) {
    if (!Number.isSafeInteger(opts.persistedTerm) || opts.persistedTerm < 0) {
      throw new NgError('NG_VALIDATION', `The persisted election term must be a non-negative integer, not ${opts.persistedTerm}.`);
    }
    this.nodeId = opts.nodeId;
    this.timings = { ...ELECTION_TIMINGS, ...opts.timings };
    this.setRoster(opts.members);
    this.connected = new Set((opts.connectedPeers ?? []).filter((p) => p !== opts.nodeId));
    this.term = opts.persistedTerm;
    this.leaderHeardAt = opts.now;
    this.stableSince = opts.now;
    this.announced = { leaderId: null, term: this.term };
  }

  status(): ElectionStatus {
    return { nodeId: this.nodeId, role: this.role, term: this.term, leaderId: this.leaderId };
  }

  /** When the host should next call step({ kind: 'tick' }); null when nothing is pending. */
  nextDeadline(): number | null {
    const t = this.timings;
    switch (this.role) {
      case 'stopped':
        return null;
      case 'leader':
        return this.nextHeartbeatAt;
      case 'candidate':
        return this.candidacy?.deadline ?? null;
      case 'follower': {
        const suspectAt = this.leaderHeardAt + t.suspectAfterMs;
        return this.mayChallenge() ? Math.min(suspectAt, this.stableSince + t.holdDownMs) : suspectAt;
      }
    }
  }

  step(input: ElectionInput, now: number): ElectionOutput[] {
    const out: ElectionOutput[] = [];
    if (this.role === 'stopped') return out;
    switch (input.kind) {
      case 'tick':
        this.onTick(now, out);
        break;
      case 'message':
        this.onMessage(input.from, input.message, now, out);
        break;
      case 'peer-connected':
        this.onPeerConnected(input.peerId, now, out);
        break;
      case 'peer-disconnected':
        this.onPeerDisconnected(input.peerId, now, out);
        break;
      case 'members-changed':
        this.setRoster(input.members);
        this.stableSince = now;
        break;
      case 'shutdown':
        this.onShutdown(now, out);
        break;
    }
    this.announceLeader(now, out);
    return out;
  }

  private onTick(now: number, out: ElectionOutput[]): void {
    const t = this.timings;
    if (this.role === 'leader') {
      if (now >= this.nextHeartbeatAt) {
        this.broadcast(out, { type: 'heartbeat', v: ELECTION_WIRE_VERSION, term: this.term, leaderId: this.nodeId });
        this.nextHeartbeatAt = now + t.heartbeatIntervalMs;
      }
    } else if (this.role === 'candidate' && this.candidacy && now >= this.candidacy.deadline) {
      // No higher node answered: claim (or ask again). One answered but never announced itself: retry.
      const { phase, asksLeft } = this.candidacy;
      if (phase === 'awaiting-coordinator') this.startElection(now, out);
      else if (asksLeft > 0) this.startElection(now, out, asksLeft);
      else this.claim(now, out);
    } else if (this.role === 'follower') {
      if (now - this.leaderHeardAt >= t.suspectAfterMs) {
        this.leaderId = null;
        this.startElection(now, out);
      } else if (this.mayChallenge() && now - this.stableSince >= t.holdDownMs) {
        this.startElection(now, out, CHALLENGE_ASKS);
      }
    }
  }

  private onMessage(from: string, msg: ElectionWireMessage, now: number, out: ElectionOutput[]): void {
    this.peerHeardAt.set(from, now);
    switch (msg.type) {
      case 'heartbeat':
      case 'coordinator':
        if (from !== msg.leaderId) return;
        this.onLeaderClaim(msg.term, msg.leaderId, now, out);
        if (msg.type === 'heartbeat' && msg.term === this.term && this.leaderId === from) {
          this.send(out, from, { type: 'heartbeat-ack', v: ELECTION_WIRE_VERSION, term: this.term });
        }
        return;
      case 'heartbeat-ack':
        this.adoptNewerTerm(msg.term, now, out);
        return;
      case 'election':
        this.onElection(from, msg.term, now, out);
        return;
      case 'alive':
        this.adoptNewerTerm(msg.term, now, out);
        if (this.role === 'candidate' && this.candidacy?.phase === 'awaiting-alive' && this.outranks(from, this.nodeId)) {
          this.candidacy = { phase: 'awaiting-coordinator', deadline: now + this.timings.coordinatorTimeoutMs, asksLeft: 0 };
        }
        return;
      case 'handover':
        if (from === msg.leaderId) this.onHandover(msg.term, msg.leaderId, msg.successorId, now, out);
        return;
    }
  }

  /** A heartbeat or coordinator: `leaderId` says it leads `term`. */
  private onLeaderClaim(term: number, leaderId: string, now: number, out: ElectionOutput[]): void {
    if (term < this.term || leaderId === this.nodeId) return; // fencing: an older term is ignored
    if (term > this.term) {
      this.adoptNewerTerm(term, now, out);
    } else if (leaderId === this.departedLeader) {
      return;
    } else if (this.leaderId !== null && this.leaderId !== leaderId) {
      // Two claims of one term can only come from members with different rosters; the larger id wins.
      if (leaderId < this.leaderId) return;
      this.stepDown(out);
    }
    if (this.leaderId === leaderId && this.role === 'candidate') {
      // The leader we challenge is still alive; the challenge goes on.
      this.leaderHeardAt = now;
      return;
    }
    this.role = 'follower';
    this.candidacy = null;
    this.leaderId = leaderId;
    this.leaderHeardAt = now;
  }

  private onElection(from: string, term: number, now: number, out: ElectionOutput[]): void {
    this.adoptNewerTerm(term, now, out);
    if (!this.outranks(this.nodeId, from)) return;
    this.send(out, from, { type: 'alive', v: ELECTION_WIRE_VERSION, term: this.term });
    if (this.role === 'leader') {
      this.send(out, from, { type: 'heartbeat', v: ELECTION_WIRE_VERSION, term: this.term, leaderId: this.nodeId });
    } else if (this.role === 'follower' && (this.leaderId === null || this.mayChallenge())) {
      // Leaderless: take the election over. Following a lower leader: a lower node is challenging
      // it, so the change happens anyway; better one takeover by the higher node than two.
      this.startElection(now, out, this.leaderId === null ? 1 : CHALLENGE_ASKS);
    }
  }

  private onHandover(term: number, leaderId: string, successorId: string, now: number, out: ElectionOutput[]): void {
    if (term < this.term) return;
    this.adoptNewerTerm(term, now, out);
    if (this.leaderId !== null && this.leaderId !== leaderId) return; // someone newer already leads this term
    this.departedLeader = leaderId;
    this.leaderId = null;
    if (successorId === this.nodeId) {
      this.claim(now, out);
    } else {
      this.role = 'candidate';
      this.candidacy = { phase: 'awaiting-coordinator', deadline: now + this.timings.handoverTimeoutMs, asksLeft: 0 };
    }
  }

  private onPeerConnected(peerId: string, now: number, out: ElectionOutput[]): void {
    if (peerId === this.nodeId) return;
    this.connected.add(peerId);
    this.stableSince = now;
    if (this.role === 'leader') {
      this.send(out, peerId, { type: 'heartbeat', v: ELECTION_WIRE_VERSION, term: this.term, leaderId: this.nodeId });
    }
  }

  private onPeerDisconnected(peerId: string, now: number, out: ElectionOutput[]): void {
    this.connected.delete(peerId);
    this.stableSince = now;
    if (this.role === 'follower' && peerId === this.leaderId) {
      this.leaderId = null;
      this.startElection(now, out);
    }
  }

  private onShutdown(now: number, out: ElectionOutput[]): void {
    if (this.role === 'leader') {
      const successor = this.successor(now);
      if (successor !== undefined) {
        this.broadcast(out, { type: 'handover', v: ELECTION_WIRE_VERSION, term: this.term, leaderId: this.nodeId, successorId: successor });
      }
      out.push({ kind: 'leadership', event: { type: 'lost-leadership', term: this.term } });
      this.leaderId = null;
    }
    this.role = 'stopped';
    this.candidacy = null;
  }

  /** The highest-ranked peer heard from lately; failing that, the highest-ranked connected one. */
  private successor(now: number): string | undefined {
    const byRank = [...this.connected].sort((a, b) => compareRank(this.member(b), this.member(a)));
    const recent = byRank.find((p) => now - (this.peerHeardAt.get(p) ?? -Infinity) < this.timings.suspectAfterMs);
    return recent ?? byRank[0];
  }

  /** Bully: ask every higher-ranked peer; with none reachable, claim at once. */
  private startElection(now: number, out: ElectionOutput[], asks = 1): void {
    const higher = [...this.connected].filter((p) => this.outranks(p, this.nodeId));
    if (higher.length === 0) {
      this.claim(now, out);
      return;
    }
    this.role = 'candidate';
    this.candidacy = { phase: 'awaiting-alive', deadline: now + this.timings.answerTimeoutMs, asksLeft: asks - 1 };
    for (const peer of higher) this.send(out, peer, { type: 'election', v: ELECTION_WIRE_VERSION, term: this.term });
  }

  private claim(now: number, out: ElectionOutput[]): void {
    const lane = this.roster.findIndex((m) => m.nodeId === this.nodeId);
    if (lane < 0) {
      // Not (yet) a member: it may follow but never lead. Listen again for a while.
      this.role = 'follower';
      this.candidacy = null;
      this.leaderHeardAt = now;
      this.stableSince = now;
      return;
    }
    this.raiseTerm(nextTermInLane(this.term, lane), out);
    this.role = 'leader';
    this.candidacy = null;
    this.leaderId = this.nodeId;
    out.push({ kind: 'leadership', event: { type: 'became-leader', term: this.term } });
    this.broadcast(out, { type: 'coordinator', v: ELECTION_WIRE_VERSION, term: this.term, leaderId: this.nodeId });
    this.nextHeartbeatAt = now + this.timings.heartbeatIntervalMs;
  }

  /** A newer term ends whatever this node was doing in the old one. */
  private adoptNewerTerm(term: number, now: number, out: ElectionOutput[]): void {
    if (term <= this.term) return;
    this.stepDown(out);
    this.raiseTerm(term, out);
    this.role = 'follower';
    this.candidacy = null;
    this.leaderId = null;
    this.leaderHeardAt = now;
  }

  private stepDown(out: ElectionOutput[]): void {
    if (this.role !== 'leader') return;
    out.push({ kind: 'leadership', event: { type: 'lost-leadership', term: this.term } });
    this.role = 'follower';
  }

  private raiseTerm(term: number, out: ElectionOutput[]): void {
    this.term = term;
    this.departedLeader = null;
    out.push({ kind: 'persist-term', term });
  }

  /** One leader-changed event whenever (leader, term) differs from the last one announced. */
  private announceLeader(now: number, out: ElectionOutput[]): void {
    const { leaderId, term } = this;
    if (leaderId === this.announced.leaderId && (leaderId === null || term === this.announced.term)) return;
    if (leaderId !== this.announced.leaderId) this.stableSince = now;
    this.announced = { leaderId, term };
    out.push({ kind: 'leadership', event: { type: 'leader-changed', leaderId, term } });
  }

  /** A follower that outranks a lower leader may challenge it once the hold-down has passed. */
  private mayChallenge(): boolean {
    return this.leaderId !== null && this.leaderId !== this.nodeId && this.outranks(this.nodeId, this.leaderId);
  }

  private setRoster(members: readonly Member[]): void {
    this.roster = rankedRoster(members);
  }

  private member(nodeId: string): Member {
    return this.roster.find((m) => m.nodeId === nodeId) ?? { nodeId, priority: -1 };
  }

  private outranks(a: string, b: string): boolean {
    return compareRank(this.member(a), this.member(b)) > 0;
  }

  private send(out: ElectionOutput[], to: string, message: ElectionWireMessage): void {
    out.push({ kind: 'send', to, message });
  }

  private broadcast(out: ElectionOutput[], message: ElectionWireMessage): void {
    out.push({ kind: 'broadcast', message });
  }
}
