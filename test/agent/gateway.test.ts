// The node's agent gateway over a real socket: enrollment, signed sessions, diffs, status, key
// rotation, revocation, and refusal of bad input without harm to the node.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_WIRE_VERSION, CLOSE_REVOKED } from '../../src/shared/wire/agent';
import { createEnrollmentToken, enrollWithToken } from '../../src/main/gateway/index';
import { join } from 'node:path';
import { Store } from '../../src/main/db/store';
import { bodyOf, connectRaw, startTestNode, TEAM, upstreamProxy, writeDomain, type RawClient, type TestNode } from './support';

let node: TestNode;
beforeEach(async () => {
  node = await startTestNode();
});
afterEach(async () => {
  await node.cleanup();
});

async function enrollRaw(token: string): Promise<Record<string, unknown>> {
  const c = await connectRaw(node.url);
  c.ws.send(JSON.stringify({ type: 'enroll', v: AGENT_WIRE_VERSION, token, hostname: 'edge-1' }));
  const reply = await c.next();
  await c.closed;
  return reply;
}

async function enrolled(labels: string[] = ['edge']): Promise<{ agentId: string; key: { kid: string; secret: string } }> {
  const { token } = node.gateway.createEnrollmentToken({ teamId: TEAM, name: 'edge one', labels, createdBy: 'usr_admin' });
  const r = await enrollRaw(token);
  expect(r.type).toBe('enrolled');
  return { agentId: r.agentId as string, key: { kid: r.kid as string, secret: r.key as string } };
}

async function session(agentId: string, key: { kid: string; secret: string }, applied = { version: 0, checksum: '' }): Promise<RawClient> {
  const c = await connectRaw(node.url);
  c.sendSigned(key, { type: 'hello', agentId, appliedVersion: applied.version, appliedChecksum: applied.checksum, agentVersion: 'test' });
  return c;
}

const okReport = { ok: true, code: null, message: null, domainId: null, durationMs: 1, rolledBack: false };

describe('enrollment', () => {
  it('trades a token once for an agent id and session key; a second use and an expired token are refused', async () => {
    const { token } = node.gateway.createEnrollmentToken({ teamId: TEAM, name: 'edge one', labels: ['edge'], createdBy: 'usr_admin' });
    const first = await enrollRaw(token);
    expect(first).toMatchObject({ type: 'enrolled', teamId: TEAM });
    const agent = node.store.get('agents', first.agentId as string)!;
    expect(agent.labels).toEqual(['edge']);
    expect(agent.keys[0]!.kid).toBe(first.kid);

    expect(await enrollRaw(token)).toMatchObject({ type: 'refused', code: 'NG_REVOKED' });
    expect(await enrollRaw('ngt_this-token-was-never-issued-by-anyone')).toMatchObject({ type: 'refused', code: 'NG_UNAUTHENTICATED' });

    const expired = node.gateway.createEnrollmentToken({ teamId: TEAM, name: 'late', createdBy: 'usr_admin', ttlMs: 1000, now: Date.now() - 5000 });
    expect(await enrollRaw(expired.token)).toMatchObject({ type: 'refused', code: 'NG_REVOKED' });
  });
});

