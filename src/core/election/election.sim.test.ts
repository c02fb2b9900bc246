// Deterministic simulations of whole clusters over many seeds: random sizes, priorities, delays,
// drops, duplicates, crashes, quits and partitions. Every failure names its seed (`seed=N`) and
// replays exactly with it. SimCluster itself fails any run in which two nodes lead the same term.

import { afterAll, describe, expect, it } from 'vitest';
import { ELECTION_TIMINGS } from './config';
import { compareRank, type Member } from './rank';
import { SimCluster } from './sim-cluster';
import { Prng } from '../testing/prng';
import type { NetworkConditions } from '../testing/sim-network';

const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);
const FAILOVER_BOUND_MS = 1500;
const HANDOVER_BOUND_MS = 300;

const failovers: number[] = [];
const handovers: number[] = [];
const linkDownFailovers: number[] = [];

/** A cluster of 3–7 nodes with random priorities on a random lossy, jittery network. */
function randomCluster(seed: number, opts: { lossless?: boolean; distinctPriorities?: boolean } = {}): SimCluster {
  const setup = new Prng(seed ^ 0x5eed);
  const size = setup.int(3, 7);
  const members: Member[] = Array.from({ length: size }, (_, i) => ({
    nodeId: `n${i}`,
    priority: opts.distinctPriorities ? setup.int(0, 1000) * 10 + i : setup.int(0, 2),
  }));
  const conditions: NetworkConditions = {
    latencyMs: [1, setup.int(5, 40)],
    dropRate: opts.lossless ? 0 : setup.next() * 0.03,
    duplicateRate: setup.next() * 0.05,
  };
  return new SimCluster({ seed, members: setup.shuffle(members), conditions });
}

function topRanked(cluster: SimCluster, among: readonly string[] = cluster.ids): string {
  const members = among.map((nodeId) => cluster.memberOf(nodeId));
  return members.sort((a, b) => compareRank(b, a))[0]!.nodeId;
}

