// Memory of an idle agent: the real agent process enrolled at a real node gateway, with 1000
// domains applied to a real nginx, then left idle. Reports the agent process's resident set
// (VmRSS), nginx's own processes not included. The agent runs as it ships: bin/netgoat-agent.mjs
// executed as a program (its shebang's flags apply, as under systemd), which runs its one-file build
// of the agent in that same process (`--tsx` runs the sources through tsx instead, which adds tsx's
// own loader thread to the figure). The agent links over ws:// as in the README's quick start;
// `--tls` links it over wss:// to a gateway port with a self-signed certificate it pins, as
// `netgoat serve --agent-port` serves agents across a network (TLS adds ~0.5 MB).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Store } from '../src/main/db/store';
import { createLogger } from '../src/main/log';
import { agentLinkMigrations, createAgentGateway, listenAgentGateway } from '../src/main/gateway/index';
import { domainId } from '../src/shared/ids';
import { X509Certificate } from 'node:crypto';
import { freePort, stopAgentNginx } from '../test/support/nginx';
import { selfSignedCertificate } from '../test/support/certificates';
import { pinnedAgentUrl } from '../src/main/gateway/listen';
import { hasFlag, numberFlag, report, round } from './report';

const TEAM = 'team_bench';
const ROOT = resolve(import.meta.dirname, '..');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

export async function run(args: string[]): Promise<void> {
  const quick = hasFlag(args, '--quick');
  const domainCount = numberFlag(args, '--domains', 1000);
  const idleMs = numberFlag(args, '--idle-ms', quick ? 3000 : 15_000);
  const dir = mkdtempSync(join(tmpdir(), 'netgoat-bench-agent-rss-'));
  const store = Store.open({ path: join(dir, 'node.db'), nodeId: 'bench', migrations: agentLinkMigrations });
  const gateway = createAgentGateway({ store, logger: createLogger({ level: 'silent' }) });
  const cert = hasFlag(args, '--tls') ? selfSignedCertificate('127.0.0.1') : null;
  const listener = await listenAgentGateway(gateway, { host: '127.0.0.1', port: 0, ...(cert ? { tls: { cert: cert.chainPem, key: cert.keyPem } } : {}) });
  const url = cert ? pinnedAgentUrl(listener.url, new X509Certificate(cert.chainPem).fingerprint256.replace(/:/g, '').toLowerCase()) : listener.url;
  const dataDir = join(dir, 'agent');
  let agent: ChildProcess | null = null;
  try {
    store.transaction(() => {
      for (let i = 0; i < domainCount; i++) {
        const hostname = `site-${i}.example.com`;
        const id = domainId(TEAM, hostname);
        store.write('domains', id, { teamId: TEAM, hostname, tls: { status: 'Pending', certificateId: null, notAfter: null }, wafEnabled: i % 2 === 0, targetLabels: ['edge'], createdAt: 1 }, { actor: 'bench' });
        store.write('proxy_configs', id, {
          teamId: TEAM, domainId: id,
          upstreamPools: [{ name: 'web', method: 'round_robin', servers: [{ host: '127.0.0.1', port: 9 + (i % 50), weight: 1, maxFails: 1, failTimeoutS: 10, backup: false }] }],
          routes: [{ path: '/', match: 'prefix', pool: 'web' }], wafRules: [{ id: 'admin', kind: 'path', pattern: '/admin', action: 'deny', mode: 'block' }],
          cache: { mode: 'off', ttlSeconds: 60 }, rateLimit: { enabled: i % 3 === 0, requestsPerSecond: 50, burst: 10 }, headers: [{ name: 'X-Site', value: String(i) }],
        }, { actor: 'bench' });
      }
    });
    const { token } = gateway.createEnrollmentToken({ teamId: TEAM, name: 'bench edge', labels: ['edge'], createdBy: 'bench' });
    const viaTsx = hasFlag(args, '--tsx');
    // The launcher runs as a program (its shebang), or the sources run under node + tsx.
    const [program, cli] = viaTsx ? [process.execPath, ['--import', 'tsx', join(ROOT, 'src/agent/cli.ts')]] : [join(ROOT, 'bin', 'netgoat-agent.mjs'), []];
    // Asynchronous: the gateway answering the enrollment runs in this very process.
    const enrolling = spawn(program, [...cli, 'enroll', '--url', url, '--token', token, '--data-dir', dataDir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const code = await new Promise<number | null>((r) => enrolling.once('exit', r));
    if (code !== 0) throw new Error(`enroll failed (exit ${code})`);
    const agentId = (JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { agentId: string }).agentId;

    const [http, https, status, metrics] = [await freePort(), await freePort(), await freePort(), await freePort()];
    agent = spawn(program, [...cli, 'run', '--data-dir', dataDir, '--listen', '127.0.0.1', '--http-port', String(http), '--https-port', String(https),
      '--status-port', String(status), '--metrics-port', String(metrics)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });

    const t0 = performance.now();
    while (gateway.getAgent(agentId)?.sync !== 'In sync') {
      if (agent.exitCode !== null) throw new Error(`the agent exited (${agent.exitCode})`);
      if (performance.now() - t0 > 120_000) throw new Error(`the agent did not apply ${domainCount} domains within 120 s: ${JSON.stringify(gateway.getAgent(agentId))}`);
      await sleep(100);
    }
    const appliedMs = performance.now() - t0;
    // Idle: sample the resident set every 500 ms and report the peak.
    const samples: number[] = [];
    for (const end = performance.now() + idleMs; performance.now() < end; ) {
      samples.push(rssMb(agent.pid!));
      await sleep(500);
    }
    const peak = Math.max(...samples);
    report('agent-rss', [
      { figure: 'agent_rss_mb', value: round(peak, 1), target: '≤ 50', note: `peak VmRSS of the agent over ${idleMs / 1000} s idle after applying ${domainCount} domains (${viaTsx ? 'node --import tsx' : 'bin/netgoat-agent.mjs as shipped'}, over ${cert ? 'wss://' : 'ws://'}; nginx not included)` },
      { figure: 'first_apply_ms', value: round(appliedMs, 0), note: 'agent start → full state applied and acknowledged' },
    ], { domains: domainCount });
  } finally {
    if (agent && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await new Promise((r) => agent!.once('exit', r));
    }
    stopAgentNginx(dataDir);
    await gateway.close();
    await listener.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