describe('desired state push', () => {
  it('sends a full snapshot for an unknown base, then per-domain diffs against the acknowledged version', async () => {
    const served = writeDomain(node.store, 'a.example.com', { labels: ['edge'], proxy: (id) => upstreamProxy(id, 9001) });
    writeDomain(node.store, 'b.example.com', { labels: ['edge', 'region=us'] });
    writeDomain(node.store, 'c.example.com', { team: 'team2' });
    const { agentId, key } = await enrolled(['edge']);
    const c = await session(agentId, key);

    const full = bodyOf(await c.next());
    expect(full.type).toBe('full');
    expect((full.domains as { domainId: string }[]).map((d) => d.domainId)).toEqual([served]);
    expect(node.gateway.getAgent(agentId)!.sync).toBe('Out of sync');
    c.sendSigned(key, { type: 'ack', version: full.version, appliedVersion: full.version, appliedChecksum: full.checksum, report: okReport });
    await expect.poll(() => node.gateway.getAgent(agentId)!.sync).toBe('In sync');

    const added = writeDomain(node.store, 'd.example.com', { labels: ['edge'] });
    const diffFrame = await c.next();
    const diff = bodyOf(diffFrame);
    expect(diff).toMatchObject({ type: 'diff', baseVersion: full.version, baseChecksum: full.checksum, removes: [] });
    expect((diff.upserts as { domainId: string }[]).map((d) => d.domainId)).toEqual([added]);
    expect(diff.version as number).toBeGreaterThan(full.version as number);
    expect(JSON.stringify(diffFrame).length).toBeLessThan(4096);

    node.store.delete('domains', served, { actor: 'usr_test' });
    c.sendSigned(key, { type: 'ack', version: diff.version, appliedVersion: diff.version, appliedChecksum: diff.checksum, report: okReport });
    const removal = bodyOf(await c.next());
    expect(removal).toMatchObject({ type: 'diff', baseVersion: diff.version, upserts: [], removes: [served] });
    c.ws.close();
  });

  it('records a failed apply as Sync failed with its error, and does not retry the same state', async () => {
    const id = writeDomain(node.store, 'a.example.com', { labels: ['edge'] });
    const { agentId, key } = await enrolled();
    const c = await session(agentId, key);
    const full = bodyOf(await c.next());
    c.sendSigned(key, {
      type: 'ack', version: full.version, appliedVersion: 0, appliedChecksum: '',
      report: { ok: false, code: 'NG_NGINX_INVALID', message: 'unknown directive "bogus"', domainId: id, durationMs: 5, rolledBack: true },
    });
    await expect.poll(() => node.gateway.getAgent(agentId)!.sync).toBe('Sync failed');
    const view = node.gateway.getAgent(agentId)!;
    expect(view.lastError).toEqual({ code: 'NG_NGINX_INVALID', message: 'unknown directive "bogus"', domainId: id });
    expect(view.appliedVersion).toBe(0);
    expect(view.lastAttempt).not.toBeNull();
    expect(view.lastSuccess).toBeNull();
    c.ws.close();
  });

  it('answers in_sync when the agent already holds the desired state', async () => {
    writeDomain(node.store, 'a.example.com', { labels: ['edge'] });
    const { agentId, key } = await enrolled();
    const c1 = await session(agentId, key);
    const full = bodyOf(await c1.next());
    c1.sendSigned(key, { type: 'ack', version: full.version, appliedVersion: full.version, appliedChecksum: full.checksum, report: okReport });
    await expect.poll(() => node.gateway.getAgent(agentId)!.sync).toBe('In sync');
    c1.ws.close();
    await c1.closed;
    const c2 = await session(agentId, key, { version: full.version as number, checksum: full.checksum as string });
    c2.sendSigned(key, { type: 'heartbeat', appliedVersion: full.version, nginx: { up: true, active: 1, accepts: 1, handled: 1, requests: 1, reading: 0, writing: 1, waiting: 0 }, host: { loadavg: [0, 0, 0], memTotalMb: 1, memFreeMb: 1, uptimeS: 1 } });
    await expect.poll(() => node.gateway.getAgent(agentId)!.status).toBe('Online');
    expect(node.gateway.getAgent(agentId)!.sync).toBe('In sync');
    expect(c2.frames.map((f) => bodyOf(f as Record<string, unknown>).type)).not.toContain('full');
    c2.ws.close();
  });
});

describe('replicated changes', () => {
  it('a domain that arrives in a snapshot (a replica catching up past compaction) is pushed like one written here', async () => {
    const { agentId, key } = await enrolled(['edge']);
    const c = await session(agentId, key);
    const full = bodyOf(await c.next());
    c.sendSigned(key, { type: 'ack', version: full.version, appliedVersion: full.version, appliedChecksum: full.checksum, report: okReport });
    await expect.poll(() => node.gateway.getAgent(agentId)!.sync).toBe('In sync');

    const peer = Store.open({ path: join(node.dir, 'peer.db'), nodeId: 'npeer' });
    const added = writeDomain(peer, 'from-a-peer.example.com', { labels: ['edge'] });
    node.store.importSnapshot(peer.exportSnapshot());
    peer.close();
    const diff = bodyOf(await c.next((f) => bodyOf(f).type === 'diff'));
    expect((diff.upserts as { domainId: string }[]).map((d) => d.domainId)).toEqual([added]);
  });
});

