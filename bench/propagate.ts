// Control-plane propagation: one node's gateway and N agents (lightweight link clients in worker
// processes that check each envelope and acknowledge without nginx). The bench prepares the node's
// database, then runs the node (store + gateway) in a process of its own, as deployed. Each sample
// changes one domain and times, in the node, until every agent acknowledged the new version; also
// the diff bytes per agent, the CPU time of each side and the node's RSS.

import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../src/main/db/store';
import { agentLinkMigrations, createEnrollmentToken, enrollWithToken } from '../src/main/gateway/index';
import { domainId } from '../src/shared/ids';
import { hasFlag, numberFlag, percentile, report, round } from './report';
import type { NodeStats, PropagateReply, PropagateRequest } from './support/propagate-node';

const TEAM = 'team_bench';

interface WorkerStats {
  type: string;
  diffBytes: number;
  diffs: number;
  refused: number;
  /** CPU time (user + system) of the worker since the bench's mark, before the changes. */
  cpuMs: number;
}

/** Writes the node's database: the domains and one enrollment per agent; returns the agents' credentials. */
function prepare(path: string, domainCount: number, agentCount: number): { ids: string[]; credentials: { agentId: string; kid: string; secret: string }[] } {
  const store = Store.open({ path, nodeId: 'bench', migrations: agentLinkMigrations });
  try {
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
    return { ids, credentials };
  } finally {
    store.close();
  }
}

/** The node process (bench/support/propagate-node.ts) and a typed call into it. */
function startNode(): { child: ChildProcess; call: <T>(cmd: string, args?: Record<string, unknown>) => Promise<T> } {
  // From a one-file build, as bin/netgoat.mjs runs a node: no TypeScript loader in the process measured.
  const child = fork(join(import.meta.dirname, 'support', 'built-process.mjs'), ['bench/support/propagate-node.ts'], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  child.on('message', (msg: PropagateReply) => {
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.ok) p?.resolve(msg.value);
    else p?.reject(new Error(`bench node: ${msg.message}`));
  });
  child.once('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`bench node exited (${code})`));
    pending.clear();
  });
  const call = <T>(cmd: string, args: Record<string, unknown> = {}) => new Promise<T>((resolve, reject) => {
    const id = ++nextId;
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    child.send({ id, cmd, args } satisfies PropagateRequest);
  });
  return { child, call };
}

/** Asks a worker process for one message and waits for its answer of the given type. */
const askWorker = <T>(w: ChildProcess, msg: Record<string, unknown>, answer: string): Promise<T> => new Promise((resolve) => {
  const on = (m: { type: string }) => {
    if (m.type !== answer) return;
    w.off('message', on);
    resolve(m as T);
  };
  w.on('message', on);
  w.send(msg);
});

/** Ends a child process: asks it to stop, kills it if it has not within 5 s. */
const stopChild = (c: ChildProcess, stop: () => void): Promise<void> => new Promise((resolve) => {
  if (c.exitCode !== null || c.signalCode !== null) return resolve();
  const force = setTimeout(() => c.kill('SIGKILL'), 5000);
  c.once('exit', () => {
    clearTimeout(force);
    resolve();
  });
  stop();
});

