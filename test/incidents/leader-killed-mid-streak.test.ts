// The leader is killed mid-streak and exactly one incident exists. Real parts only: two
// `netgoat serve` processes in one cluster on loopback, a real agent process (bin/netgoat-agent.mjs)
// running its own nginx in front of a test upstream that starts answering 502, one-second buckets.
// The agent links to the leader; once the incident is open there, the leader gets kill -9. The
// survivor takes over with the buckets and agent presence it received over the peer link's
// telemetry side channel, keeps judging the same streak (the agent now ships to it), opens nothing
// new, and resolves the one incident when the upstream recovers.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentIdFor } from '../../src/core/alerts/evaluate';
import { agentUrlFor } from '../../src/main/fleet/wire-fleet';
import { Client, type Json } from '../api/harness';
import { findNginx, freePorts, httpGet, startSwitchableUpstream, stopAgentNginx, trafficUntil as siteTrafficUntil, type SwitchableUpstream } from '../support/nginx';
import { spawnProcess, startServe, stopAllProcesses, type ProcessHandle } from '../support/process';

const LAUNCHER = 'bin/netgoat-agent.mjs';
const PASSWORD = 'correct horse battery';
const OWNER = 'owner@example.com';
/** The shortest patience the agent_unavailable rule allows. */
const AGENT_AFTER_S = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Node {
  proc: ProcessHandle;
  url: string;
  api: Client;
  nodeId: string;
}

