// A whole cluster of election state machines on the seeded simulated network and fake clock,
// for simulation tests and bounds measurement. It checks "one leader per term" on every claim
// and names the seed in every failure so the run replays exactly.

import type { ElectionWireMessage } from '../../shared/wire/election';
import { FakeClock, type TimerId } from '../testing/fake-clock';
import { Prng } from '../testing/prng';
import { SimNetwork, type NetworkConditions } from '../testing/sim-network';
import type { ElectionTimings } from './config';
import { LeaderElection } from './election';
import type { Member } from './rank';
import type { ElectionOutput, ElectionStatus, LeadershipEvent } from './types';

export interface SimClusterOptions {
  seed: number;
  members: readonly Member[];
  conditions: NetworkConditions;
  timings?: Partial<ElectionTimings>;
}

export interface LoggedEvent {
  at: number;
  nodeId: string;
  event: LeadershipEvent;
}

interface SimNode {
  election: LeaderElection | null;
  persistedTerm: number;
  timer: TimerId | undefined;
}

export interface Agreement {
  leaderId: string;
  term: number;
}

export class SimCluster {
  readonly clock = new FakeClock();
  readonly prng: Prng;
  readonly network: SimNetwork<ElectionWireMessage>;
  readonly events: LoggedEvent[] = [];
  readonly ids: readonly string[];
  /** Every term ever claimed, and by whom. */
  readonly termLeaders = new Map<number, string>();
  private readonly nodes = new Map<string, SimNode>();

  constructor(private readonly opts: SimClusterOptions) {
    this.prng = new Prng(opts.seed);
    this.network = new SimNetwork(this.clock, this.prng, opts.conditions);
    this.ids = opts.members.map((m) => m.nodeId);
    for (const id of this.ids) this.nodes.set(id, { election: null, persistedTerm: 0, timer: undefined });
  }

  get seed(): number {
    return this.opts.seed;
  }

  now(): number {
    return this.clock.now();
  }

  /** Start (or restart after a crash) a node from its persisted term; its peers see a new link. */
  start(nodeId: string): void {
    const node = this.node(nodeId);
    if (node.election) throw new Error(`seed=${this.seed}: ${nodeId} is already running`);
    node.election = new LeaderElection({
      nodeId,
      members: this.opts.members,
      persistedTerm: node.persistedTerm,
      connectedPeers: this.ids,
      now: this.now(),
      ...(this.opts.timings ? { timings: this.opts.timings } : {}),
    });
    this.network.attach(nodeId, (from, message) => this.input(nodeId, { kind: 'message', from, message }));
    this.wake(nodeId);
    for (const peer of this.live()) if (peer !== nodeId) this.input(peer, { kind: 'peer-connected', peerId: nodeId });
  }

  startAll(): void {
    for (const id of this.ids) this.start(id);
  }

  /**
   * The process dies. `silent` (a host losing power): the peers notice only by the missing
   * heartbeats. `link-down` (a process dying on a live host): the peers' links to it close at once.
   */
  crash(nodeId: string, how: 'silent' | 'link-down' = 'silent'): void {
    const node = this.node(nodeId);
    this.clock.clearTimeout(node.timer);
    node.election = null;
    this.network.crash(nodeId);
    if (how === 'link-down') for (const peer of this.live()) this.input(peer, { kind: 'peer-disconnected', peerId: nodeId });
  }

  /** The process quits gracefully: a leader hands over first. */
  quit(nodeId: string): void {
    this.input(nodeId, { kind: 'shutdown' });
    this.crash(nodeId);
  }

  /** Nodes in different groups stop hearing each other; links stay "up", as with a silent network fault. */
  partition(groups: readonly (readonly string[])[]): void {
    this.network.partition(groups);
  }

  heal(): void {
    this.network.heal();
  }

  run(ms: number): void {
    this.clock.advance(ms);
  }

