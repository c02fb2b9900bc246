import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestNode, type TestNode } from './harness';
import type { Json } from './harness';
import { buildWorld, type World } from './fixtures';

const POOL = { name: 'app', method: 'round_robin', servers: [{ host: '10.0.0.5', port: 8080, weight: 2, maxFails: 3, failTimeoutS: 10, backup: false }] };
const SETTINGS = {
  upstreamPools: [POOL], routes: [{ path: '/', match: 'prefix', pool: 'app' }],
  wafRules: [{ id: 'no-bots', kind: 'user_agent', pattern: 'BadBot', action: 'deny', mode: 'log_only' }],
  cache: { mode: 'standard', ttlSeconds: 120 }, rateLimit: { enabled: true, requestsPerSecond: 20, burst: 40 }, headers: [{ name: 'X-Frame-Options', value: 'DENY' }],
};

describe('domains, DNS and proxy over HTTP', () => {
  let node: TestNode;
  let w: World;
  beforeAll(async () => {
    node = await startTestNode();
    w = await buildWorld(node);
  });
  afterAll(async () => node.close());

  it('stores Unicode hostnames as punycode and shows them in Unicode; refuses duplicates and bad names by field', async () => {
    const op = w.clients.operator;
    const d = (await op.ok('domains.create', { teamId: w.own, hostname: 'Bücher.Example' })).domain;
    expect(d).toMatchObject({ hostname: 'xn--bcher-kva.example', displayHostname: 'bücher.example', tls: { status: 'Pending' } });
    const dup = await op.call('domains.create', { teamId: w.own, hostname: 'bücher.example' });
    expect(dup.status).toBe(409);
    const bad = await op.call('domains.create', { teamId: w.own, hostname: 'bad_host;name' });
    expect(bad).toMatchObject({ status: 400, body: { code: 'NG_VALIDATION', path: ['hostname'] } });
    const found = await op.ok('domains.list', { teamId: w.own, search: 'BÜCH' });
    expect(found.domains.map((x: { id: string }) => x.id)).toEqual([d.id]);
  });

  it('a stale domain edit is refused with 409 "changed since you opened it" and nothing is overwritten', async () => {
    const op = w.clients.operator;
    const d = (await op.ok('domains.create', { teamId: w.own, hostname: 'stale.example.com' })).domain;
    const first = await op.ok('domains.update', { teamId: w.own, domainId: d.id, expectedVersion: d.version, wafEnabled: true });
    const stale = await op.call('domains.update', { teamId: w.own, domainId: d.id, expectedVersion: d.version, targetLabels: ['edge'] });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('NG_CONFLICT');
    expect(stale.body.message).toContain('changed since you opened it');
    const now = (await op.ok('domains.get', { teamId: w.own, domainId: d.id })).domain;
    expect(now).toMatchObject({ version: first.domain.version, wafEnabled: true, targetLabels: [] });
  });

  it('validates DNS records per type and names the field; keeps CNAMEs exclusive', async () => {
    const op = w.clients.operator;
    const d = (await op.ok('domains.create', { teamId: w.own, hostname: 'dns.example.com' })).domain;
    const base = { teamId: w.own, domainId: d.id };
    const refuse = async (input: object, path: string[]) => {
      const r = await op.call('dns.upsert', { ...base, ...input });
      expect(r.status, JSON.stringify(input)).toBe(400);
      expect(r.body.path).toEqual(path);
    };
    await refuse({ type: 'A', name: 'www', value: '2001:db8::1' }, ['value']);
    await refuse({ type: 'AAAA', name: 'www', value: '192.0.2.1' }, ['value']);
    await refuse({ type: 'MX', name: '@', value: 'mail.example.com' }, ['priority']);
    await refuse({ type: 'CNAME', name: '@', value: 'other.example.net' }, ['name']);
    await refuse({ type: 'TXT', name: 'bad name!', value: 'x' }, ['name']);
    await refuse({ type: 'A', name: 'www', value: '192.0.2.1', ttl: 5 }, ['ttl']);

    await op.ok('dns.upsert', { ...base, type: 'A', name: 'www', value: '192.0.2.1' });
    await refuse({ type: 'CNAME', name: 'WWW', value: 'cdn.example.net' }, ['name']);
    const cname = (await op.ok('dns.upsert', { ...base, type: 'CNAME', name: 'cdn', value: 'CDN.Example.NET.' })).record;
    expect(cname.value).toBe('cdn.example.net');
    await refuse({ type: 'TXT', name: 'cdn', value: 'hello' }, ['name']);
    const mx = (await op.ok('dns.upsert', { ...base, type: 'MX', name: '@', value: 'mail.example.net', priority: 10 })).record;
    const moved = await op.ok('dns.upsert', { ...base, recordId: mx.id, expectedVersion: mx.version, type: 'MX', name: '@', value: 'mx2.example.net', priority: 20 });
    expect(moved.record).toMatchObject({ id: mx.id, priority: 20 });
    const stale = await op.call('dns.upsert', { ...base, recordId: mx.id, expectedVersion: mx.version, type: 'MX', name: '@', value: 'mx3.example.net', priority: 5 });
    expect(stale.status).toBe(409);

    await op.ok('dns.upsert', { ...base, type: 'TXT', name: '@', value: `v=spf1 "quoted" ${'x'.repeat(300)}` });
    const zone = await op.ok('dns.exportZone', { ...base, nameServers: ['ns1.example.net'] });
    expect(zone.filename).toBe('dns.example.com.zone');
    expect(zone.zone).toContain('$ORIGIN dns.example.com.');
    expect(zone.zone).toMatch(/cdn +300|cdn +3600/);
    const noGlue = await op.call('dns.exportZone', base);
    expect(noGlue.status).toBe(400);
    expect(noGlue.body.path).toEqual(['nameServers', 0]);
  });

  it('proxy config: defaults, save, stale save refused, unrenderable values refused by field, preview from the renderer', async () => {
    const op = w.clients.operator;
    const d = (await op.ok('domains.create', { teamId: w.own, hostname: 'proxy.example.com' })).domain;
    const base = { teamId: w.own, domainId: d.id };
    const initial = (await op.ok('proxy.get', base)).config;
    expect(initial.version).toBeNull();
    const saved = (await op.ok('proxy.update', { ...base, expectedVersion: null, settings: SETTINGS })).config;
    expect(saved.settings.upstreamPools[0].servers[0].weight).toBe(2);
    const stale = await op.call('proxy.update', { ...base, expectedVersion: null, settings: SETTINGS });
    expect(stale.status).toBe(409);
    const evil = { ...SETTINGS, headers: [{ name: 'X-Test', value: 'a";\n return 200 "pwned' }] };
    const refused = await op.call('proxy.update', { ...base, expectedVersion: saved.version, settings: evil });
    expect(refused.status).toBe(400);
    expect(refused.body.path?.slice(0, 3)).toEqual(['settings', 'headers', 0]);
    const preview = await w.clients.viewer.ok('proxy.preview', base);
    expect(preview.ok).toBe(true);
    expect(preview.text).toContain('proxy.example.com');
    expect(preview.text).toContain('10.0.0.5:8080');
    const draft = await w.clients.viewer.ok('proxy.preview', { ...base, settings: { ...SETTINGS, routes: [{ path: '/', match: 'prefix', pool: 'missing' }] } });
    expect(draft.ok).toBe(false);
    expect(draft.errors[0].path.slice(0, 2)).toEqual(['settings', 'routes']);
    const unsaved = await op.call('proxy.update', { ...base, expectedVersion: saved.version, settings: { ...SETTINGS, routes: [{ path: '/', match: 'prefix', pool: 'missing' }] } });
    expect(unsaved.status).toBe(400);
    expect(unsaved.body.path?.slice(0, 2)).toEqual(['settings', 'routes']);
  });

  it('the audit view shows who changed what with before/after, and never a secret', async () => {
    const audit = await w.clients.viewer.ok('audit.list', { teamId: w.own, limit: 500 });
    const wafChange = audit.entries.find((e: Json) => e.collection === 'domains' && e.action === 'update' && e.after.wafEnabled === true);
    expect(wafChange).toMatchObject({ actorEmail: 'operator@example.com', before: { wafEnabled: false }, teamId: w.own });
    expect(audit.entries.some((e: Json) => e.collection === 'api_tokens' && e.action === 'create')).toBe(true);
    const all = await w.clients.owner.ok('audit.list', { limit: 500 });
    const userCreate = all.entries.find((e: Json) => e.collection === 'users');
    expect(userCreate.after.passwordHash).toBe('[redacted]');
    expect(JSON.stringify(all)).not.toMatch(/scrypt\$/);
  });

  it('incidents move open → acknowledged → resolved with a timeline', async () => {
    const op = w.clients.operator;
    const incidentId = w.docs[w.own]!.incidentId;
    expect((await op.ok('incidents.acknowledge', { teamId: w.own, incidentId, note: 'looking' })).incident.status).toBe('acknowledged');
    expect((await op.ok('incidents.resolve', { teamId: w.own, incidentId })).incident.status).toBe('resolved');
    const got = await w.clients.viewer.ok('incidents.get', { teamId: w.own, incidentId });
    expect(got.timeline.map((e: { kind: string }) => e.kind)).toEqual(['acknowledged', 'resolved']);
    expect((await op.call('incidents.acknowledge', { teamId: w.own, incidentId })).status).toBe(409);
    expect((await w.clients.viewer.ok('agents.list', { teamId: w.own })).agents).toEqual([]);
  });

  it('the event stream pushes own-team changes only, secrets stripped, and refuses anonymous and cross-origin clients', async () => {
    const wsUrl = `${node.url.replace('http', 'ws')}/api/events`;
    const refusedAnon = await new Promise<number>((resolve) => {
      const ws = new WebSocket(wsUrl);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(refusedAnon).toBe(401);
    const refusedOrigin = await new Promise<number>((resolve) => {
      const ws = new WebSocket(wsUrl, { headers: { cookie: w.clients.viewer.cookie!, origin: 'https://evil.example' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(refusedOrigin).toBe(403);

    const ws = new WebSocket(wsUrl, { headers: { cookie: w.clients.viewer.cookie!, origin: node.url } });
    const messages: Json[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve) => ws.on('open', resolve));
    await w.clients.owner.ok('domains.create', { teamId: w.foreign, hostname: 'secret-foreign.example.com' });
    await w.clients.owner.ok('users.create', { teamId: w.foreign, email: 'hidden@example.com', displayName: 'H', password: 'correct horse battery', role: 'viewer' });
    const mine = (await w.clients.operator.ok('domains.create', { teamId: w.own, hostname: 'pushed.example.com' })).domain;
    await expect.poll(() => messages.flatMap((m) => m.changes ?? []).some((c: Json) => c.id === mine.id)).toBe(true);
    ws.close();
    expect(messages[0]).toEqual({ type: 'hello', nodeId: node.store.nodeId });
    const text = JSON.stringify(messages);
    expect(text).not.toContain('secret-foreign');
    expect(text).not.toContain('hidden@example.com');
    expect(text).not.toContain('scrypt$');
  });
});