describe('fan-out', () => {
  it('a change reaches every linked agent of a group larger than one push slice, and each ack is recorded', async () => {
    const id = writeDomain(node.store, 'a.example.com', { labels: ['edge'], proxy: (d) => upstreamProxy(d, 9001) });
    const agents = node.store.transaction(() => Array.from({ length: 600 }, (_, i) => {
      const { token } = createEnrollmentToken(node.store, { teamId: TEAM, name: `edge-${i}`, labels: ['edge'], createdBy: 'usr_admin' });
      const e = enrollWithToken(node.store, token);
      return { agentId: e.agentId, key: { kid: e.kid, secret: e.key } };
    }));
    await expect.poll(() => node.gateway.getAgent(agents[599]!.agentId)).toBeDefined();
    const clients = await Promise.all(agents.map(async (a) => {
      const c = await session(a.agentId, a.key);
      const full = bodyOf(await c.next());
      c.sendSigned(a.key, { type: 'ack', version: full.version, appliedVersion: full.version, appliedChecksum: full.checksum, report: okReport });
      return c;
    }));
    await expect.poll(() => agents.every((a) => node.gateway.getAgent(a.agentId)!.sync === 'In sync')).toBe(true);

    node.store.write('proxy_configs', id, { headers: [{ name: 'X-Served-By', value: 'fan-out' }] }, { actor: 'usr_test' });
    const diffs = await Promise.all(clients.map(async (c) => bodyOf(await c.next((f) => bodyOf(f).type === 'diff'))));
    expect(new Set(diffs.map((d) => d.checksum)).size).toBe(1);
    clients.forEach((c, i) => c.sendSigned(agents[i]!.key, { type: 'ack', version: diffs[i]!.version, appliedVersion: diffs[i]!.version, appliedChecksum: diffs[i]!.checksum, report: okReport }));
    await expect.poll(() => agents.filter((a) => node.gateway.getAgent(a.agentId)!.appliedVersion === diffs[0]!.version).length).toBe(600);
    for (const c of clients) c.ws.close();
  });
});

describe('keys', () => {
  it('revoking an agent cuts its link at once and its key stops working', async () => {
    const { agentId, key } = await enrolled();
    const c = await session(agentId, key);
    await c.next();
    node.gateway.revokeAgent(agentId, 'usr_admin');
    expect((await c.closed).code).toBe(CLOSE_REVOKED);
    const again = await session(agentId, key);
    expect(await again.next()).toMatchObject({ type: 'refused', code: 'NG_REVOKED' });
  });

  it('rotation hands the linked agent a new primary; the old key works until the next rotation', async () => {
    writeDomain(node.store, 'a.example.com', { labels: ['edge'] });
    const { agentId, key } = await enrolled();
    const c = await session(agentId, key);
    await c.next();
    const { kid } = node.gateway.rotateAgentKey(agentId, 'usr_admin');
    const rekey = bodyOf(await c.next((f) => bodyOf(f).type === 'rekey'));
    expect(rekey.kid).toBe(kid);
    c.ws.close();
    await c.closed;

    const fresh = { kid, secret: rekey.key as string };
    const viaNew = await session(agentId, fresh);
    expect(bodyOf(await viaNew.next()).type).toBe('full');
    viaNew.ws.close();
    const viaOld = await session(agentId, key);
    expect(bodyOf(await viaOld.next((f) => bodyOf(f).type === 'rekey')).kid).toBe(kid);
    viaOld.ws.close();
    await viaOld.closed;

    node.gateway.rotateAgentKey(agentId, 'usr_admin');
    const retired = await session(agentId, key);
    expect(await retired.next()).toMatchObject({ type: 'refused', code: 'NG_REVOKED' });
  });
});

