// The wired product end to end, with real processes only: a `netgoat serve` node, set up through
// its HTTP API (owner, cluster, domain, proxy config, webhook channel, enrollment token); a real
// agent process started by bin/netgoat-agent.mjs that enrolls and runs its own nginx; traffic
// through nginx to a test upstream; the upstream turning to 502s; telemetry over the agent link;
// an incident opened by the leader's alert duty and delivered to a local webhook receiver; the
// upstream recovering and the incident resolving; and finally a revoke that cuts the agent off.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook, type WebhookBody } from '../../src/main/notify/webhook-payload';
import { Client, type Json } from '../api/harness';
import { findNginx, freePorts, httpGet, startSwitchableUpstream, stopAgentNginx, trafficUntil as siteTrafficUntil, type SwitchableUpstream } from '../support/nginx';
import { spawnProcess, startServe, stopAllProcesses, type ProcessHandle } from '../support/process';

const LAUNCHER = 'bin/netgoat-agent.mjs';
const PASSWORD = 'correct horse battery';

describe.skipIf(!findNginx())('fleet end to end: node, agent, nginx, telemetry, incident, webhook', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ng-fleet-'));
  const agentDir = join(dir, 'agent');
  let upstream: SwitchableUpstream;
  let receiver: Server;
  const received: { body: WebhookBody; raw: string; headers: IncomingMessage['headers'] }[] = [];
  const ports = { http: 0, https: 0, status: 0, metrics: 0, upstream: 0, receiver: 0 };
  let node: ProcessHandle;
  let agent: ProcessHandle;
  let owner: Client;
  let teamId: string;
  let domainId: string;
  let webhookSecret: string;

  beforeAll(async () => {
    const free = await freePorts(6);
    (Object.keys(ports) as (keyof typeof ports)[]).forEach((k, i) => (ports[k] = free[i]!));
    receiver = createServer((req, res) => {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString()));
      req.on('end', () => {
        received.push({ body: JSON.parse(raw) as WebhookBody, raw, headers: req.headers });
        res.writeHead(204).end();
      });
    });
    [upstream] = await Promise.all([
      startSwitchableUpstream(ports.upstream),
      new Promise<void>((r) => receiver.listen(ports.receiver, '127.0.0.1', r)),
    ]);
    // Alert rules evaluated twice a second, so one-second buckets are judged as soon as they close.
    const served = await startServe({ dataDir: join(dir, 'node'), env: { NETGOAT_ALERT_INTERVAL_MS: '300' } });
    node = served.proc;
    owner = new Client(served.url.replace(/\/$/, ''));
  }, 30_000);

  afterAll(async () => {
    await stopAllProcesses();
    stopAgentNginx(agentDir);
    await Promise.all([upstream.close(), new Promise((r) => {
      receiver.closeAllConnections();
      receiver.close(r);
    })]);
    rmSync(dir, { recursive: true, force: true });
  });

  const agents = async (): Promise<Json[]> => (await owner.ok('agents.list', { teamId })).agents as Json[];
  const incidents = async (): Promise<Json[]> => (await owner.ok('incidents.list', { teamId, kind: 'upstream_502_streak' })).incidents as Json[];

  /** Site traffic through nginx until `done` says so. */
  const trafficUntil = (done: () => Promise<boolean>, timeoutMs: number): Promise<void> => siteTrafficUntil(ports.http, 'shop.test', '/cart', done, timeoutMs);

  it('sets up the node through the HTTP API and enrolls a real agent with a token from it', async () => {
    const setup = await owner.ok('auth.setup', { email: 'owner@example.com', displayName: 'Owner', password: PASSWORD, teamName: 'Shop' });
    teamId = setup.team.id as string;
    // Webhook secrets are sealed under the cluster key: a node keeps one once it has created a cluster.
    await owner.ok('cluster.create', {});
    const channel = await owner.ok('channels.create', { teamId, kind: 'webhook', name: 'ops', url: `http://127.0.0.1:${ports.receiver}/hook` });
    webhookSecret = channel.secret as string;
    await owner.ok('alertRules.upsert', {
      teamId, kind: 'upstream_502_streak', name: '502s', enabled: true, cooldownS: 0,
      params: { min502: 3, minPercent: 50, minRequests: 3, buckets: 2, recoveryBuckets: 2 },
    });
    domainId = (await owner.ok('domains.create', { teamId, hostname: 'shop.test' })).domain.id as string;
    await owner.ok('proxy.update', {
      teamId, domainId, expectedVersion: null,
      settings: {
        upstreamPools: [{ name: 'web', method: 'round_robin', servers: [{ host: '127.0.0.1', port: ports.upstream, weight: 1, maxFails: 0, failTimeoutS: 10, backup: false }] }],
        routes: [{ path: '/', match: 'prefix', pool: 'web' }],
        wafRules: [], cache: { mode: 'off', ttlSeconds: 60 }, rateLimit: { enabled: false, requestsPerSecond: 10, burst: 0 }, headers: [],
      },
    });

    const enrollment = await owner.ok('agents.createEnrollmentToken', { teamId, name: 'edge one', labels: ['edge'], ttlMinutes: 10 });
    expect(enrollment.expiresAt).toBeGreaterThan(Date.now());
    expect(enrollment.agentUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/agent\/v1$/);
    // Before enrollment the team has no agents; the token is not one.
    expect(await agents()).toEqual([]);

    const enroll = spawnProcess(process.execPath, [LAUNCHER, 'enroll', '--url', enrollment.agentUrl as string, '--token', enrollment.token as string, '--data-dir', agentDir]);
    expect((await enroll.exited).code, enroll.stderr()).toBe(0);
    // A token works once.
    const again = spawnProcess(process.execPath, [LAUNCHER, 'enroll', '--url', enrollment.agentUrl as string, '--token', enrollment.token as string, '--data-dir', join(dir, 'other')]);
    expect((await again.exited).code).toBe(1);

    const listed = await agents();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ name: 'edge one', labels: ['edge'], revoked: false, status: 'Unknown' });
    expect(JSON.stringify(listed)).not.toMatch(/"secret"|"key"/);
  });

  it('the agent applies the desired state: Online, In sync, applied == desired, and nginx proxies to the upstream', async () => {
    agent = spawnProcess(process.execPath, [
      LAUNCHER, 'run', '--data-dir', agentDir, '--listen', '127.0.0.1', '--http-port', String(ports.http), '--https-port', String(ports.https),
      '--status-port', String(ports.status), '--metrics-port', String(ports.metrics), '--heartbeat-ms', '300', '--min-backoff-ms', '200',
      '--telemetry-bucket-ms', '1000',
    ]);
    await expect.poll(async () => {
      const [a] = await agents();
      return a && { status: a.status, sync: a.sync, applied: a.appliedVersion > 0 && a.appliedVersion === a.desiredVersion };
    }, { timeout: 30_000, interval: 250 }).toEqual({ status: 'Online', sync: 'In sync', applied: true });
    const [a] = await agents();
    expect(a.lastSuccess).toBeGreaterThan(0);
    expect(a.lastError).toBeNull();
    expect(a.lastHeartbeat).toMatchObject({ nginxUp: true });

    const r = await httpGet(ports.http, 'shop.test', '/');
    expect(r.status).toBe(200);
    expect(r.body).toBe('upstream ok');
  }, 40_000);

  it('502s from the upstream reach the node as telemetry, open one incident and notify the webhook; recovery resolves it', async () => {
    upstream.mode = 'bad';
    let open: Json | undefined;
    await trafficUntil(async () => {
      open = (await incidents()).find((i) => i.status === 'open');
      return open !== undefined;
    }, 25_000);
    expect(open).toMatchObject({ kind: 'upstream_502_streak', domainId, status: 'open' });

    // What the alert saw is queryable: 502s in this domain's buckets, shipped over the agent link.
    const traffic = await owner.ok('telemetry.query', { teamId, domainId, from: Date.now() - 600_000, to: Date.now() + 60_000, resolution: 'base' });
    expect((traffic.points as Json[]).reduce((n, p) => n + (p.status502 as number), 0)).toBeGreaterThanOrEqual(3);
    expect((traffic.points as Json[]).every((p) => p.lengthMs === 1000)).toBe(true);

    await expect.poll(() => received.some((r) => r.body.event === 'incident.opened'), { timeout: 15_000 }).toBe(true);
    const notice = received.find((r) => r.body.event === 'incident.opened')!;
    expect(notice.body.incident).toMatchObject({ id: open.id, domainId, status: 'open' });
    const signed = { signature: notice.headers[SIGNATURE_HEADER] as string, timestamp: notice.headers[TIMESTAMP_HEADER] as string };
    expect(verifyWebhook(webhookSecret, signed, notice.raw, Math.floor(Date.now() / 1000))).toBe(true);

    upstream.mode = 'ok';
    await trafficUntil(async () => (await incidents()).find((i) => i.id === open.id)?.status === 'resolved', 25_000);
    await expect.poll(() => received.some((r) => r.body.event === 'incident.resolved' && r.body.incident?.id === open.id), { timeout: 15_000 }).toBe(true);
    // One streak, one incident.
    expect((await incidents()).map((i) => i.id)).toEqual([open.id]);
  }, 60_000);

  it('revoking the agent through the API cuts its link at once', async () => {
    const [a] = await agents();
    await owner.ok('agents.revoke', { teamId, agentId: a.id });
    await agent.waitFor(/"msg":"link revoked"/, 10_000);
    const [after] = await agents();
    expect(after).toMatchObject({ revoked: true, status: 'Unavailable', keyIds: [] });
    expect(node.stdout()).not.toMatch(/"level":(50|60)/);
  }, 20_000);
});
