// The propagate bench's node in its own process, as `netgoat serve` runs it: the store the bench
// prepared, opened afresh, and the agent gateway on a loopback port. Driven by its parent over IPC;
// it makes each change and times it here, from the write until every agent acknowledged it, so its
// CPU time and RSS are the node's alone.

import { Store } from '../../src/main/db/store';
import { createLogger } from '../../src/main/log';
import { limitHeapGrowth } from '../../src/main/heap-growth';
import { agentLinkMigrations, createAgentGateway, listenAgentGateway, type AgentGateway, type AgentGatewayListener } from '../../src/main/gateway/index';
import { startCpuProfile } from './cpu-profile';

export interface PropagateRequest {
  id: number;
  cmd: string;
  args: Record<string, unknown>;
}

export type PropagateReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

export interface NodeStats {
  cpuMs: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  failed: number;
}

let store: Store | null = null;
let gateway: AgentGateway | null = null;
let listener: AgentGatewayListener | null = null;
let acked = 0;
let failed = 0;
let target = Infinity;
let onTarget: (() => void) | null = null;
let cpuMark = process.cpuUsage();
let stopProfile: (() => Promise<void>) | null = null;

/** Resolves once `count` acks arrived since the counter was last reset. */
const acksReach = (count: number): Promise<void> => new Promise((resolve) => {
  if (acked >= count) return resolve();
  target = count;
  onTarget = resolve;
});

const commands: Record<string, (args: Record<string, unknown>) => unknown> = {
  async start({ path }) {
    // What startNode does to the process first (src/main/node.ts).
    limitHeapGrowth();
    store = Store.open({ path: path as string, nodeId: 'bench', migrations: agentLinkMigrations });
    // Link records are flushed at the gateway's own period, as deployed.
    gateway = createAgentGateway({ store, logger: createLogger({ level: 'silent' }) });
    gateway.onAck((a) => {
      if (!a.ok) failed++;
      if (++acked === target && onTarget) {
        target = Infinity;
        onTarget();
      }
    });
    listener = await listenAgentGateway(gateway, { host: '127.0.0.1', port: 0 });
    return { url: listener.url };
  },
  /** Waits for the first ack of every agent (its full snapshot applied). */
  linked: ({ agents }) => acksReach(agents as number),
  /** Changes one domain's proxy config; returns the ms until every agent acknowledged the new version. */
  async change({ domainId, value, agents }) {
    acked = 0;
    const done = acksReach(agents as number);
    const t0 = performance.now();
    store!.write('proxy_configs', domainId as string, { headers: [{ name: 'X-Served-By', value: value as string }] }, { actor: 'bench' });
    await done;
    return performance.now() - t0;
  },
  async mark({ profile }) {
    const p = profile as { dir: string; name: string } | null;
    stopProfile = p ? await startCpuProfile(p.dir, p.name) : null;
    cpuMark = process.cpuUsage();
  },
  async stats(): Promise<NodeStats> {
    const cpu = process.cpuUsage(cpuMark);
    await stopProfile?.();
    const m = process.memoryUsage();
    const mb = (n: number) => n / 1024 / 1024;
    return { cpuMs: (cpu.user + cpu.system) / 1000, rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external), failed };
  },
  async close() {
    await gateway?.close();
    await listener?.close();
    store?.close();
    setImmediate(() => process.exit(0));
  },
};

process.on('message', (msg: PropagateRequest) => {
  Promise.resolve()
    .then(() => commands[msg.cmd]!(msg.args))
    .then(
      (value) => process.send!({ id: msg.id, ok: true, value: value ?? null } satisfies PropagateReply),
      (e: unknown) => process.send!({ id: msg.id, ok: false, message: e instanceof Error ? e.message : String(e) } satisfies PropagateReply),
    );
});

// The bench went away (or was interrupted): so does its node.
process.on('disconnect', () => process.exit(1));
