// Cluster nodes for the sync and failover benchmarks, all in this one process on 127.0.0.1: each
// with its own SQLite file, TLS identity, peer mesh (real WSS sockets) and election runner with the
// production timings. One event loop serves all of them, which makes latencies pessimistic.

import { join } from 'node:path';
import { Store } from '../../src/main/db/store';
import { createLogger, type Logger } from '../../src/main/log';
import { clusterMigrations } from '../../src/main/cluster/migrations';
import { ClusterKeys } from '../../src/main/cluster/cluster-keys';
import { loadOrCreateNodeCertificate, type NodeCertificate } from '../../src/main/cluster/node-certificate';
import { ElectionRunner } from '../../src/main/cluster/election-runner';
import { PeerMesh } from '../../src/main/net/peer-mesh';

export interface BenchNode {
  readonly nodeId: string;
  readonly store: Store;
  mesh: PeerMesh | null;
  runner: ElectionRunner | null;
  /** Opens the peer links and the election (again). */
  start(): Promise<void>;
  /** Stops without a handover and closes the links, as a crash would. */
  crash(): Promise<void>;
  /** Stops sending election traffic while the links stay up: a hung leader, found only by missed heartbeats. */
  fallSilent(): void;
  /** Quits cleanly: handover first, then the links. */
  quit(): Promise<void>;
  close(): Promise<void>;
}

export async function startBenchNode(dir: string, nodeId: string, log: Logger = createLogger({ level: 'error' })): Promise<BenchNode> {
  const store = Store.open({ path: join(dir, `${nodeId}.db`), nodeId, migrations: clusterMigrations, durability: 'normal' });
  const keys = new ClusterKeys(store.db);
  const certificate: NodeCertificate = loadOrCreateNodeCertificate(store.db, nodeId);
  // A restarted node listens where it did before: that is the address its peers hold for it.
  let port = 0;
  const node: BenchNode = {
    nodeId, store, mesh: null, runner: null,
    async start() {
      node.mesh = await PeerMesh.start({ store, keys, certificate, log, name: nodeId, listen: { host: '127.0.0.1', port } });
      port = Number(new URL(node.mesh.address).port);
      node.runner = new ElectionRunner({ store, mesh: node.mesh, log });
    },
    async crash() {
      node.runner?.close({ handover: false });
      await node.mesh?.close();
      node.runner = null;
      node.mesh = null;
    },
    fallSilent() {
      node.runner?.close({ handover: false });
      node.runner = null;
    },
    async quit() {
      node.runner?.close();
      await node.mesh?.close();
      node.runner = null;
      node.mesh = null;
    },
    async close() {
      await node.quit();
      store.close();
    },
  };
  await node.start();
  return node;
}

/** `n` nodes: the first creates the cluster, the others join it; resolves once every link is up. */
export async function startBenchCluster(dir: string, n: number): Promise<BenchNode[]> {
  const nodes = await Promise.all(Array.from({ length: n }, (_, i) => startBenchNode(dir, `nb${i}`)));
  const [first, ...rest] = nodes as [BenchNode, ...BenchNode[]];
  const code = first.mesh!.createCluster();
  for (const node of rest) await node.mesh!.join(first.mesh!.address, code);
  await until(() => nodes.every((node) => node.mesh!.peers().filter((p) => p.connected).length === n - 1), 30_000, 'a full mesh');
  return nodes;
}

export async function until(check: () => boolean, patienceMs: number, what: string): Promise<void> {
  const deadline = Date.now() + patienceMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`benchmark setup: no ${what} within ${patienceMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The leader every given node names in one term, or null while they disagree. */
export function agreedLeader(nodes: readonly BenchNode[]): { nodeId: string; term: number } | null {
  let agreed: { nodeId: string; term: number } | null = null;
  for (const node of nodes) {
    const s = node.runner?.status();
    if (!s?.leaderId) return null;
    if (agreed && (agreed.nodeId !== s.leaderId || agreed.term !== s.term)) return null;
    agreed = { nodeId: s.leaderId, term: s.term };
  }
  return agreed;
}
