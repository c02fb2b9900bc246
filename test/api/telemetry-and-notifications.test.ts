// The issue-6 procedures through the real HTTP transport: traffic series from the telemetry store,
// alert rules with their defaults, incidents with filters and their context, and notification
// channels whose "Send test" reaches a real local webhook receiver that checks the signature.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binOf } from '../../src/core/telemetry/latency-digest';
import { defaultRuleId } from '../../src/core/alerts/rules';
import { IncidentService } from '../../src/main/incidents/incident-service';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook, type WebhookBody } from '../../src/main/notify/webhook-payload';
import type { TelemetryBucket } from '../../src/shared/wire/telemetry';
import { buildWorld, type World } from './fixtures';
import { startTestNode, type TestNode } from './harness';

const MIN = 60_000;
const T0 = 1_767_225_600_000; // a whole hour

/** A bucket with `ok` 200s at `okMs` and `bad` 502s at `badMs`. */
function bucket(domainId: string, start: number, ok: number, bad: number, opts: { okMs?: number; badMs?: number; configVersion?: number } = {}): TelemetryBucket {
  const okBin = binOf(opts.okMs ?? 10);
  const badBin = binOf(opts.badMs ?? 1_000);
  const latency: [number, number][] = okBin === badBin ? [[okBin, ok + bad]] : [[okBin, ok], [badBin, bad]].filter(([, n]) => n! > 0) as [number, number][];
  return {
    domainId, start, lengthMs: MIN, requests: ok + bad, status2xx: ok, status3xx: 0, status4xx: 0, status5xx: bad, status502: bad, bytes: (ok + bad) * 100,
    p50Ms: null, p95Ms: null, p99Ms: null, latency: latency.sort((a, b) => a[0] - b[0]), configVersion: opts.configVersion ?? 7,
  };
}

interface Hit { path: string; body: string; headers: IncomingHttpHeaders }

