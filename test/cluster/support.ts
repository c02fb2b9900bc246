// Real cluster nodes in one process for the peer-link tests: real Store files, real TLS on
// 127.0.0.1, real WebSocket links, logs captured so tests can read the coded reasons.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/main/db/store';
import { createLogger, type Logger } from '../../src/main/log';
import { clusterMigrations } from '../../src/main/cluster/migrations';
import { ClusterKeys } from '../../src/main/cluster/cluster-keys';
import { loadOrCreateNodeCertificate, type NodeCertificate } from '../../src/main/cluster/node-certificate';
import { PeerMesh } from '../../src/main/net/peer-mesh';

export interface TestNode {
  nodeId: string;
  store: Store;
  keys: ClusterKeys;
  certificate: NodeCertificate;
  mesh: PeerMesh;
  logs: Record<string, unknown>[];
  log: Logger;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'ng-cluster-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function startNode(dir: string, nodeId: string, compactEveryMs = 200): Promise<TestNode> {
  const store = Store.open({ path: join(dir, `${nodeId}.db`), nodeId, migrations: clusterMigrations });
  const logs: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) } });
  const keys = new ClusterKeys(store.db);
  const certificate = loadOrCreateNodeCertificate(store.db, nodeId);
  const open = () => PeerMesh.start({ store, keys, certificate, log, name: nodeId, listen: { host: '127.0.0.1', port: 0 }, compactEveryMs });
  const node: TestNode = {
    nodeId, store, keys, certificate, logs, log, mesh: await open(),
    async restart() {
      node.mesh = await open();
    },
    async stop() {
      await node.mesh.close();
    },
  };
  return node;
}

/** Wait until `check` holds (polling); fails with `what` if it never does within the test's patience. */
export async function eventually(what: string, check: () => boolean, patienceMs = 15_000): Promise<void> {
  const deadline = Date.now() + patienceMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sameState = (nodes: TestNode[]): boolean => new Set(nodes.map((n) => n.store.stateHash())).size === 1;
