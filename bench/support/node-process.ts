// One bench cluster node in its own process, as nodes run in deployment: a real store, TLS identity,
// peer mesh and election runner (bench/support/cluster-nodes.ts), driven by its parent over IPC.
// Times it reports are `performance.timeOrigin + performance.now()`, comparable across processes.

import { dominates } from '../../src/core/vector';
import type { VersionVector } from '../../src/shared/ops';
import { startBenchNode, until, type BenchNode } from './cluster-nodes';

export interface NodeRequest {
  id: number;
  cmd: string;
  args: Record<string, unknown>;
}

export type NodeReply =
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; message: string }
  /** A watched document became visible here. */
  | { kind: 'seen'; nodeId: string; ids: string[]; at: number };

const [dir, nodeId] = process.argv.slice(2) as [string, string];
const now = () => performance.timeOrigin + performance.now();
const send = (msg: NodeReply) => process.send!(msg);
let node: BenchNode | null = null;
let stopWatch: (() => void) | null = null;

const commands: Record<string, (args: Record<string, unknown>) => unknown> = {
  async start() {
    if (node) await node.start();
    else node = await startBenchNode(dir, nodeId);
    return { address: node.mesh!.address };
  },
  createCluster: () => node!.mesh!.createCluster(),
  join: async ({ address, code }) => (await node!.mesh!.join(address as string, code as string)).nodeId,
  connectedPeers: () => node!.mesh!.peers().filter((p) => p.connected).length,
  vector: () => node!.store.vector(),
  /** Reports every change to a document whose id starts with `prefix`, stamped when onChange fired. */
  watch({ prefix }) {
    stopWatch?.();
    stopWatch = node!.store.onChange((events) => {
      const at = now();
      const ids = events.filter((e) => e.id.startsWith(prefix as string)).map((e) => e.id);
      if (ids.length > 0) send({ kind: 'seen', nodeId, ids, at });
    });
  },
  unwatch() {
    stopWatch?.();
    stopWatch = null;
  },
  /** One write; returns when it started, so the parent can time it until visible elsewhere. */
  write({ id, k }) {
    const start = now();
    node!.store.write('teams', id as string, { name: `Team ${String(k)}`, createdAt: k as number }, { actor: 'bench' });
    return start;
  },
  /** `ops` writes over `docs` documents, `batch` per transaction, yielding between batches as a busy node would. */
  async bulk({ ops, batch, docs }) {
    const total = ops as number;
    const per = batch as number;
    for (let done = 0; done < total; done += per) {
      node!.store.transaction(() => {
        for (let i = done; i < Math.min(total, done + per); i++) {
          node!.store.write('teams', `bulk-${i % (docs as number)}`, { name: `Bulk ${i}`, createdAt: i }, { actor: 'bench' });
        }
      });
      await new Promise((r) => setImmediate(r));
    }
    return node!.store.vector();
  },
  holds: ({ target }) => dominates(node!.store.vector(), target as VersionVector),
  crash: () => node!.crash(),
  /**
   * Brings the links back, dials `address`, and times the catch-up here, where it happens: from the
   * first link up until this node holds `target`.
   */
  async catchUp({ address, target }) {
    const healedAt = now();
    await node!.start();
    let linkedAt = 0;
    let cpuAtLink = process.cpuUsage();
    const stop = node!.mesh!.onPeerUp(() => {
      if (linkedAt) return;
      linkedAt = now();
      cpuAtLink = process.cpuUsage();
    });
    node!.mesh!.connect(address as string);
    await until(() => linkedAt > 0 && dominates(node!.store.vector(), target as VersionVector), 120_000, 'catch-up');
    const seconds = (now() - linkedAt) / 1000;
    stop();
    const cpu = process.cpuUsage(cpuAtLink);
    // CPU the returning node spent (its own threads), so a run on a loaded machine can be read too.
    return { seconds, reconnectMs: linkedAt - healedAt, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  },
  async close() {
    stopWatch?.();
    await node?.close();
    node = null;
    setImmediate(() => process.exit(0));
  },
};

process.on('message', (msg: NodeRequest) => {
  Promise.resolve()
    .then(() => commands[msg.cmd]!(msg.args))
    .then(
      (value) => send({ kind: 'reply', id: msg.id, ok: true, value: value ?? null }),
      (e: unknown) => send({ kind: 'reply', id: msg.id, ok: false, message: e instanceof Error ? e.message : String(e) }),
    );
});

// A bench that dies (or is interrupted) must not leave its nodes running.
process.on('disconnect', () => process.exit(1));