describe('telemetry, alert rules, incidents and channels over HTTP', () => {
  let node: TestNode;
  let w: World;
  let receiver: Server;
  let receiverUrl = '';
  const hits: Hit[] = [];

  beforeAll(async () => {
    node = await startTestNode();
    w = await buildWorld(node);
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        hits.push({ path: req.url!, body, headers: req.headers });
        res.writeHead(req.url === '/broken' ? 500 : 204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await node.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  describe('telemetry.query', () => {
    it('adds the agents serving a domain into one point per slot, with percentiles from the merged digests', async () => {
      const domain = w.docs[w.own]!.domainId;
      node.telemetry!.insert('agt-a', w.own, [bucket(domain, T0, 90, 10, { configVersion: 7 }), bucket(domain, T0 + MIN, 100, 0)]);
      node.telemetry!.insert('agt-b', w.own, [bucket(domain, T0, 100, 0, { configVersion: 8 }), bucket('other-domain', T0, 5, 5)]);
      node.telemetry!.noteAgent('agt-a', w.own, T0 + 2 * MIN, { malformedLines: 0, lateLines: 0, probeLines: 0, droppedBuckets: 0 });
      node.telemetry!.noteAgent('agt-b', w.own, T0 + MIN, { malformedLines: 0, lateLines: 0, probeLines: 0, droppedBuckets: 0 });

      const r = await w.clients.viewer.ok('telemetry.query', { teamId: w.own, domainId: domain, from: T0, to: T0 + 3_600_000 });
      expect(r.resolution).toBe('base');
      expect(r.coveredUntil).toBe(T0 + MIN);
      expect(r.points).toHaveLength(2);
      const [first, second] = r.points;
      expect(first).toMatchObject({ start: T0, requests: 200, status2xx: 190, status5xx: 10, status502: 10, bytes: 20_000, configVersions: [7, 8] });
      // 10 of 200 requests are slow: the median is fast, p99 is slow.
      expect(first.p50Ms).toBeLessThan(20);
      expect(first.p99Ms).toBeGreaterThan(500);
      expect(second).toMatchObject({ start: T0 + MIN, requests: 100, status502: 0 });
    });

    it('narrows to one agent across its domains, and rolls up to hours on request', async () => {
      const perAgent = await w.clients.viewer.ok('telemetry.query', { teamId: w.own, agentId: 'agt-b', from: T0, to: T0 + MIN });
      expect(perAgent.points).toHaveLength(1);
      expect(perAgent.points[0]).toMatchObject({ requests: 110, status502: 5 });
      const hourly = await w.clients.viewer.ok('telemetry.query', { teamId: w.own, from: T0, to: T0 + 3_600_000, resolution: 'rollup' });
      expect(hourly.resolution).toBe('rollup');
      expect(hourly.points).toEqual([expect.objectContaining({ start: T0, lengthMs: 3_600_000, requests: 310, status502: 15 })]);
    });

    it('shows another team nothing, and a team without telemetry an honest empty series', async () => {
      const r = await w.clients.owner.ok('telemetry.query', { teamId: w.foreign, from: T0, to: T0 + 3_600_000 });
      expect(r).toEqual({ resolution: 'base', points: [], coveredUntil: null });
    });

    it('refuses a range that ends before it starts, next to the field', async () => {
      const r = await w.clients.viewer.call('telemetry.query', { teamId: w.own, from: T0, to: T0 - 1 });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: 'NG_VALIDATION', path: ['to'] });
    });
  });

  describe('alertRules', () => {
    it('lists every kind\'s default until the team edits it; an edit is stored under the default\'s id', async () => {
      const before = await w.clients.viewer.ok('alertRules.list', { teamId: w.own });
      expect(before.rules.map((r: { kind: string }) => r.kind)).toEqual(['upstream_502_streak', 'agent_unavailable', 'nginx_down', 'apply_failed', 'certificate_expiring']);
      expect(before.rules.every((r: { isDefault: boolean; version: string | null }) => r.isDefault && r.version === null)).toBe(true);

      const id = defaultRuleId(w.own, 'upstream_502_streak');
      const saved = await w.clients.admin.ok('alertRules.upsert', {
        teamId: w.own, ruleId: id, expectedVersion: null, kind: 'upstream_502_streak', name: '502s', enabled: true,
        params: { min502: 3, minPercent: 10, minRequests: 5, buckets: 2, recoveryBuckets: 2 }, cooldownS: 120,
      });
      expect(saved.rule).toMatchObject({ id, isDefault: false, cooldownS: 120, params: { min502: 3 } });
      expect(node.store.get('alert_rules', id)).toMatchObject({ teamId: w.own, cooldownS: 120 });

      const after = await w.clients.viewer.ok('alertRules.list', { teamId: w.own });
      const streak = after.rules.filter((r: { kind: string }) => r.kind === 'upstream_502_streak');
      expect(streak).toEqual([expect.objectContaining({ id, isDefault: false, version: saved.rule.version })]);

      const stale = await w.clients.admin.call('alertRules.upsert', { teamId: w.own, ruleId: id, expectedVersion: null, kind: 'upstream_502_streak', name: 'x', enabled: false, params: {}, cooldownS: 0 });
      expect(stale.body.code).toBe('NG_CONFLICT');
    });

    it('refuses parameters out of range or unknown to the kind, naming the parameter', async () => {
      const base = { teamId: w.own, kind: 'upstream_502_streak', name: 'x', enabled: true, cooldownS: 60 };
      const big = await w.clients.admin.call('alertRules.upsert', { ...base, params: { minPercent: 150 } });
      expect(big.body).toMatchObject({ code: 'NG_VALIDATION', path: ['params', 'minPercent'] });
      expect(big.body.message).toContain('between 0 and 100');
      const unknown = await w.clients.admin.call('alertRules.upsert', { ...base, params: { days: 3 } });
      expect(unknown.body).toMatchObject({ code: 'NG_VALIDATION', path: ['params', 'days'] });
    });

    it('deleting the team\'s rule of a kind brings the default back; a default itself cannot be deleted', async () => {
      const id = defaultRuleId(w.own, 'upstream_502_streak');
      await w.clients.admin.ok('alertRules.delete', { teamId: w.own, ruleId: id });
      const listed = await w.clients.viewer.ok('alertRules.list', { teamId: w.own });
      expect(listed.rules.find((r: { kind: string }) => r.kind === 'upstream_502_streak')).toMatchObject({ id, isDefault: true, params: { min502: 5 } });
      const r = await w.clients.admin.call('alertRules.delete', { teamId: w.own, ruleId: defaultRuleId(w.own, 'nginx_down') });
      expect(r.body).toMatchObject({ code: 'NG_CONFLICT', path: ['ruleId'] });
    });
  });

  describe('incidents', () => {
    it('filters by kind, domain and agent, and links what an incident is about', async () => {
      const domain = w.docs[w.own]!.domainId;
      const opened = new IncidentService(node.store).open({
        type: 'open', incidentId: 'inc_api_test_1', teamId: w.own, ruleId: defaultRuleId(w.own, 'apply_failed'), kind: 'apply_failed', agentId: 'agt-a', domainId: domain,
        title: 'Config apply failed on agt-a', since: T0, detail: 'nginx -t refused the config', configVersion: 12,
        lastApply: { version: 12, ok: false, at: T0, code: 'NG_NGINX_INVALID', message: 'unknown directive "proxy_passs"', domainId: domain },
      }, T0);
      expect(opened.created).toBe(true);

      const byKind = await w.clients.viewer.ok('incidents.list', { teamId: w.own, kind: 'apply_failed' });
      expect(byKind.incidents.map((i: { id: string }) => i.id)).toEqual(['inc_api_test_1']);
      const byAgent = await w.clients.viewer.ok('incidents.list', { teamId: w.own, agentId: 'agt-a', status: 'open' });
      expect(byAgent.incidents.map((i: { id: string }) => i.id)).toEqual(['inc_api_test_1']);
      const byDomain = await w.clients.viewer.ok('incidents.list', { teamId: w.own, domainId: domain });
      expect(byDomain.incidents.map((i: { id: string }) => i.id)).toContain('inc_api_test_1');
      expect(byDomain.incidents.length).toBeGreaterThan(1);

      const got = await w.clients.viewer.ok('incidents.get', { teamId: w.own, incidentId: 'inc_api_test_1' });
      expect(got.timeline.map((e: { kind: string }) => e.kind)).toEqual(['opened']);
      expect(got.context).toEqual({
        agent: { id: 'agt-a', name: null },
        domain: { id: domain, hostname: node.store.get('domains', domain)!.hostname },
        configVersion: 12,
        lastApply: { version: 12, ok: false, at: T0, code: 'NG_NGINX_INVALID', message: 'unknown directive "proxy_passs"', domainId: domain },
      });
    });

    it('acknowledge and resolve go through the lifecycle, append to the timeline, and refuse a second resolve', async () => {
      await w.clients.operator.ok('incidents.acknowledge', { teamId: w.own, incidentId: 'inc_api_test_1', note: 'looking' });
      await w.clients.operator.ok('incidents.resolve', { teamId: w.own, incidentId: 'inc_api_test_1' });
      const got = await w.clients.viewer.ok('incidents.get', { teamId: w.own, incidentId: 'inc_api_test_1' });
      expect(got.incident.status).toBe('resolved');
      expect(got.timeline.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'acknowledged', 'resolved']);
      expect(got.timeline[1].message).toBe('looking');
      const again = await w.clients.operator.call('incidents.resolve', { teamId: w.own, incidentId: 'inc_api_test_1' });
      expect(again.body.code).toBe('NG_CONFLICT');
    });
  });

  describe('channels', () => {
    let channelId = '';
    let secret = '';

    it('creates a webhook whose secret is shown once and never listed', async () => {
      const made = await w.clients.admin.ok('channels.create', { teamId: w.own, kind: 'webhook', name: 'Ops hook', url: `${receiverUrl}/hook` });
      channelId = made.channel.id;
      secret = made.secret;
      expect(secret).toMatch(/^ngwh_[A-Za-z0-9_-]{40,}$/);
      expect(made.channel).toMatchObject({ kind: 'webhook', url: `${receiverUrl}/hook`, enabled: true, hasSecret: true });
      const listed = await w.clients.admin.ok('channels.list', { teamId: w.own });
      expect(listed.channels.map((c: { id: string }) => c.id)).toContain(channelId);
      expect(JSON.stringify(listed)).not.toContain(secret);
      expect(JSON.stringify(node.store.get('notification_channels', channelId))).not.toContain(secret);
    });

    it('"Send test" reaches the receiver with a signature the shown secret verifies, and lands in the delivery log', async () => {
      hits.length = 0;
      const r = await w.clients.admin.ok('channels.test', { teamId: w.own, channelId });
      expect(r.result).toMatchObject({ ok: true, attempts: 1, status: 204, error: null });
      expect(hits).toHaveLength(1);
      const hit = hits[0]!;
      const headers = { signature: hit.headers[SIGNATURE_HEADER] as string, timestamp: hit.headers[TIMESTAMP_HEADER] as string };
      expect(verifyWebhook(secret, headers, hit.body, Math.floor(Date.now() / 1000))).toBe(true);
      expect(verifyWebhook(`${secret}x`, headers, hit.body, Math.floor(Date.now() / 1000))).toBe(false);
      expect(JSON.parse(hit.body) as WebhookBody).toMatchObject({ version: 1, event: 'test', teamId: w.own, incident: null, deliveryId: r.result.deliveryId });

      const log = await w.clients.admin.ok('channels.deliveries', { teamId: w.own, channelId });
      expect(log.deliveries[0]).toMatchObject({ deliveryId: r.result.deliveryId, event: 'test', attempt: 1, status: 204, error: null });
    });

    it('reports a receiver that answers 500 after one attempt, and logs it', async () => {
      const made = await w.clients.admin.ok('channels.create', { teamId: w.own, kind: 'webhook', name: 'Broken hook', url: `${receiverUrl}/broken` });
      const r = await w.clients.admin.ok('channels.test', { teamId: w.own, channelId: made.channel.id });
      expect(r.result).toMatchObject({ ok: false, attempts: 1, status: 500, error: 'receiver answered 500' });
      const log = await w.clients.admin.ok('channels.deliveries', { teamId: w.own, channelId: made.channel.id });
      expect(log.deliveries).toEqual([expect.objectContaining({ status: 500, error: 'receiver answered 500' })]);
      await w.clients.admin.ok('channels.delete', { teamId: w.own, channelId: made.channel.id });
    });

    it('tells enabled channels when an incident is acknowledged by hand', async () => {
      hits.length = 0;
      const fresh = w.docs[w.own]!.incidentId;
      await w.clients.operator.ok('incidents.acknowledge', { teamId: w.own, incidentId: fresh });
      await expect.poll(() => hits.filter((h) => h.path === '/hook').length).toBe(1);
      expect(JSON.parse(hits[0]!.body)).toMatchObject({ event: 'incident.acknowledged', incident: { id: fresh, status: 'acknowledged' } });
    });

    it('rotating the secret shows the new one once; the old one no longer verifies', async () => {
      const rotated = await w.clients.admin.ok('channels.update', { teamId: w.own, channelId, rotateSecret: true });
      expect(rotated.secret).not.toBe(secret);
      hits.length = 0;
      await w.clients.admin.ok('channels.test', { teamId: w.own, channelId });
      const hit = hits[0]!;
      const headers = { signature: hit.headers[SIGNATURE_HEADER] as string, timestamp: hit.headers[TIMESTAMP_HEADER] as string };
      const nowS = Math.floor(Date.now() / 1000);
      expect(verifyWebhook(rotated.secret, headers, hit.body, nowS)).toBe(true);
      expect(verifyWebhook(secret, headers, hit.body, nowS)).toBe(false);
    });

    it('refuses a webhook without a URL or with a non-HTTP one, next to the url field', async () => {
      const none = await w.clients.admin.call('channels.create', { teamId: w.own, kind: 'webhook', name: 'x' });
      expect(none.body).toMatchObject({ code: 'NG_VALIDATION', path: ['url'] });
      const ftp = await w.clients.admin.call('channels.create', { teamId: w.own, kind: 'webhook', name: 'x', url: 'ftp://127.0.0.1/x' });
      expect(ftp.body).toMatchObject({ code: 'NG_VALIDATION', path: ['url'] });
      expect(ftp.body.message).toContain('http://');
    });

    it('another team\'s channel is not found through one\'s own team', async () => {
      const r = await w.clients.admin.call('channels.test', { teamId: w.foreign, channelId });
      expect(r.status).toBe(403);
      const owner = await w.clients.owner.call('channels.test', { teamId: w.foreign, channelId });
      expect(owner.body).toMatchObject({ code: 'NG_NOT_FOUND', path: ['channelId'] });
    });
  });

  it('a node without telemetry or notifications says so with NG_UNAVAILABLE', async () => {
    const bare = await startTestNode({ bare: true });
    try {
      const b = await buildWorld(bare);
      const q = await b.clients.viewer.call('telemetry.query', { teamId: b.own, from: T0, to: T0 + MIN });
      expect(q).toMatchObject({ status: 503, body: { code: 'NG_UNAVAILABLE' } });
      const c = await b.clients.admin.call('channels.list', { teamId: b.own });
      expect(c).toMatchObject({ status: 503, body: { code: 'NG_UNAVAILABLE' } });
    } finally {
      await bare.close();
    }
  });
});
