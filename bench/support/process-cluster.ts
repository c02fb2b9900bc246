// A bench cluster of one process per node (bench/support/node-process.ts), linked by real WSS peer
// links on 127.0.0.1: each node encodes, sends, receives and applies on its own thread, as deployed.

import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { NodeReply, NodeRequest } from './node-process';

export interface NodeProcess {
  readonly nodeId: string;
  address: string;
  call<T>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  /** Called with each batch of watched ids this node saw change, and when. */
  onSeen(cb: ((ids: string[], at: number) => void) | null): void;
  close(): Promise<void>;
}

function startNodeProcess(dir: string, nodeId: string): NodeProcess {
  // The parent's flags (the TypeScript loader, and --cpu-prof when profiling) apply to every node.
  const child: ChildProcess = fork(resolve(import.meta.dirname, 'node-process.ts'), [dir, nodeId], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let seen: ((ids: string[], at: number) => void) | null = null;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.on('message', (msg: NodeReply) => {
    if (msg.kind === 'seen') return seen?.(msg.ids, msg.at);
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.ok) p?.resolve(msg.value);
    else p?.reject(new Error(`bench node ${nodeId}: ${msg.message}`));
  });
  child.once('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`bench node ${nodeId} exited (${code})`));
    pending.clear();
  });
  const handle: NodeProcess = {
    nodeId,
    address: '',
    call: <T>(cmd: string, args: Record<string, unknown> = {}) =>
      new Promise<T>((resolveCall, reject) => {
        const id = ++nextId;
        pending.set(id, { resolve: resolveCall as (v: unknown) => void, reject });
        child.send({ id, cmd, args } satisfies NodeRequest);
      }),
    onSeen: (cb) => (seen = cb),
    async close() {
      if (child.exitCode === null) await handle.call('close').catch(() => child.kill('SIGKILL'));
      await exited;
    },
  };
  return handle;
}

/** `n` node processes: the first creates the cluster, the others join it; resolves once every link is up. */
export async function startProcessCluster(dir: string, n: number): Promise<NodeProcess[]> {
  const nodes = Array.from({ length: n }, (_, i) => startNodeProcess(dir, `nb${i}`));
  try {
    await Promise.all(nodes.map(async (node) => (node.address = (await node.call<{ address: string }>('start')).address)));
    const [first, ...rest] = nodes as [NodeProcess, ...NodeProcess[]];
    const code = await first.call<string>('createCluster');
    for (const node of rest) await node.call('join', { address: first.address, code });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const linked = await Promise.all(nodes.map((node) => node.call<number>('connectedPeers')));
      if (linked.every((c) => c === n - 1)) return nodes;
      if (Date.now() > deadline) throw new Error('benchmark setup: no full mesh within 30000 ms');
      await new Promise((r) => setTimeout(r, 20));
    }
  } catch (e) {
    await Promise.all(nodes.map((node) => node.close()));
    throw e;
  }
}
