// Leader failover in a 5-node cluster (bench/support/cluster-nodes.ts: real WSS peer links on
// 127.0.0.1, the production election timings, one process). Each round takes the leader away
// three ways and times until every remaining node names the same new leader:
//   failover_*:       the leader falls silent (links stay up), found only by missed heartbeats;
//   crash_failover_*: the leader crashes (no handover, its links close);
//   handoff_*:        the leader quits cleanly and hands over.
// The node is restarted between rounds and the cluster settles back on the top-ranked leader.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasFlag, numberFlag, percentile, report, round } from './report';
import { agreedLeader, startBenchCluster, until, type BenchNode } from './support/cluster-nodes';

const NODES = 5;

type Removal = 'silent' | 'crash' | 'quit';

/** Waits (polling every millisecond) until all of `rest` agree on a leader other than `old`; returns the ms taken. */
async function timeToNewLeader(rest: readonly BenchNode[], old: string, startedAt: number, patienceMs = 10_000): Promise<number> {
  for (;;) {
    const l = agreedLeader(rest);
    if (l && l.nodeId !== old) return performance.now() - startedAt;
    if (performance.now() - startedAt > patienceMs) throw new Error(`no new leader agreed within ${patienceMs} ms`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Every node up, fully linked, and following the top-ranked node (so no takeover can land mid-measurement). */
async function settled(nodes: readonly BenchNode[]): Promise<BenchNode> {
  const top = [...nodes].sort((a, b) => (a.nodeId < b.nodeId ? 1 : -1))[0]!;
  try {
    await until(() => nodes.every((n) => n.mesh!.peers().filter((p) => p.connected).length === nodes.length - 1) && agreedLeader(nodes)?.nodeId === top.nodeId, 30_000, 'settled cluster');
  } catch (e) {
    console.error(nodes.map((n) => `${n.nodeId}: ${JSON.stringify(n.runner!.status())} links ${n.mesh!.peers().filter((p) => p.connected).map((p) => p.nodeId).join(',')}`).join('\n'));
    throw e;
  }
  return top;
}

async function oneRound(nodes: readonly BenchNode[], how: Removal): Promise<number> {
  const leader = await settled(nodes);
  const rest = nodes.filter((n) => n !== leader);
  const startedAt = performance.now();
  if (how === 'silent') leader.fallSilent();
  else if (how === 'crash') await leader.crash();
  else await leader.quit();
  const ms = await timeToNewLeader(rest, leader.nodeId, startedAt);
  if (how === 'silent') await leader.crash();
  await leader.start();
  return ms;
}

export async function run(args: string[]): Promise<void> {
  const quick = hasFlag(args, '--quick');
  const rounds = numberFlag(args, '--rounds', quick ? 5 : 20);
  const dir = mkdtempSync(join(tmpdir(), 'netgoat-bench-failover-'));
  let nodes: BenchNode[] = [];
  const samples: Record<Removal, number[]> = { silent: [], crash: [], quit: [] };
  try {
    nodes = await startBenchCluster(dir, NODES);
    for (let r = 0; r < rounds; r++) {
      for (const how of ['silent', 'crash', 'quit'] as const) samples[how].push(await oneRound(nodes, how));
    }
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const [silent, crash, quit] = [sorted(samples.silent), sorted(samples.crash), sorted(samples.quit)];
    const where = `${NODES} nodes in one process, WSS on 127.0.0.1, production timings`;
    report('failover', [
      { figure: 'failover_p50_ms', value: round(percentile(silent, 50), 1), note: `${rounds} rounds; leader falls silent, links up: heartbeat suspicion + election; ${where}` },
      { figure: 'failover_p99_ms', value: round(percentile(silent, 99), 1), target: '<= 1500' },
      { figure: 'crash_failover_p50_ms', value: round(percentile(crash, 50), 1), note: 'leader crashes without handover; its links close' },
      { figure: 'crash_failover_p99_ms', value: round(percentile(crash, 99), 1), target: '<= 1500' },
      { figure: 'handoff_p50_ms', value: round(percentile(quit, 50), 1), note: 'leader quits and hands over' },
      { figure: 'handoff_p99_ms', value: round(percentile(quit, 99), 1), target: '<= 300' },
    ], { quick, nodes: NODES, rounds });
  } finally {
    for (const node of nodes) await node.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
