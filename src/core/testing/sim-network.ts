// A seeded in-memory network of named endpoints for simulation tests: latency, drops, duplicates,
// reordering, partitions and crashes all come from one seed, so a failing run replays exactly.

import type { FakeClock } from './fake-clock';
import type { Prng } from './prng';

export interface NetworkConditions {
  /** Each delivery takes a random latency in [min, max] ms; a wide range reorders messages. */
  latencyMs: readonly [number, number];
  /** Probability that a message is lost. */
  dropRate: number;
  /** Probability that a message is delivered twice (each copy with its own latency). */
  duplicateRate: number;
}

export type Deliver<M> = (from: string, msg: M) => void;

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

export const PERFECT_NETWORK: NetworkConditions = { latencyMs: [1, 1], dropRate: 0, duplicateRate: 0 };

export class SimNetwork<M> {
  private conditions: NetworkConditions;
  private readonly endpoints = new Map<string, Deliver<M>>();
  private readonly down = new Set<string>();
  /** Bumped on every attach, so a message sent to a node's previous life never reaches its next. */
  private readonly incarnation = new Map<string, number>();
  /** Node → partition group; empty when the network is whole. Unlisted nodes share group -1. */
  private readonly groupOf = new Map<string, number>();
  /** Node pairs whose direct link is cut ("a\u0000b", sorted). */
  private readonly cuts = new Set<string>();
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };

  constructor(
    private readonly clock: FakeClock,
    private readonly prng: Prng,
    conditions: NetworkConditions = PERFECT_NETWORK,
  ) {
    this.conditions = conditions;
  }

  configure(conditions: Partial<NetworkConditions>): void {
    this.conditions = { ...this.conditions, ...conditions };
  }

  /** Attach (or re-attach after a restart) the handler that receives messages for `name`. */
  attach(name: string, deliver: Deliver<M>): void {
    this.endpoints.set(name, deliver);
    this.incarnation.set(name, (this.incarnation.get(name) ?? 0) + 1);
    this.down.delete(name);
  }

  /** The node stops: nothing reaches it and nothing it had in flight to it is delivered. */
  crash(name: string): void {
    this.down.add(name);
  }

  isUp(name: string): boolean {
    return this.endpoints.has(name) && !this.down.has(name);
  }

  /** Split the network: nodes in different groups cannot talk. Nodes in no group form one more group. */
  partition(groups: readonly (readonly string[])[]): void {
    this.groupOf.clear();
    groups.forEach((group, i) => group.forEach((name) => this.groupOf.set(name, i)));
  }

  /** Cut the link between two nodes only (both still reach everyone else): a partial partition. */
  cut(a: string, b: string): void {
    this.cuts.add([a, b].sort().join('\u0000'));
  }

  heal(): void {
    this.groupOf.clear();
    this.cuts.clear();
  }

  canReach(from: string, to: string): boolean {
    return (this.groupOf.get(from) ?? -1) === (this.groupOf.get(to) ?? -1) && !this.cuts.has([from, to].sort().join('\u0000'));
  }

  send(from: string, to: string, msg: M): void {
    this.stats.sent++;
    if (!this.isUp(from) || !this.canReach(from, to) || this.prng.chance(this.conditions.dropRate)) {
      this.stats.dropped++;
      return;
    }
    this.schedule(from, to, msg);
    if (this.prng.chance(this.conditions.duplicateRate)) {
      this.stats.duplicated++;
      this.schedule(from, to, msg);
    }
  }

  /** Send to every other attached endpoint (each copy independently delayed, dropped or duplicated). */
  broadcast(from: string, msg: M): void {
    for (const to of this.endpoints.keys()) if (to !== from) this.send(from, to, msg);
  }

  private schedule(from: string, to: string, msg: M): void {
    const [min, max] = this.conditions.latencyMs;
    const life = this.incarnation.get(to);
    this.clock.setTimeout(() => {
      // Checked again on arrival: a crash or partition that began in flight loses the message.
      const deliver = this.endpoints.get(to);
      if (!deliver || !this.isUp(to) || this.incarnation.get(to) !== life || !this.canReach(from, to)) {
        this.stats.dropped++;
        return;
      }
      this.stats.delivered++;
      deliver(from, msg);
    }, this.prng.int(min, max));
  }
}