describe.skipIf(!findNginx())('the leader is killed mid-streak', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ng-failover-'));
  const agentDir = join(dir, 'agent');
  let upstream: SwitchableUpstream;
  const ports = { http: 0, https: 0, status: 0, metrics: 0, upstream: 0 };
  let a: Node;
  let b: Node;
  let teamId: string;
  let domainId: string;
  let ruleId: string;
  let agentId: string;

  async function serve(name: string, priority: number): Promise<Node> {
    // Alert rules evaluated three times a second, so one-second buckets are judged as soon as they close.
    const { proc, url } = await startServe({
      dataDir: join(dir, name), args: ['--name', name, '--priority', String(priority)],
      env: { NETGOAT_ALERT_INTERVAL_MS: '300' },
    });
    return { proc, url: url.replace(/\/$/, ''), api: new Client(url.replace(/\/$/, '')), nodeId: '' };
  }

  beforeAll(async () => {
    const free = await freePorts(5);
    (Object.keys(ports) as (keyof typeof ports)[]).forEach((k, i) => (ports[k] = free[i]!));
    upstream = await startSwitchableUpstream(ports.upstream);
    // A has the higher priority, so it leads the cluster until it is killed.
    [a, b] = await Promise.all([serve('node-a', 900), serve('node-b', 100)]);
  }, 60_000);

  afterAll(async () => {
    await stopAllProcesses();
    stopAgentNginx(agentDir);
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const incidents = async (n: Node): Promise<Json[]> => (await n.api.ok('incidents.list', { teamId })).incidents as Json[];
  const leaderOf = async (n: Node): Promise<string | null> => ((await n.api.ok('peers.status', {})).leader?.nodeId as string | undefined) ?? null;
  const points = async (n: Node): Promise<Json[]> => (await n.api.ok('telemetry.query', { teamId, domainId, from: Date.now() - 600_000, to: Date.now() + 60_000, resolution: 'base' })).points as Json[];

  /** Site traffic through nginx until `done` says so. */
  const trafficUntil = (done: () => Promise<boolean>, timeoutMs: number): Promise<void> => siteTrafficUntil(ports.http, 'shop.test', '/cart', done, timeoutMs);

  it('forms a two-node cluster and runs a real agent linked to the leader', async () => {
    teamId = (await a.api.ok('auth.setup', { email: OWNER, displayName: 'Owner', password: PASSWORD, teamName: 'Shop' })).team.id as string;
    const { joinCode } = await a.api.ok('cluster.create', {});
    const aStatus = await a.api.ok('peers.status', {});
    a.nodeId = aStatus.nodeId as string;
    // B needs an owner of its own to join; afterwards A's owner signs in on B too (users replicate).
    await b.api.ok('auth.setup', { email: 'second@example.com', displayName: 'Second', password: PASSWORD, teamName: 'Spare' });
    await b.api.ok('cluster.join', { address: aStatus.self.peerAddress, joinCode });
    b.nodeId = (await b.api.ok('peers.status', {})).nodeId as string;
    await expect.poll(async () => (await b.api.call('auth.login', { email: OWNER, password: PASSWORD })).status, { timeout: 15_000 }).toBe(200);
    await expect.poll(async () => [await leaderOf(a), await leaderOf(b)], { timeout: 20_000 }).toEqual([a.nodeId, a.nodeId]);

    ruleId = (await a.api.ok('alertRules.upsert', {
      teamId, kind: 'upstream_502_streak', name: '502s', enabled: true, cooldownS: 0,
      params: { min502: 3, minPercent: 50, minRequests: 3, buckets: 3, recoveryBuckets: 2 },
    })).rule.id as string;
    // Quick to fire, so a stale view of the agent would show up as a false incident within the test.
    await a.api.ok('alertRules.upsert', { teamId, kind: 'agent_unavailable', name: 'agent gone', enabled: true, cooldownS: 0, params: { afterS: AGENT_AFTER_S } });
    domainId = (await a.api.ok('domains.create', { teamId, hostname: 'shop.test' })).domain.id as string;
    await a.api.ok('proxy.update', {
      teamId, domainId, expectedVersion: null,
      settings: {
        upstreamPools: [{ name: 'web', method: 'round_robin', servers: [{ host: '127.0.0.1', port: ports.upstream, weight: 1, maxFails: 0, failTimeoutS: 10, backup: false }] }],
        routes: [{ path: '/', match: 'prefix', pool: 'web' }],
        wafRules: [], cache: { mode: 'off', ttlSeconds: 60 }, rateLimit: { enabled: false, requestsPerSecond: 10, burst: 0 }, headers: [],
      },
    });

    // The agent knows both gateways: the leader's first, the survivor's as its fallback.
    const enrollment = await a.api.ok('agents.createEnrollmentToken', { teamId, name: 'edge one', labels: ['edge'], ttlMinutes: 10 });
    const urls = `${enrollment.agentUrl as string},${agentUrlFor(b.url)}`;
    const enroll = spawnProcess(process.execPath, [LAUNCHER, 'enroll', '--url', urls, '--token', enrollment.token as string, '--data-dir', agentDir]);
    expect((await enroll.exited).code, enroll.stderr()).toBe(0);
    spawnProcess(process.execPath, [
      LAUNCHER, 'run', '--data-dir', agentDir, '--listen', '127.0.0.1', '--http-port', String(ports.http), '--https-port', String(ports.https),
      '--status-port', String(ports.status), '--metrics-port', String(ports.metrics), '--heartbeat-ms', '300', '--min-backoff-ms', '200',
      '--telemetry-bucket-ms', '1000',
    ]);
    await expect.poll(async () => {
      const [listed] = (await a.api.ok('agents.list', { teamId })).agents as Json[];
      return listed && { status: listed.status, applied: listed.appliedVersion > 0 && listed.appliedVersion === listed.desiredVersion };
    }, { timeout: 30_000, interval: 250 }).toEqual({ status: 'Online', applied: true });
    agentId = ((await a.api.ok('agents.list', { teamId })).agents as Json[])[0]!.id as string;
    expect((await httpGet(ports.http, 'shop.test', '/')).body).toBe('upstream ok');
  }, 90_000);

  it('opens one incident on the leader; the follower holds the same buckets', async () => {
    upstream.mode = 'bad';
    await trafficUntil(async () => (await incidents(a)).some((i) => i.status === 'open'), 30_000);
    const [open] = await incidents(a);
    expect(open).toMatchObject({ kind: 'upstream_502_streak', agentId, domainId, status: 'open' });
    // The id names the streak by its first failing bucket, as the leader's own buckets show it.
    const first502 = (await points(a)).find((p) => (p.status502 as number) > 0)!;
    expect(open.id).toBe(incidentIdFor(ruleId, agentId, domainId, first502.start as number));
    // The agent is linked to A only, yet B holds the streak's buckets: replicated over the peer link.
    await expect.poll(async () => (await points(b)).find((p) => (p.status502 as number) > 0)?.start, { timeout: 10_000 }).toBe(first502.start);
  }, 60_000);

  it('kill -9 of the leader mid-streak: the survivor leads, keeps the one incident, and resolves it on recovery', async () => {
    const [open] = await incidents(a);
    await a.proc.signal('SIGKILL');
    await expect.poll(() => leaderOf(b), { timeout: 20_000, interval: 200 }).toBe(b.nodeId);
    // The agent fails over to B's gateway.
    await expect.poll(async () => ((await b.api.ok('agents.list', { teamId })).agents as Json[])[0]?.status, { timeout: 20_000, interval: 250 }).toBe('Online');

    // The streak goes on under the new leader for several more buckets: still exactly one incident.
    const until = Date.now() + 4_000;
    await trafficUntil(async () => Date.now() > until, 20_000);
    const during = await incidents(b);
    expect(during.map((i) => [i.id, i.status])).toEqual([[open.id, 'open']]);

    // B judges the same streak from the buckets it received from A plus those the agent sends it now.
    const first502 = (await points(b)).find((p) => (p.status502 as number) > 0)!;
    expect(open.id).toBe(incidentIdFor(ruleId, agentId, domainId, first502.start as number));

    upstream.mode = 'ok';
    await trafficUntil(async () => (await incidents(b)).find((i) => i.id === open.id)?.status === 'resolved', 30_000);
    const after = await incidents(b);
    expect(after.map((i) => i.id)).toEqual([open.id]);
    expect(after[0]).toMatchObject({ status: 'resolved', resolvedBy: null });
    // The agent was reachable throughout: no false "agent unavailable".
    expect(after.some((i) => i.kind === 'agent_unavailable')).toBe(false);
    expect(b.proc.stdout()).not.toMatch(/"level":(50|60)/);
  }, 90_000);

  it('the old leader returns and leads again: the agent, linked to the other node, is not reported unavailable', async () => {
    const nodeId = a.nodeId;
    a = { ...(await serve('node-a', 900)), nodeId };
    await expect.poll(async () => (await a.api.call('auth.login', { email: OWNER, password: PASSWORD })).status, { timeout: 15_000 }).toBe(200);
    await expect.poll(async () => [await leaderOf(a), await leaderOf(b)], { timeout: 30_000, interval: 250 }).toEqual([a.nodeId, a.nodeId]);
    // Let A lead for longer than the rule's patience, then look.
    const since = (await a.api.ok('peers.status', {})).leader.since as number;
    await sleep(Math.max(0, since + (AGENT_AFTER_S + 2) * 1000 - Date.now()));
    expect(await leaderOf(a)).toBe(a.nodeId);
    // A's own gateway last heard from the agent before it was killed: by itself it would call the agent unavailable.
    const [seenByA] = (await a.api.ok('agents.list', { teamId })).agents as Json[];
    expect(seenByA).toMatchObject({ status: 'Unavailable' });
    expect(Date.now() - (seenByA.lastHeartbeat.at as number)).toBeGreaterThan(AGENT_AFTER_S * 1000);
    expect(((await b.api.ok('agents.list', { teamId })).agents as Json[])[0]).toMatchObject({ status: 'Online' });
    // B's presence record keeps the agent alive in A's evaluation.
    expect((await incidents(a)).filter((i) => i.kind === 'agent_unavailable')).toEqual([]);
    expect(a.proc.stdout()).not.toMatch(/"level":(50|60)/);
  }, 90_000);
});
