// Control-plane propagation: one node's gateway and N agents (lightweight link clients in worker
// processes that check each envelope and acknowledge without nginx). Each sample changes one domain and times until every
// agent acknowledged the new version; also the diff bytes per agent and the node's RSS.

import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../src/main/db/store';
import { createLogger } from '../src/main/log';
import { agentLinkMigrations, createAgentGateway, createEnrollmentToken, enrollWithToken, listenAgentGateway } from '../src/main/gateway/index';
import { domainId } from '../src/shared/ids';
import { hasFlag, numberFlag, percentile, report, round } from './report';

const TEAM = 'team_bench';

interface WorkerStats {
  type: string;
  diffBytes: number;
  diffs: number;
  refused: number;
  /** CPU time (user + system) of the worker since the bench's mark, before the changes. */
  cpuMs: number;
}

export async function run(args: string[]): Promise<void> {
  const quick = hasFlag(args, '--quick');
  const agentCount = numberFlag(args, '--agents', quick ? 200 : 1000);
  // Every agent first receives the whole state: 10,000 agents × 1,000 domains would be 10 GB of setup.
  const domainCount = numberFlag(args, '--domains', quick ? 100 : agentCount > 1000 ? 100 : 1000);
  const samples = numberFlag(args, '--samples', quick ? 20 : 100);
  // Changes made and acknowledged before timing starts: the first few after setup run cold code
  // paths on both sides (measured 2–3× slower), which says nothing about a running fleet.
  const warmup = numberFlag(args, '--warmup', quick ? 3 : 10);
  const workerCount = numberFlag(args, '--workers', agentCount >= 2000 ? 2 : 1);

  const dir = mkdtempSync(join(tmpdir(), 'netgoat-bench-propagate-'));
  const store = Store.open({ path: join(dir, 'node.db'), nodeId: 'bench', migrations: agentLinkMigrations });
  const ids: string[] = [];
  store.transaction(() => {
    for (let i = 0; i < domainCount; i++) {
      const hostname = `site-${i}.example.com`;
      const id = domainId(TEAM, hostname);
      ids.push(id);
      store.write('domains', id, { teamId: TEAM, hostname, tls: { status: 'Pending', certificateId: null, notAfter: null }, wafEnabled: false, targetLabels: ['edge'], createdAt: 1 }, { actor: 'bench' });
      store.write('proxy_configs', id, {
        teamId: TEAM, domainId: id,
        upstreamPools: [{ name: 'web', method: 'round_robin', servers: [{ host: '10.0.0.1', port: 8080, weight: 1, maxFails: 1, failTimeoutS: 10, backup: false }] }],
        routes: [{ path: '/', match: 'prefix', pool: 'web' }], wafRules: [], cache: { mode: 'off', ttlSeconds: 60 },
        rateLimit: { enabled: false, requestsPerSecond: 10, burst: 0 }, headers: [{ name: 'X-Served-By', value: 'netgoat' }],
      }, { actor: 'bench' });
    }
  });
  const credentials = store.transaction(() => Array.from({ length: agentCount }, (_, i) => {
    const { token } = createEnrollmentToken(store, { teamId: TEAM, name: `edge-${i}`, labels: ['edge'], createdBy: 'bench' });
    const e = enrollWithToken(store, token);
    return { agentId: e.agentId, kid: e.kid, secret: e.key };
  }));

  const gateway = createAgentGateway({ store, logger: createLogger({ level: 'silent' }), flushIntervalMs: 1000 });
  const listener = await listenAgentGateway(gateway, { host: '127.0.0.1', port: 0 });
  const workers: ChildProcess[] = [];
  try {
    let acked = 0;
    let failed = 0;
    let onAllAcked: (() => void) | null = null;
    gateway.onAck((a) => {
      if (!a.ok) failed++;
      if (++acked === agentCount && onAllAcked) onAllAcked();
    });
    const allAcked = (): Promise<void> => new Promise((r) => (onAllAcked = r));

    // Start the agents; each gets a full snapshot and acknowledges it.
    const initial = allAcked();
    const perWorker = Math.ceil(agentCount / workerCount);
    await Promise.all(Array.from({ length: workerCount }, (_, w) => new Promise<void>((resolve, reject) => {
      const child = fork(join(import.meta.dirname, 'support', 'propagate-agents.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      workers.push(child);
      child.once('error', reject);
      child.on('message', (m: { type: string }) => m.type === 'connected' && resolve());
      child.send({ type: 'start', url: listener.url, agents: credentials.slice(w * perWorker, (w + 1) * perWorker) });
    })));
    await initial;

    /** Changes one domain and resolves with the ms until every agent acknowledged it. */
    const changeOne = async (i: number, value: string): Promise<number> => {
      acked = 0;
      const done = allAcked();
      const t0 = performance.now();
      store.write('proxy_configs', ids[i % ids.length]!, { headers: [{ name: 'X-Served-By', value }] }, { actor: 'bench' });
      await done;
      return performance.now() - t0;
    };
    for (let i = 0; i < warmup; i++) await changeOne(i, `netgoat-warmup-${i}`);

    const lat: number[] = [];
    // Each worker starts counting its CPU before the first change reaches it.
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
      const onMarked = (m: { type: string }) => {
        if (m.type !== 'marked') return;
        w.off('message', onMarked);
        resolve();
      };
      w.on('message', onMarked);
      w.send({ type: 'mark' });
    })));
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < samples; i++) lat.push(await changeOne(i, `netgoat-${i}`));
    const cpu = process.cpuUsage(cpu0);
    lat.sort((a, b) => a - b);
    const memory = process.memoryUsage();
    const rssMb = memory.rss / 1024 / 1024;

    const stats = await Promise.all(workers.map((w) => new Promise<WorkerStats>((resolve) => {
      w.on('message', (m: WorkerStats) => m.type === 'stats' && resolve(m));
      w.send({ type: 'stats' });
    })));
    const diffBytes = stats.reduce((s, x) => s + x.diffBytes, 0);
    const diffs = stats.reduce((s, x) => s + x.diffs, 0);
    const refused = stats.reduce((s, x) => s + x.refused, 0);
    const agentsCpuMs = stats.reduce((s, x) => s + x.cpuMs, 0);

    const note = `${agentCount} agents (link clients in ${workerCount} worker process(es): envelope checked, no schema check, ack without nginx), ${domainCount} domains, ${samples} changes timed after ${warmup} warm-up changes`;
    report('propagate', [
      { figure: 'p50_ms', value: round(percentile(lat, 50)), target: '', note: 'one domain changed → acknowledged by every agent' },
      { figure: 'p99_ms', value: round(percentile(lat, 99)), target: agentCount >= 10_000 ? '≤ 500' : '≤ 50', note },
      { figure: 'bytes_per_change', value: Math.round(diffBytes / Math.max(1, diffs)), target: '≤ 4096', note: 'signed diff frame per agent; independent of the domain count' },
      { figure: 'node_cpu_ms_per_change', value: round((cpu.user + cpu.system) / 1000 / samples, 2), note: 'CPU time of the node process per change (user + system): its share of the fan-out, independent of machine load' },
      { figure: 'agents_cpu_ms_per_change', value: round(agentsCpuMs / samples, 2), note: 'CPU time of all worker processes per change: the load generator\'s share of the 2 cores' },
      { figure: 'node_rss_mb', value: round(rssMb, 1), target: agentCount >= 10_000 ? '≤ 250' : '', note: 'the node process (gateway + store), agents excluded' },
      { figure: 'failed_acks', value: failed + refused, note: 'failed acks plus node frames the clients refused (must be 0)' },
    ], { agents: agentCount, domains: domainCount, samples, warmup, heap_used_mb: round(memory.heapUsed / 1024 / 1024, 1), heap_total_mb: round(memory.heapTotal / 1024 / 1024, 1), external_mb: round(memory.external / 1024 / 1024, 1) });
  } finally {
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
      if (w.exitCode !== null) return resolve();
      const force = setTimeout(() => w.kill('SIGKILL'), 5000);
      w.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      w.send({ type: 'stop' });
    })));
    await gateway.close();
    await listener.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
