// Replication across a 5-node cluster (bench/support/cluster-nodes.ts: real stores, real WSS peer
// links on 127.0.0.1, all in one process). Figures:
//   visible_all_p50_ms / p99_ms: a write on one node until store.onChange has fired on all 4 others;
//   catchup_ops_per_s: one node's links are closed, ≥100k ops are written elsewhere in batches, then
//   the node comes back; ops divided by the time from its first link up until its vector matches.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dominates } from '../src/core/vector';
import { hasFlag, numberFlag, percentile, report, round } from './report';
import { startBenchCluster, until, type BenchNode } from './support/cluster-nodes';

const NODES = 5;

/** Writes `count` documents one at a time, round-robin over the nodes; returns each write's time until visible on all others. */
async function visibleAll(nodes: readonly BenchNode[], count: number, tag: string): Promise<number[]> {
  const waiting = new Map<string, { start: number; missing: Set<string>; done: () => void }>();
  const stops = nodes.map((node) =>
    node.store.onChange((events) => {
      const at = performance.now();
      for (const e of events) {
        const w = waiting.get(e.id);
        if (!w || !w.missing.delete(node.nodeId) || w.missing.size > 0) continue;
        waiting.delete(e.id);
        latencies.push(at - w.start);
        w.done();
      }
    }),
  );
  const latencies: number[] = [];
  try {
    for (let k = 0; k < count; k++) {
      const writer = nodes[k % nodes.length]!;
      const id = `${tag}-${k}`;
      await new Promise<void>((done) => {
        waiting.set(id, { start: performance.now(), missing: new Set(nodes.filter((n) => n !== writer).map((n) => n.nodeId)), done });
        writer.store.write('teams', id, { name: `Team ${k}`, createdAt: k }, { actor: 'bench' });
      });
    }
  } finally {
    stops.forEach((stop) => stop());
  }
  return latencies;
}

/** Closes `away`'s links, writes `ops` ops on `writer` in batches, then measures how fast `away` catches up. */
async function catchUp(nodes: readonly BenchNode[], writer: BenchNode, away: BenchNode, ops: number): Promise<{ seconds: number; reconnectMs: number }> {
  await away.crash();
  const batch = 1000;
  const docs = 5000;
  for (let done = 0; done < ops; done += batch) {
    writer.store.transaction(() => {
      for (let i = done; i < Math.min(ops, done + batch); i++) {
        writer.store.write('teams', `bulk-${i % docs}`, { name: `Bulk ${i}`, createdAt: i }, { actor: 'bench' });
      }
    });
    // Let the live links drain between batches, as a busy node would.
    await new Promise((r) => setImmediate(r));
  }
  const target = writer.store.vector();
  // The nodes still linked finish first, so the measurement is the returning node's catch-up alone.
  await until(() => nodes.every((n) => n === away || dominates(n.store.vector(), target)), 120_000, 'live replication of the bulk writes');
  const healedAt = performance.now();
  await away.start();
  let linkedAt = 0;
  const stop = away.mesh!.onPeerUp(() => (linkedAt ||= performance.now()));
  away.mesh!.connect(writer.mesh!.address);
  await until(() => linkedAt > 0 && dominates(away.store.vector(), target), 120_000, 'catch-up');
  stop();
  return { seconds: (performance.now() - linkedAt) / 1000, reconnectMs: linkedAt - healedAt };
}

export async function run(args: string[]): Promise<void> {
  const quick = hasFlag(args, '--quick');
  const writes = numberFlag(args, '--writes', quick ? 200 : 1000);
  const catchupOps = numberFlag(args, '--ops', 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'netgoat-bench-sync-'));
  let nodes: BenchNode[] = [];
  try {
    nodes = await startBenchCluster(dir, NODES);
    await visibleAll(nodes, 50, 'warmup');
    const lat = (await visibleAll(nodes, writes, 'w')).sort((a, b) => a - b);
    const { seconds, reconnectMs } = await catchUp(nodes, nodes[0]!, nodes[NODES - 1]!, catchupOps);
    const where = `${NODES} nodes in one process, WSS on 127.0.0.1`;
    report('sync', [
      { figure: 'visible_all_p50_ms', value: round(percentile(lat, 50)), note: `${lat.length} writes, round-robin writer; ${where}` },
      { figure: 'visible_all_p99_ms', value: round(percentile(lat, 99)), target: '<= 100' },
      { figure: 'catchup_ops_per_s', value: Math.round(catchupOps / seconds), target: '>= 100000', note: `${catchupOps} ops (1000 per transaction) caught up in ${round(seconds, 2)} s from link up` },
      { figure: 'heal_reconnect_ms', value: round(reconnectMs, 1), note: 'restart of the node\'s links until its first link is up (not part of catch-up)' },
    ], { quick, nodes: NODES, writes: lat.length, catchup_ops: catchupOps });
  } finally {
    for (const node of nodes) await node.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
