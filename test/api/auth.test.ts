import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, startTestNode, type TestNode } from './harness';
import type { Json } from './harness';

const OWNER = { email: 'owner@example.com', displayName: 'Olive Owner', password: 'correct horse battery', teamName: 'Ops' };

describe('auth over HTTP', () => {
  let node: TestNode;
  let clock = 1_700_000_000_000;
  beforeEach(async () => {
    clock = 1_700_000_000_000;
    node = await startTestNode({ now: () => clock });
  });
  afterEach(async () => node.close());

  it('first run: status asks for setup, setup creates the owner and team and signs in, then login works', async () => {
    const c = new Client(node.url);
    expect((await c.ok('auth.status', {})).setupRequired).toBe(true);
    const setup = await c.ok('auth.setup', OWNER);
    expect(setup.user).toMatchObject({ email: OWNER.email, owner: true });
    expect(setup.user).not.toHaveProperty('passwordHash');
    const me = await c.ok('auth.me', {});
    expect(me.memberships).toEqual([{ teamId: setup.team.id, teamName: 'Ops', role: 'admin' }]);
    expect((await c.ok('auth.status', {})).setupRequired).toBe(false);

    const again = await new Client(node.url).call('auth.setup', { ...OWNER, email: 'other@example.com' });
    expect(again.status).toBe(403);

    const fresh = new Client(node.url);
    expect((await fresh.call('auth.me', {})).status).toBe(401);
    await fresh.ok('auth.login', { email: 'OWNER@example.com', password: OWNER.password });
    expect((await fresh.ok('auth.me', {})).user.email).toBe(OWNER.email);
    await fresh.ok('auth.logout', {});
    expect(fresh.cookie).toBeNull();
    expect((await fresh.call('auth.me', {})).status).toBe(401);
  });

  it('the session cookie is HttpOnly, SameSite=Strict, Path=/', async () => {
    const c = new Client(node.url);
    const r = await c.call('auth.setup', OWNER);
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^ng_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    // Only the hash of the session id is stored.
    const secret = cookie.split(';')[0]!.split('=')[1]!;
    const rows = node.store.db.prepare('SELECT id_hash FROM auth_sessions').pluck().all() as string[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).not.toContain(secret);
  });

  it('a wrong password is refused with NG_UNAUTHENTICATED and no cookie', async () => {
    await new Client(node.url).ok('auth.setup', OWNER);
    const c = new Client(node.url);
    const r = await c.call('auth.login', { email: OWNER.email, password: 'not the password' });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('NG_UNAUTHENTICATED');
    expect(r.headers.get('set-cookie')).toBeNull();
  });

  it('repeated failures are slowed down: NG_RATE_LIMITED with retryAfterMs, even for the right password, until the wait passes', async () => {
    await new Client(node.url).ok('auth.setup', OWNER);
    const c = new Client(node.url);
    for (let i = 0; i < 5; i++) expect((await c.call('auth.login', { email: OWNER.email, password: `wrong ${i} guess` })).status).toBe(401);
    const limited = await c.call('auth.login', { email: OWNER.email, password: OWNER.password });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('NG_RATE_LIMITED');
    const first = limited.body.details.retryAfterMs as number;
    expect(first).toBeGreaterThan(0);
    clock += first;
    expect((await c.call('auth.login', { email: OWNER.email, password: 'wrong again' })).status).toBe(401);
    const second = (await c.call('auth.login', { email: OWNER.email, password: OWNER.password })).body.details.retryAfterMs as number;
    expect(second).toBeGreaterThan(first);
    clock += second;
    expect((await c.call('auth.login', { email: OWNER.email, password: OWNER.password })).status).toBe(200);
  });

  it('cookie-authenticated POSTs without the CSRF header, or from another origin, are refused', async () => {
    const c = new Client(node.url);
    await c.ok('auth.setup', OWNER);
    const bare = new Client(node.url, { csrf: false });
    bare.cookie = c.cookie;
    const r = await bare.call('auth.me', {});
    expect(r.status).toBe(403);
    expect(r.body.path).toEqual(['headers', 'x-netgoat-csrf']);
    const cross = await c.call('auth.me', {}, { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    expect(cross.body.path).toEqual(['headers', 'origin']);
    expect((await c.call('auth.me', {}, { origin: node.url })).status).toBe(200);
  });

  it('oversized bodies are refused with 413 NG_TOO_LARGE', async () => {
    const c = new Client(node.url);
    const r = await c.call('auth.login', { email: OWNER.email, password: 'x'.repeat(300 * 1024) });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('NG_TOO_LARGE');
  });

  it('malformed input names the field', async () => {
    const c = new Client(node.url);
    const r = await c.call('auth.setup', { ...OWNER, email: 'not-an-email' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ ok: false, code: 'NG_VALIDATION', path: ['email'] });
    const unknownField = await c.call('auth.status', { surprise: 1 });
    expect(unknownField.status).toBe(400);
  });

  it('serves an OpenAPI document generated from the contract', async () => {
    const res = await fetch(`${node.url}/api/openapi.json`);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Json> };
    expect(doc.openapi).toBe('3.1.0');
    const create = doc.paths['/api/rpc/domains.create'].post;
    expect(create.requestBody.content['application/json'].schema.required).toContain('hostname');
    expect(create['x-netgoat-access']).toEqual({ kind: 'team', minRole: 'operator' });
  });
});
