// Replication across a 5-node cluster, one process per node as in deployment
// (bench/support/process-cluster.ts: real stores, real WSS peer links on 127.0.0.1). Figures:
//   visible_all_p50_ms / p99_ms: a write on one node until store.onChange has fired on all 4 others,
//   each node stamping its own moment with performance.timeOrigin + performance.now() (one host clock);
//   catchup_ops_per_s: one node's links are closed, ≥100k ops are written elsewhere in batches, then
//   the node comes back; ops divided by the time from its first link up until its vector matches,
//   timed inside the returning node.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VersionVector } from '../src/shared/ops';
import { hasFlag, numberFlag, percentile, report, round } from './report';
import { startProcessCluster, type NodeProcess } from './support/process-cluster';

const NODES = 5;

/** Writes `count` documents one at a time, round-robin over the nodes; returns each write's time until visible on all others. */
async function visibleAll(nodes: readonly NodeProcess[], count: number, tag: string): Promise<number[]> {
  const latencies: number[] = [];
  const waiting = new Map<string, { start: number | null; lastSeen: number; missing: Set<string>; done: () => void }>();
  const settle = (id: string) => {
    const w = waiting.get(id);
    if (!w || w.start === null || w.missing.size > 0) return;
    waiting.delete(id);
    latencies.push(w.lastSeen - w.start);
    w.done();
  };
  await Promise.all(nodes.map((node) => node.call('watch', { prefix: `${tag}-` })));
  for (const node of nodes) {
    node.onSeen((ids, at) => {
      for (const id of ids) {
        const w = waiting.get(id);
        if (!w || !w.missing.delete(node.nodeId)) continue;
        w.lastSeen = Math.max(w.lastSeen, at);
        settle(id);
      }
    });
  }
  try {
    for (let k = 0; k < count; k++) {
      const writer = nodes[k % nodes.length]!;
      const id = `${tag}-${k}`;
      await new Promise<void>((done) => {
        const w = { start: null as number | null, lastSeen: 0, missing: new Set(nodes.filter((n) => n !== writer).map((n) => n.nodeId)), done };
        waiting.set(id, w);
        void writer.call<number>('write', { id, k }).then((start) => {
          w.start = start;
          settle(id);
        });
      });
    }
  } finally {
    for (const node of nodes) node.onSeen(null);
    await Promise.all(nodes.map((node) => node.call('unwatch')));
  }
  return latencies;
}

async function waitUntil(check: () => Promise<boolean>, patienceMs: number, what: string): Promise<void> {
  const deadline = Date.now() + patienceMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`benchmark: no ${what} within ${patienceMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Closes `away`'s links, writes `ops` ops on `writer` in batches, then measures how fast `away` catches up. */
async function catchUp(nodes: readonly NodeProcess[], writer: NodeProcess, away: NodeProcess, ops: number): Promise<{ seconds: number; reconnectMs: number; cpuSeconds: number }> {
  await away.call('crash');
  const target = await writer.call<VersionVector>('bulk', { ops, batch: 1000, docs: 5000 });
  // The nodes still linked finish first, so the measurement is the returning node's catch-up alone.
  await waitUntil(async () => (await Promise.all(nodes.filter((n) => n !== away).map((n) => n.call<boolean>('holds', { target })))).every(Boolean), 120_000, 'live replication of the bulk writes');
  return away.call('catchUp', { address: writer.address, target });
}

export async function run(args: string[]): Promise<void> {
  const quick = hasFlag(args, '--quick');
  const writes = numberFlag(args, '--writes', quick ? 200 : 1000);
  const catchupOps = numberFlag(args, '--ops', 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'netgoat-bench-sync-'));
  let nodes: NodeProcess[] = [];
  try {
    nodes = await startProcessCluster(dir, NODES);
    await visibleAll(nodes, 50, 'warmup');
    const lat = (await visibleAll(nodes, writes, 'w')).sort((a, b) => a - b);
    const { seconds, reconnectMs, cpuSeconds } = await catchUp(nodes, nodes[0]!, nodes[NODES - 1]!, catchupOps);
    const where = `${NODES} nodes, one process each, WSS on 127.0.0.1`;
    report('sync', [
      { figure: 'visible_all_p50_ms', value: round(percentile(lat, 50)), note: `${lat.length} writes, round-robin writer; ${where}` },
      { figure: 'visible_all_p99_ms', value: round(percentile(lat, 99)), target: '<= 100' },
      { figure: 'catchup_ops_per_s', value: Math.round(catchupOps / seconds), target: '>= 100000', note: `${catchupOps} ops (1000 per transaction) caught up in ${round(seconds, 2)} s from link up, using ${round(cpuSeconds, 2)} s of the node's CPU` },
      { figure: 'heal_reconnect_ms', value: round(reconnectMs, 1), note: 'restart of the node\'s links until its first link is up (not part of catch-up)' },
    ], { quick, nodes: NODES, writes: lat.length, catchup_ops: catchupOps });
  } finally {
    await Promise.all(nodes.map((node) => node.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}
