// The cluster service as a node runs it, three nodes in one process on 127.0.0.1: real stores,
// real TLS peer links, the real election on real timers, and the leader-duties hook.

import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../db/store';
import { createLogger } from '../log';
import { clusterMigrations } from './migrations';
import { ClusterService } from './cluster-service';
import { formatJoinCode, parseJoinCode } from './join-code';

interface Running {
  service: ClusterService;
  store: Store;
  /** Names of leader duties this node ran, in start order. */
  dutyLog: string[];
  dir: string;
}

const dirs: string[] = [];
const running: Running[] = [];

async function startMember(nodeId: string, existingDir?: string): Promise<Running> {
  const dir = existingDir ?? mkdtempSync(join(tmpdir(), 'ng-cluster-svc-'));
  if (!existingDir) dirs.push(dir);
  const store = Store.open({ path: join(dir, 'node.db'), nodeId, migrations: clusterMigrations, durability: 'normal' });
  const log = createLogger({ level: 'warn', destination: { write: () => {} } });
  const service = await ClusterService.start({ store, log, name: nodeId, listen: { host: '127.0.0.1', port: 0 }, discovery: false });
  const dutyLog: string[] = [];
  service.duties.register('probe', (term) => {
    dutyLog.push(`start ${term}`);
    return () => void dutyLog.push('stop');
  });
  const r = { service, store, dutyLog, dir };
  running.push(r);
  return r;
}

async function stop(r: Running): Promise<void> {
  running.splice(running.indexOf(r), 1);
  await r.service.close();
  r.store.close();
}