  /** Advance 1 ms at a time until `done()` holds; the elapsed time, or null after `limitMs`. */
  runUntil(done: () => boolean, limitMs: number): number | null {
    const start = this.now();
    while (this.now() - start <= limitMs) {
      if (done()) return this.now() - start;
      this.clock.advance(1);
    }
    return null;
  }

  memberOf(nodeId: string): Member {
    const member = this.opts.members.find((m) => m.nodeId === nodeId);
    if (!member) throw new Error(`seed=${this.seed}: no member ${nodeId}`);
    return member;
  }

  live(): string[] {
    return this.ids.filter((id) => this.nodes.get(id)?.election);
  }

  status(nodeId: string): ElectionStatus | null {
    return this.node(nodeId).election?.status() ?? null;
  }

  /** The leaders right now (nodes whose role is leader), with their terms. */
  leaders(): Agreement[] {
    return this.live().flatMap((id) => {
      const s = this.status(id);
      return s?.role === 'leader' ? [{ leaderId: id, term: s.term }] : [];
    });
  }

  /** The leader every live node of `group` follows, if they all follow the same live leader of `group`. */
  agreement(group: readonly string[] = this.ids): Agreement | null {
    const live = group.filter((id) => this.nodes.get(id)?.election);
    const first = live[0] === undefined ? null : this.status(live[0]);
    if (!first?.leaderId || !live.includes(first.leaderId)) return null;
    const leader = this.status(first.leaderId);
    if (leader?.role !== 'leader' || leader.term !== first.term) return null;
    for (const id of live) {
      const s = this.status(id);
      if (s?.leaderId !== first.leaderId || s.term !== first.term) return null;
    }
    return { leaderId: first.leaderId, term: first.term };
  }

  /** The highest term any live node holds. */
  highestTerm(): number {
    return Math.max(0, ...this.live().map((id) => this.status(id)?.term ?? 0));
  }

  private input(nodeId: string, input: Parameters<LeaderElection['step']>[0]): void {
    const election = this.node(nodeId).election;
    if (!election) return;
    this.apply(nodeId, election.step(input, this.now()));
    this.wake(nodeId);
  }

  private apply(nodeId: string, outputs: ElectionOutput[]): void {
    for (const o of outputs) {
      switch (o.kind) {
        case 'send':
          this.network.send(nodeId, o.to, o.message);
          break;
        case 'broadcast':
          for (const peer of this.ids) if (peer !== nodeId) this.network.send(nodeId, peer, o.message);
          break;
        case 'persist-term':
          this.node(nodeId).persistedTerm = o.term;
          break;
        case 'leadership':
          this.events.push({ at: this.now(), nodeId, event: o.event });
          if (o.event.type === 'became-leader') this.recordClaim(nodeId, o.event.term);
          break;
      }
    }
  }

  private recordClaim(nodeId: string, term: number): void {
    if (this.node(nodeId).persistedTerm !== term) {
      throw new Error(`seed=${this.seed}: ${nodeId} became leader of term ${term} before persisting it`);
    }
    const previous = this.termLeaders.get(term);
    if (previous !== undefined && previous !== nodeId) {
      throw new Error(`seed=${this.seed}: two leaders for term ${term}: ${previous} and ${nodeId} (at ${this.now()} ms)`);
    }
    this.termLeaders.set(term, nodeId);
  }

  private wake(nodeId: string): void {
    const node = this.node(nodeId);
    this.clock.clearTimeout(node.timer);
    node.timer = undefined;
    const deadline = node.election?.nextDeadline();
    if (deadline === null || deadline === undefined) return;
    node.timer = this.clock.setTimeout(() => {
      node.timer = undefined;
      this.input(nodeId, { kind: 'tick' });
    }, Math.max(0, deadline - this.now()));
  }

  private node(nodeId: string): SimNode {
    const node = this.nodes.get(nodeId);
    if (!node) throw new Error(`seed=${this.seed}: no node ${nodeId} in this cluster`);
    return node;
  }
}