describe('bad input', () => {
  it('refuses malformed, unsigned, forged, replayed, stale and oversized messages with coded reasons, and keeps serving', async () => {
    const { agentId, key } = await enrolled();

    const refusedWith = async (send: (c: RawClient) => void): Promise<unknown> => {
      const c = await connectRaw(node.url);
      send(c);
      const f = await c.next();
      c.ws.terminate();
      return f;
    };
    expect(await refusedWith((c) => c.ws.send('{not json'))).toMatchObject({ type: 'refused', code: 'NG_BAD_MESSAGE' });
    expect(await refusedWith((c) => c.ws.send(JSON.stringify({ type: 'hello', agentId })))).toMatchObject({ type: 'refused', code: 'NG_BAD_SIGNATURE' });
    expect(await refusedWith((c) => c.sendSigned({ kid: key.kid, secret: 'A'.repeat(43) }, { type: 'hello', agentId, appliedVersion: 0, appliedChecksum: '', agentVersion: 't' }))).toMatchObject({ type: 'refused', code: 'NG_BAD_SIGNATURE' });
    expect(await refusedWith((c) => c.sendSigned(key, { type: 'hello', agentId, appliedVersion: 0, appliedChecksum: '', agentVersion: 't' }, Date.now() - 120_000))).toMatchObject({ type: 'refused', code: 'NG_REPLAY' });
    expect(await refusedWith((c) => c.sendSigned(key, { type: 'hello', agentId, appliedVersion: 0, appliedChecksum: '', agentVersion: 't' }, Date.now() + 120_000))).toMatchObject({ type: 'refused', code: 'NG_CLOCK_SKEW' });
    expect(await refusedWith((c) => c.ws.send(`{"pad":"${'x'.repeat(300 * 1024)}"}`))).toMatchObject({ type: 'refused', code: 'NG_TOO_LARGE' });
    expect(await refusedWith((c) => c.sendSigned(key, { type: 'launch', agentId }))).toMatchObject({ type: 'refused', code: 'NG_BAD_MESSAGE' });

    // Inside a session: a replayed frame and a bad body are refused by signed error messages.
    const c = await session(agentId, key);
    await c.next();
    const hb = c.sendSigned(key, { type: 'heartbeat', appliedVersion: 0, nginx: { up: false, active: 0, accepts: 0, handled: 0, requests: 0, reading: 0, writing: 0, waiting: 0 }, host: { loadavg: [0, 0, 0], memTotalMb: 1, memFreeMb: 1, uptimeS: 1 } });
    c.ws.send(hb);
    expect(bodyOf(await c.next((f) => bodyOf(f).type === 'error'))).toMatchObject({ code: 'NG_REPLAY' });
    c.sendSigned(key, { type: 'ack', version: 'one' });
    expect(bodyOf(await c.next((f) => bodyOf(f).type === 'error'))).toMatchObject({ code: 'NG_BAD_MESSAGE' });
    await expect.poll(() => node.gateway.getAgent(agentId)!.status).toBe('Offline');
    c.ws.close();

    // The node still enrolls and serves.
    const other = await enrolled();
    const ok = await session(other.agentId, other.key);
    expect(bodyOf(await ok.next()).type).toBe('full');
    ok.ws.close();
  });
});

describe('liveness', () => {
  it('drops a link that is quiet and answers no ping; a busy link is not pinged, a quiet one that answers stays', async () => {
    await node.cleanup();
    node = await startTestNode({ pingIntervalMs: 100 });
    const { agentId, key } = await enrolled();
    const deaf = await connectRaw(node.url, { autoPong: false });
    const answering = await connectRaw(node.url);
    const busy = await connectRaw(node.url, { autoPong: false });
    let pingsToBusy = 0;
    busy.ws.on('ping', () => pingsToBusy++);
    busy.sendSigned(key, { type: 'hello', agentId, appliedVersion: 0, appliedChecksum: '', agentVersion: 'test' });
    await busy.next();
    // An ack for no version in flight: a valid signed message the node reads and otherwise ignores.
    const chatter = setInterval(() => busy.sendSigned(key, { type: 'ack', version: 999, appliedVersion: 0, appliedChecksum: '', report: okReport }), 30);
    try {
      // The deaf link is pinged at the first sweep that finds it quiet and dropped at the next.
      expect((await deaf.closed).code).toBe(1006);
      await new Promise((r) => setTimeout(r, 400));
      expect(answering.ws.readyState).toBe(answering.ws.OPEN);
      expect(busy.ws.readyState).toBe(busy.ws.OPEN);
      expect(pingsToBusy).toBe(0);
      expect(node.gateway.isConnected(agentId)).toBe(true);
    } finally {
      clearInterval(chatter);
      answering.ws.close();
      busy.ws.close();
    }
  });
});