/** Start every node and wait for the first agreed leader. */
function bootstrap(cluster: SimCluster): string {
  cluster.startAll();
  const took = cluster.runUntil(() => cluster.agreement() !== null, 5000);
  expect(took, `seed=${cluster.seed}: no agreed leader 5 s after a cold start`).not.toBeNull();
  return cluster.agreement()!.leaderId;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

describe('election simulation', () => {
  it('after a leader crash, all live nodes agree on a new leader within 1.5 s', () => {
    for (const seed of SEEDS) {
      const cluster = randomCluster(seed);
      bootstrap(cluster);
      for (let crash = 0; crash < 2 && cluster.live().length >= 3; crash++) {
        cluster.run(cluster.prng.int(0, 1000));
        const old = cluster.agreement();
        expect(old, `seed=${seed}: no agreed leader before crash ${crash + 1}`).not.toBeNull();
        cluster.crash(old!.leaderId);
        const took = cluster.runUntil(() => cluster.agreement() !== null, FAILOVER_BOUND_MS);
        expect(took, `seed=${seed}: crash of ${old!.leaderId} at ${cluster.now()} ms: no agreement within ${FAILOVER_BOUND_MS} ms`).not.toBeNull();
        expect(cluster.agreement()!.term, `seed=${seed}: the new leader must hold a newer term`).toBeGreaterThan(old!.term);
        failovers.push(took!);
      }
    }
  });

  it("when the leader's links close as it dies, failover does not wait for the suspicion window", () => {
    for (const seed of SEEDS) {
      const cluster = randomCluster(seed, { lossless: true });
      bootstrap(cluster);
      cluster.run(cluster.prng.int(0, 1000));
      const old = cluster.agreement()!;
      cluster.crash(old.leaderId, 'link-down');
      const took = cluster.runUntil(() => cluster.agreement() !== null, ELECTION_TIMINGS.suspectAfterMs - 1);
      expect(took, `seed=${seed}: crash of ${old.leaderId} with its links closing: no agreement before a suspicion window`).not.toBeNull();
      linkDownFailovers.push(took!);
    }
  });

  it('a leader that quits hands over: a new leader is agreed within 300 ms', () => {
    // Peer links are TCP: on a live link nothing is lost, but delays, duplicates and reordering stay.
    for (const seed of SEEDS) {
      const cluster = randomCluster(seed, { lossless: true });
      bootstrap(cluster);
      cluster.run(cluster.prng.int(0, 1000));
      const old = cluster.agreement()!;
      cluster.quit(old.leaderId);
      const took = cluster.runUntil(() => cluster.agreement() !== null, HANDOVER_BOUND_MS);
      expect(took, `seed=${seed}: ${old.leaderId} quit at ${cluster.now()} ms: no new leader within ${HANDOVER_BOUND_MS} ms`).not.toBeNull();
      expect(cluster.agreement()!.term).toBeGreaterThan(old.term);
      handovers.push(took!);
    }
  });

  it('a returning higher-priority node waits out the hold-down, then takes over', () => {
    const holdDown = ELECTION_TIMINGS.holdDownMs;
    for (const seed of SEEDS) {
      const cluster = randomCluster(seed, { distinctPriorities: true });
      const top = topRanked(cluster);
      cluster.startAll();
      expect(cluster.runUntil(() => cluster.agreement()?.leaderId === top, 10_000), `seed=${seed}: ${top} never led`).not.toBeNull();
      cluster.crash(top);
      expect(cluster.runUntil(() => cluster.agreement() !== null, FAILOVER_BOUND_MS), `seed=${seed}: no failover`).not.toBeNull();
      const interim = cluster.agreement()!;
      cluster.run(cluster.prng.int(100, 2000));

      cluster.start(top);
      const returnedAt = cluster.now();
      const eventsBefore = cluster.events.length;
      cluster.run(holdDown - 1);
      const claims = cluster.events.slice(eventsBefore).filter((e) => e.event.type === 'became-leader');
      expect(claims, `seed=${seed}: leadership changed during ${top}'s hold-down`).toEqual([]);
      expect(cluster.agreement(), `seed=${seed}: the cluster must stay with ${interim.leaderId} during the hold-down`).toEqual(interim);

      const took = cluster.runUntil(() => cluster.agreement()?.leaderId === top, FAILOVER_BOUND_MS);
      expect(took, `seed=${seed}: ${top} returned at ${returnedAt} ms and never took over after the hold-down`).not.toBeNull();
    }
  });

  it('under a partition each side elects its own leader; after heal one leader holds the highest term', () => {
    for (const seed of SEEDS) {
      const cluster = randomCluster(seed);
      bootstrap(cluster);
      const ids = cluster.prng.shuffle(cluster.ids);
      const cut = cluster.prng.int(1, ids.length - 1);
      const sides = [ids.slice(0, cut), ids.slice(cut)];
      cluster.partition(sides);
      for (const side of sides) {
        const took = cluster.runUntil(() => cluster.agreement(side) !== null, FAILOVER_BOUND_MS);
        expect(took, `seed=${seed}: side [${side.join(',')}] elected no leader of its own`).not.toBeNull();
      }
      cluster.run(cluster.prng.int(0, 2000));

      const highestAtHeal = cluster.highestTerm();
      cluster.heal();
      const took = cluster.runUntil(() => cluster.agreement() !== null, FAILOVER_BOUND_MS);
      expect(took, `seed=${seed}: no single leader ${FAILOVER_BOUND_MS} ms after the heal`).not.toBeNull();
      const after = cluster.agreement()!;
      expect(after.term, `seed=${seed}: the leader after heal must hold the highest term`).toBe(cluster.highestTerm());
      expect(after.term, `seed=${seed}: a heal never goes back to an older term`).toBeGreaterThanOrEqual(highestAtHeal);
    }
  });

  it('through random crashes, restarts, quits and partitions, the cluster settles on the highest-priority node', () => {
    for (const seed of SEEDS) {
      const cluster = randomCluster(seed);
      bootstrap(cluster);
      const until = cluster.now() + 8000;
      while (cluster.now() < until) {
        cluster.run(cluster.prng.int(100, 1200));
        chaosStep(cluster);
      }
      cluster.heal();
      for (const id of cluster.ids) if (!cluster.live().includes(id)) cluster.start(id);
      const top = topRanked(cluster);
      const settle = ELECTION_TIMINGS.holdDownMs + 2 * FAILOVER_BOUND_MS;
      const took = cluster.runUntil(() => cluster.agreement()?.leaderId === top, settle);
      expect(took, `seed=${seed}: after heal and restart the cluster did not settle on ${top} within ${settle} ms`).not.toBeNull();
    }
  });
});

function chaosStep(cluster: SimCluster): void {
  const live = cluster.live();
  const down = cluster.ids.filter((id) => !live.includes(id));
  const leader = cluster.leaders()[0]?.leaderId;
  switch (cluster.prng.int(0, 4)) {
    case 0:
      if (live.length > 1) cluster.crash(cluster.prng.pick(live));
      break;
    case 1:
      if (down.length > 0) cluster.start(cluster.prng.pick(down));
      break;
    case 2:
      if (leader !== undefined && live.length > 1) cluster.quit(leader);
      break;
    case 3: {
      const ids = cluster.prng.shuffle(cluster.ids);
      const cut = cluster.prng.int(1, ids.length - 1);
      cluster.partition([ids.slice(0, cut), ids.slice(cut)]);
      break;
    }
    case 4:
      cluster.heal();
      break;
  }
}

afterAll(() => {
  if (failovers.length === 0 || handovers.length === 0 || linkDownFailovers.length === 0) return;
  console.log(
    `election sim over ${SEEDS.length} seeds: failover p50=${percentile(failovers, 50)} ms p99=${percentile(failovers, 99)} ms max=${Math.max(...failovers)} ms (n=${failovers.length}); ` +
      `failover with link-down p50=${percentile(linkDownFailovers, 50)} ms p99=${percentile(linkDownFailovers, 99)} ms (n=${linkDownFailovers.length}); ` +
      `handover p50=${percentile(handovers, 50)} ms p99=${percentile(handovers, 99)} ms max=${Math.max(...handovers)} ms (n=${handovers.length})`,
  );
});