export async function run(args: string[]): Promise<void> {
  const quick = hasFlag(args, '--quick');
  const agentCount = numberFlag(args, '--agents', quick ? 200 : 1000);
  // Every agent first receives the whole state: 10,000 agents × 1,000 domains would be 10 GB of setup.
  const domainCount = numberFlag(args, '--domains', quick ? 100 : agentCount > 1000 ? 100 : 1000);
  const samples = numberFlag(args, '--samples', quick ? 20 : 100);
  // Changes made and acknowledged before timing starts: the first few after setup run cold code
  // paths on both sides (measured 2–3× slower), which says nothing about a running fleet.
  const warmup = numberFlag(args, '--warmup', quick ? 3 : 10);
  // One worker process holds all simulated agents, even 10,000 (their client is a few frames of
  // code, bench/support/raw-websocket.ts): on two cores, a third busy process only adds switching
  // (10,000 agents: p99 443 ms with one worker, 594 with two; the node's CPU per change the same).
  const workerCount = numberFlag(args, '--workers', 1);
  // Where CPU profiles of the timed changes go (node.cpuprofile, agents-N.cpuprofile), when given.
  const profileAt = args.indexOf('--profile');
  const profileDir = profileAt >= 0 ? args[profileAt + 1] : undefined;
  const profile = (name: string) => (profileDir ? { dir: profileDir, name } : null);

  const dir = mkdtempSync(join(tmpdir(), 'netgoat-bench-propagate-'));
  const dbPath = join(dir, 'node.db');
  const { ids, credentials } = prepare(dbPath, domainCount, agentCount);

  const node = startNode();
  const workers: ChildProcess[] = [];
  try {
    const { url } = await node.call<{ url: string }>('start', { path: dbPath });
    // Start the agents; each gets a full snapshot and acknowledges it.
    const linked = node.call('linked', { agents: agentCount });
    const perWorker = Math.ceil(agentCount / workerCount);
    await Promise.all(Array.from({ length: workerCount }, (_, w) => new Promise<void>((resolve, reject) => {
      const child = fork(join(import.meta.dirname, 'support', 'propagate-agents.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      workers.push(child);
      child.once('error', reject);
      child.on('message', (m: { type: string }) => m.type === 'connected' && resolve());
      child.send({ type: 'start', url, agents: credentials.slice(w * perWorker, (w + 1) * perWorker) });
    })));
    await linked;

    const changeOne = (i: number, value: string) => node.call<number>('change', { domainId: ids[i % ids.length]!, value, agents: agentCount });
    for (let i = 0; i < warmup; i++) await changeOne(i, `netgoat-warmup-${i}`);

    // Each process starts counting its CPU (and profiling, when asked) before the first timed change.
    await Promise.all(workers.map((w, k) => askWorker(w, { type: 'mark', profile: profile(`agents-${k}`) }, 'marked')));
    await node.call('mark', { profile: profile('node') });
    const lat: number[] = [];
    for (let i = 0; i < samples; i++) lat.push(await changeOne(i, `netgoat-${i}`));
    const nodeStats = await node.call<NodeStats>('stats');
    lat.sort((a, b) => a - b);

    const stats = await Promise.all(workers.map((w) => askWorker<WorkerStats>(w, { type: 'stats' }, 'stats')));
    const diffBytes = stats.reduce((s, x) => s + x.diffBytes, 0);
    const diffs = stats.reduce((s, x) => s + x.diffs, 0);
    const refused = stats.reduce((s, x) => s + x.refused, 0);
    const agentsCpuMs = stats.reduce((s, x) => s + x.cpuMs, 0);

    const note = `${agentCount} agents (link clients in ${workerCount} worker process(es): envelope checked (MAC, skew, replay), body read for type, version and checksum only, ack without nginx), ${domainCount} domains, ${samples} changes timed after ${warmup} warm-up changes`;
    report('propagate', [
      { figure: 'p50_ms', value: round(percentile(lat, 50)), target: '', note: 'one domain changed → acknowledged by every agent' },
      { figure: 'p99_ms', value: round(percentile(lat, 99)), target: agentCount >= 10_000 ? '≤ 500' : '≤ 50', note },
      { figure: 'bytes_per_change', value: Math.round(diffBytes / Math.max(1, diffs)), target: '≤ 4096', note: 'signed diff frame per agent; independent of the domain count' },
      { figure: 'node_cpu_ms_per_change', value: round(nodeStats.cpuMs / samples, 2), note: 'CPU time of the node process per change (user + system): its share of the fan-out, independent of machine load' },
      { figure: 'agents_cpu_ms_per_change', value: round(agentsCpuMs / samples, 2), note: 'CPU time of all worker processes per change: the load generator\'s share of the 2 cores' },
      { figure: 'node_rss_mb', value: round(nodeStats.rssMb, 1), target: agentCount >= 10_000 ? '≤ 250' : '', note: 'RSS of the node process (store + gateway, its own process) with every agent linked, after the changes' },
      { figure: 'failed_acks', value: nodeStats.failed + refused, note: 'failed acks plus node frames the clients refused (must be 0)' },
    ], { agents: agentCount, domains: domainCount, samples, warmup, heap_used_mb: round(nodeStats.heapUsedMb, 1), heap_total_mb: round(nodeStats.heapTotalMb, 1), external_mb: round(nodeStats.externalMb, 1) });
  } finally {
    await Promise.all(workers.map((w) => stopChild(w, () => w.send({ type: 'stop' }))));
    await stopChild(node.child, () => void node.call('close').catch(() => undefined));
    rmSync(dir, { recursive: true, force: true });
  }
}
