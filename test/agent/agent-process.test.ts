// The real agent process against a real node gateway and a real nginx: enroll, apply, serve
// through nginx, WAF and rate limit, a config nginx rejects rolled back and reported, island mode
// with the node gone, and convergence when it returns.

import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNginx, freePort, httpGet, stopAgentNginx } from '../support/nginx';
import { spawnProcess, type ProcessHandle } from '../support/process';
import { startTestNode, TEAM, upstreamProxy, writeDomain, type TestNode } from './support';

const nginx = findNginx();
const CLI = ['--import', 'tsx', 'src/agent/cli.ts'];

describe.skipIf(!nginx)('agent process with real nginx', () => {
  let node: TestNode;
  let upstream: Server;
  let upstreamPort: number;
  let dataDir: string;
  let agent: ProcessHandle | null = null;
  let agentId: string;
  const ports = { http: 0, https: 0, status: 0, metrics: 0, node: 0 };
  let domainId: string;

  const runAgent = (): ProcessHandle => spawnProcess(process.execPath, [
    ...CLI, 'run', '--data-dir', dataDir, '--listen', '127.0.0.1', '--http-port', String(ports.http), '--https-port', String(ports.https),
    '--status-port', String(ports.status), '--metrics-port', String(ports.metrics), '--heartbeat-ms', '300', '--min-backoff-ms', '200', '--drift-check-ms', '300',
  ]);

  const appliedVersion = (): number => node.gateway.getAgent(agentId)?.appliedVersion ?? 0;

  /** Waits until the agent acknowledged applying a version past `since`, and nothing more is desired. */
  const converged = async (since: number): Promise<void> => {
    await expect.poll(() => {
      const v = node.gateway.getAgent(agentId);
      return v !== undefined && v.appliedVersion > since && v.sync === 'In sync';
    }, { timeout: 20_000, interval: 100 }).toBe(true);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ng-agent-'));
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    upstream = createServer((req, res) => res.end(`upstream saw ${req.url}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    upstreamPort = (upstream.address() as { port: number }).port;
    node = await startTestNode({
      port: ports.node,
      // The test's stand-in for unsealing: the stored chain is passed through, the key is whatever the chain field says.
      unsealCertificate: (c) => ({ chainPem: c.chainPem, keyPem: c.chainPem }),
    });
  });

  afterAll(async () => {
    await agent?.stop();
    stopAgentNginx(dataDir);
    await node.cleanup();
    await new Promise<void>((r) => upstream.close(() => r()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('enrolls with a bootstrap token and keeps the key in a 0600 file', async () => {
    const { token } = node.gateway.createEnrollmentToken({ teamId: TEAM, name: 'edge one', labels: ['edge'], createdBy: 'usr_admin' });
    const enroll = spawnProcess(process.execPath, [...CLI, 'enroll', '--url', node.url, '--token', token, '--data-dir', dataDir]);
    expect((await enroll.exited).code).toBe(0);
    const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { agentId: string; keys: { kid: string }[] };
    agentId = creds.agentId;
    expect(node.store.get('agents', agentId)?.keys[0]?.kid).toBe(creds.keys[0]!.kid);
    expect(statSync(join(dataDir, 'credentials.json')).mode & 0o777).toBe(0o600);
  });

  it('applies a domain created on the node, and nginx proxies to the upstream', async () => {
    domainId = writeDomain(node.store, 'shop.example.com', { labels: ['edge'], proxy: (id) => upstreamProxy(id, upstreamPort) });
    agent = runAgent();
    await converged(0);
    const r = await httpGet(ports.http, 'shop.example.com', '/hello');
    expect(r.status).toBe(200);
    expect(r.body).toBe('upstream saw /hello');
    const status = spawnProcess(process.execPath, [...CLI, 'status', '--data-dir', dataDir]);
    expect((await status.exited).code).toBe(0);
    expect(JSON.parse(status.stdout())).toMatchObject({ agentId, link: 'connected', domains: 1 });
    await expect.poll(() => node.gateway.getAgent(agentId)?.status, { timeout: 10_000 }).toBe('Online');
    const metrics = await httpGet(ports.metrics, 'localhost', '/metrics');
    expect(metrics.body).toMatch(/netgoat_agent_connected 1/);
  });

  it('a WAF rule answers 403 and a burst over the rate limit gets 429', async () => {
    const before = appliedVersion();
    node.store.write('domains', domainId, { wafEnabled: true }, { actor: 'usr_test' });
    node.store.write('proxy_configs', domainId, {
      wafRules: [{ id: 'admin', kind: 'path', pattern: '/admin', action: 'deny', mode: 'block' }],
      rateLimit: { enabled: true, requestsPerSecond: 1, burst: 0 },
    }, { actor: 'usr_test' });
    await converged(before);
    expect((await httpGet(ports.http, 'shop.example.com', '/admin/panel')).status).toBe(403);
    const burst = await Promise.all(Array.from({ length: 8 }, () => httpGet(ports.http, 'shop.example.com', '/')));
    expect(burst.map((r) => r.status)).toContain(429);
    const limited = appliedVersion();
    node.store.write('proxy_configs', domainId, { rateLimit: { enabled: false, requestsPerSecond: 1, burst: 0 } }, { actor: 'usr_test' });
    await converged(limited);
  });

  it('a configuration nginx rejects is rolled back, reported to the node, and the previous one keeps serving', async () => {
    const before = appliedVersion();
    node.store.transaction(() => {
      node.store.write('certificates', 'cert_bad', {
        teamId: TEAM, names: ['shop.example.com'], chainPem: '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n',
        privateKey: { alg: 'aes-256-gcm', kid: 'k1', iv: 'x', tag: 'x', ct: 'x' }, notAfter: Date.now() + 86_400_000,
      }, { actor: 'usr_test' });
      node.store.write('domains', domainId, { tls: { status: 'Active', certificateId: 'cert_bad', notAfter: Date.now() + 86_400_000 } }, { actor: 'usr_test' });
    });
    await expect.poll(() => node.gateway.getAgent(agentId)?.sync, { timeout: 20_000, interval: 100 }).toBe('Sync failed');
    expect(node.gateway.getAgent(agentId)!.desiredVersion).toBeGreaterThan(before);
    const view = node.gateway.getAgent(agentId)!;
    expect(view.lastError?.code).toMatch(/^NG_/);
    expect(view.lastError?.message).toMatch(/certificate|PEM|ssl/i);
    expect(view.appliedVersion).toBe(before);
    expect((await httpGet(ports.http, 'shop.example.com', '/still')).body).toBe('upstream saw /still');

    node.store.write('domains', domainId, { tls: { status: 'Pending', certificateId: null, notAfter: null } }, { actor: 'usr_test' });
    await converged(before);
  });

  it('its watchdog restarts nginx killed under it, and restores a site file edited behind its back', async () => {
    const pidFile = join(dataDir, 'nginx', 'nginx.pid');
    const killed = Number(readFileSync(pidFile, 'utf8'));
    process.kill(killed, 'SIGKILL');
    await agent!.waitFor(/"msg":"nginx is down/, 10_000);
    // The killed master's workers may still answer for a moment: wait for the new master itself.
    const master = (): number => {
      try {
        return Number(readFileSync(pidFile, 'utf8'));
      } catch {
        return killed;
      }
    };
    await expect.poll(master, { timeout: 15_000 }).not.toBe(killed);
    await agent!.waitFor(/"msg":"nginx is running"/, 10_000);
    expect((await httpGet(ports.http, 'shop.example.com', '/revived')).body).toBe('upstream saw /revived');

    const site = join(dataDir, 'nginx', 'conf', 'current', 'sites', `${domainId}.conf`);
    const applied = readFileSync(site, 'utf8');
    writeFileSync(site, applied.replace('server {', 'server {\n  return 418;'));
    await agent!.waitFor(/"msg":"configuration restored after drift","ok":true/, 10_000);
    expect(readFileSync(site, 'utf8')).toBe(applied);
    expect((await httpGet(ports.http, 'shop.example.com', '/after-drift')).body).toBe('upstream saw /after-drift');
  });

  it('with the node gone, a restarted agent serves its cached config (island mode)', async () => {
    await node.stop();
    await agent!.stop();
    const pid = Number(readFileSync(join(dataDir, 'nginx', 'nginx.pid'), 'utf8'));
    process.kill(pid, 'SIGTERM');
    await expect.poll(() => httpGet(ports.http, 'shop.example.com', '/').then(() => 'up', () => 'down'), { timeout: 10_000 }).toBe('down');

    agent = runAgent();
    await agent.waitFor(/"msg":"agent running"/, 30_000);
    const r = await httpGet(ports.http, 'shop.example.com', '/island');
    expect(r.body).toBe('upstream saw /island');
  });

  it('when the node returns, the agent reconnects and converges on what changed meanwhile', async () => {
    node = await startTestNode({ dir: node.dir, port: ports.node });
    const before = appliedVersion();
    writeDomain(node.store, 'blog.example.com', { labels: ['edge'], proxy: (id) => upstreamProxy(id, upstreamPort) });
    await converged(before);
    expect(node.gateway.getAgent(agentId)!.appliedVersion).toBe(node.gateway.getAgent(agentId)!.desiredVersion);
    expect((await httpGet(ports.http, 'blog.example.com', '/back')).body).toBe('upstream saw /back');
    expect((await httpGet(ports.http, 'shop.example.com', '/old')).body).toBe('upstream saw /old');
  });
});