async function eventually(what: string, check: () => boolean, patienceMs = 15_000): Promise<void> {
  const deadline = Date.now() + patienceMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The leader every node names, or null while they disagree or know of none. */
function agreedLeader(nodes: Running[]): string | null {
  const named = new Set(nodes.map((n) => n.service.status().leader?.nodeId ?? null));
  const [only] = [...named];
  return named.size === 1 && only ? only : null;
}

afterEach(async () => {
  for (const r of [...running]) await stop(r);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ClusterService', () => {
  it('creates, joins, replicates, agrees on one leader that alone runs the duties, and hands over on close', async () => {
    const [a, b, c] = await Promise.all(['na1', 'nb2', 'nc3'].map((id) => startMember(id))) as [Running, Running, Running];
    const { joinCode } = a.service.create();
    await b.service.join(a.service.peerAddress, joinCode);
    await c.service.join(a.service.peerAddress, joinCode);

    a.store.write('teams', 'team-one', { name: 'One', createdAt: 1 }, { actor: 'test' });
    await eventually('the write is on every node', () => [b, c].every((n) => n.store.get('teams', 'team-one')?.name === 'One'));
    await eventually('all three are members', () => [a, b, c].every((n) => n.service.status().members.filter((m) => !m.removed).length === 3));

    await eventually('one leader agreed by all', () => agreedLeader([a, b, c]) !== null);
    const leaderId = agreedLeader([a, b, c])!;
    const leader = [a, b, c].find((n) => n.store.nodeId === leaderId)!;
    const followers = [a, b, c].filter((n) => n !== leader);
    expect(leader.service.status().election.role).toBe('leader');
    expect(followers.map((f) => f.service.status().election.role)).toEqual(['follower', 'follower']);
    await eventually('the duty runs on the leader', () => leader.service.duties.running().includes('probe'));
    expect(followers.every((f) => f.dutyLog.length === 0)).toBe(true);
    const term = leader.service.status().leader!.term;
    expect(leader.service.status().leader!.since).toEqual(expect.any(Number));

    await stop(leader);
    expect(leader.dutyLog.at(-1)).toBe('stop');
    await eventually('the others agree on a new leader', () => {
      const next = agreedLeader(followers);
      return next !== null && next !== leaderId;
    });
    const next = followers.find((f) => f.store.nodeId === agreedLeader(followers))!;
    expect(next.service.status().leader!.term).toBeGreaterThan(term);
    await eventually('the duty moved to the new leader', () => next.dutyLog[0]?.startsWith('start ') === true);
    expect(followers.find((f) => f !== next)!.dutyLog).toEqual([]);
  });

  it('refuses a node with a wrong join code: it keeps no key and receives nothing', async () => {
    const [a, stranger] = await Promise.all(['na1', 'nz9'].map((id) => startMember(id))) as [Running, Running];
    const { joinCode } = a.service.create();
    a.store.write('teams', 'secret-team', { name: 'Secret', createdAt: 1 }, { actor: 'test' });
    const wrong = formatJoinCode(parseJoinCode(joinCode).clusterId, randomBytes(32));

    await expect(stranger.service.join(a.service.peerAddress, wrong)).rejects.toMatchObject({ code: expect.stringMatching(/^NG_(UNAUTHENTICATED|BAD_SIGNATURE|UNAVAILABLE)$/) });
    expect(stranger.service.keys.clusterId()).toBeNull();
    expect(stranger.service.status().self.inCluster).toBe(false);
    expect(stranger.store.get('teams', 'secret-team')).toBeUndefined();
    expect(a.service.status().members.map((m) => m.nodeId)).toEqual(['na1']);
  });

  it('a member restarted on another port is linked again and, outranking the leader, leads after the hold-down', async () => {
    const [a, c] = await Promise.all(['na1', 'nc3'].map((id) => startMember(id))) as [Running, Running];
    const { joinCode } = a.service.create();
    await c.service.join(a.service.peerAddress, joinCode);
    await eventually('nc3 leads', () => agreedLeader([a, c]) === 'nc3');
    const oldAddress = c.service.peerAddress;

    await stop(c);
    await eventually('na1 takes over', () => agreedLeader([a]) === 'na1');
    const back = await startMember('nc3', c.dir);
    expect(back.service.peerAddress).not.toBe(oldAddress);
    await eventually('nc3 is linked again and leads', () => agreedLeader([a, back]) === 'nc3');
    expect(a.store.get('members', 'nc3')!.address).toBe(back.service.peerAddress);
  });

  it('shows in the members view why a member it keeps dialing is not linked', async () => {
    const [a, c] = await Promise.all(['na1', 'nc3'].map((id) => startMember(id))) as [Running, Running];
    const { joinCode } = a.service.create();
    await c.service.join(a.service.peerAddress, joinCode);
    await eventually('linked', () => a.service.status().members.every((m) => m.connected));

    await stop(c);
    // na1 has the smaller id, so it is the one that redials nc3, and each dial is refused.
    await eventually('nc3 shows a coded dial failure', () => {
      const member = a.service.status().members.find((m) => m.nodeId === 'nc3');
      return member?.connected === false && member.lastError?.code === 'NG_UNAVAILABLE';
    });
    const member = a.service.status().members.find((m) => m.nodeId === 'nc3')!;
    expect(member.lastError!.message).toMatch(/^dial failed: .*ECONNREFUSED/);
    expect(member.lastSeen).toEqual(expect.any(Number));
  });

  it('says which peer port is taken when it cannot listen', async () => {
    const a = await startMember('na1');
    const port = Number(new URL(a.service.peerAddress).port);
    const dir = mkdtempSync(join(tmpdir(), 'ng-cluster-svc-'));
    dirs.push(dir);
    const store = Store.open({ path: join(dir, 'node.db'), nodeId: 'nb2', migrations: clusterMigrations, durability: 'normal' });
    const log = createLogger({ level: 'silent', destination: { write: () => {} } });
    try {
      await expect(ClusterService.start({ store, log, name: 'b', listen: { host: '127.0.0.1', port }, discovery: false }))
        .rejects.toMatchObject({ code: 'NG_UNAVAILABLE', message: expect.stringContaining(`127.0.0.1:${port}: the port is already in use`) });
    } finally {
      store.close();
    }
  });

  it('a priority raised above the leader takes over after the hold-down', async () => {
    const [a, b] = await Promise.all(['na1', 'nb2'].map((id) => startMember(id))) as [Running, Running];
    const { joinCode } = a.service.create();
    await b.service.join(a.service.peerAddress, joinCode);
    await eventually('a leader', () => agreedLeader([a, b]) !== null);
    const follower = agreedLeader([a, b]) === 'na1' ? b : a;

    follower.service.setPriority(follower.store.nodeId, 900, 'test');
    await eventually('the raised node leads', () => agreedLeader([a, b]) === follower.store.nodeId);
    expect(a.store.get('members', follower.store.nodeId)!.priority).toBe(900);
  });
});
