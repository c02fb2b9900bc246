// The edge as an operator meets it, against a real `netgoat serve`: the console issues an enrollment
// token, a real agent process (bin/netgoat-agent.mjs with its own nginx on loopback) enrolls with the
// command the console shows and applies the domain; the Agents screen turns Online / In sync only
// then; traffic sent through that nginx appears in the domain's uPlot chart and totals.
import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePorts, httpGet, stopAgentNginx } from '../test/support/nginx';
import { rpc, shot, signInOwner } from './support/console';

const HOST = 'edge-traffic.example.com';
const ROOT = resolve(import.meta.dirname, '..');
const AGENT = join(ROOT, 'bin', 'netgoat-agent.mjs');

/** Runs the shipped agent launcher; resolves with its exit code and output once it ends. */
function agent(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; output: string }> } {
  const child = spawn(process.execPath, [AGENT, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return { child, done: new Promise((r) => child.once('exit', (code) => r({ code, output }))) };
}

/** One request through the agent's nginx with the domain's Host header; resolves with the status. */
const hit = async (port: number, path: string): Promise<number> => (await httpGet(port, HOST, path)).status;

test('an enrolled agent goes Online and In sync; its traffic shows in the domain chart', async ({ page }, info) => {
  test.setTimeout(150_000);
  const upstream = createHttpServer((req, res) => res.writeHead(req.url?.startsWith('/broken') ? 502 : 200, { 'content-type': 'text/plain' }).end('edge ok'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const dataDir = mkdtempSync(join(tmpdir(), 'netgoat-e2e-agent-'));
  const [httpPort, httpsPort, statusPort, metricsPort] = (await freePorts(4)) as [number, number, number, number];
  let running: ReturnType<typeof agent> | null = null;

  try {
    let teamId = '';
    let domainId = '';
    await test.step('a domain proxied to a local upstream', async () => {
      await signInOwner(page);
      teamId = ((await rpc(page.request, 'teams.list', {})).value as { teams: { id: string }[] }).teams[0]!.id;
      const made = await rpc(page.request, 'domains.create', { teamId, hostname: HOST });
      expect(made.ok, made.message).toBe(true);
      domainId = (made.value as { domain: { id: string } }).domain.id;
      const saved = await rpc(page.request, 'proxy.update', {
        teamId, domainId, expectedVersion: null,
        settings: {
          upstreamPools: [{ name: 'web', method: 'round_robin', servers: [{ host: '127.0.0.1', port: (upstream.address() as AddressInfo).port, weight: 1, maxFails: 0, failTimeoutS: 10, backup: false }] }],
          routes: [{ path: '/', match: 'prefix', pool: 'web' }],
          wafRules: [], cache: { mode: 'off', ttlSeconds: 60 }, rateLimit: { enabled: false, requestsPerSecond: 10, burst: 0 }, headers: [],
        },
      });
      expect(saved.ok, saved.message).toBe(true);
    });

    await test.step('the console issues a token; the agent enrolls with the command it shows and runs', async () => {
      await page.goto('/agents');
      await page.getByRole('button', { name: 'Add an edge' }).first().click();
      await page.getByLabel('Name').fill('edge-e2e-1');
      await page.getByRole('button', { name: 'Create token' }).click();
      await expect(page.getByTestId('enroll-token-notice')).toBeVisible();
      const command = (await page.getByTestId('enroll-command').textContent()) ?? '';
      const [, url, token] = /--url (\S+) --token (\S+)/.exec(command) ?? [];
      expect(url, command).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/agent\/v1$/);
      const enrolled = await agent(['enroll', '--url', url!, '--token', token!, '--data-dir', dataDir]).done;
      expect(enrolled.code, enrolled.output).toBe(0);
      running = agent([
        'run', '--data-dir', dataDir, '--listen', '127.0.0.1', '--http-port', String(httpPort), '--https-port', String(httpsPort),
        '--status-port', String(statusPort), '--metrics-port', String(metricsPort), '--heartbeat-ms', '500', '--telemetry-bucket-ms', '1000',
      ]);
    });

    await test.step('the Agents screen shows Online and In sync only once the agent has applied', async () => {
      const row = page.getByTestId('agents-table').getByRole('row').filter({ hasText: 'edge-e2e-1' });
      await expect(row).toContainText('Online', { timeout: 45_000 });
      await expect(row).toContainText('In sync', { timeout: 30_000 });
      expect(await hit(httpPort, '/')).toBe(200);
      await shot(page, info, 'agents-online');
    });

    await test.step('traffic through nginx shows in the domain\'s chart and totals', async () => {
      for (let i = 0; i < 30; i++) expect(await hit(httpPort, `/page/${i}`)).toBe(200);
      for (let i = 0; i < 5; i++) expect(await hit(httpPort, `/broken/${i}`)).toBe(502);
      // Whole buckets ship once their second has passed; the chart refreshes every 30 s, so open it once they are in.
      await expect.poll(async () => {
        const answer = await rpc(page.request, 'telemetry.query', { teamId, domainId, from: Date.now() - 3_600_000, to: Date.now() });
        return (answer.value as { points: { requests: number }[] }).points.reduce((n, p) => n + p.requests, 0);
      }, { timeout: 30_000 }).toBe(36);
      await page.goto(`/domains/${domainId}/traffic`);
      const totals = page.getByTestId('traffic-totals');
      await expect(totals).toContainText('36 requests');
      await expect(totals).toContainText('5 of them 502');
      await expect(page.getByTestId('traffic-panel').locator('canvas').first()).toBeVisible();
      await shot(page, info, 'domain-traffic');
    });
  } finally {
    if (running) {
      const stopping = running as ReturnType<typeof agent>;
      stopping.child.kill('SIGTERM');
      await stopping.done;
    }
    // The agent leaves nginx serving when it exits (island mode); the spec stops it.
    stopAgentNginx(dataDir);
    await new Promise<void>((r) => upstream.close(() => r()));
    rmSync(dataDir, { recursive: true, force: true });
  }
});
