// Remote-link takeover with real processes: three `netgoat serve` nodes form a cluster on loopback,
// a real OpenID provider issues client-credentials tokens, and a fourth node is their remote peer.
// The leader holds the OAuth2 link; after kill -9 of the leader the new leader takes the link over
// and replication to the remote node goes on.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../api/harness';
import { startServe, stopAllProcesses, type ProcessHandle } from '../support/process';
import { startOidcProvider, type TestProvider } from './oidc-provider';
import { freePort } from '../support/nginx';

const SCOPE = 'netgoat:replicate';
const LEADER = { clientId: 'cluster-leader', clientSecret: 'cluster-leader-secret-0123456789', scope: SCOPE };

interface Node {
  name: string;
  proc: ProcessHandle;
  api: Client;
  nodeId: string;
  teamId: string;
}

let work: string;
let provider: TestProvider;
let members: Node[] = [];
let remote: Node & { address: string };

/** Polls until `check` yields something; the deadline is generous, the test asserts outcomes, not speed. */
async function eventually<T>(what: string, check: () => Promise<T | null | undefined | false>, patienceMs = 45_000): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    const v = await check().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const accepted = (proc: ProcessHandle) => (proc.stdout().match(/remote link accepted/g) ?? []).length;

async function startNode(name: string, extra: string[] = []): Promise<Node> {
  const { proc, url } = await startServe({ dataDir: join(work, name), args: ['--name', name, ...extra] });
  const api = new Client(url.replace(/\/$/, ''));
  const setup = await api.ok('auth.setup', { email: `owner@${name}.example.com`, displayName: `Owner ${name}`, password: 'correct horse battery', teamName: `Team ${name}` });
  const status = await api.ok('peers.status', {});
  return { name, proc, api, nodeId: status.nodeId as string, teamId: setup.team.id as string };
}

/** The leader all `nodes` name in one term, or null while they disagree (or one cannot answer). */
async function agreedLeader(nodes: readonly Node[]): Promise<{ nodeId: string; term: number } | null> {
  const leaders = await Promise.all(nodes.map(async (n) => (await n.api.ok('peers.status', {})).leader as { nodeId: string; term: number } | null));
  const first = leaders[0];
  if (!first || leaders.some((l) => !l || l.nodeId !== first.nodeId || l.term !== first.term)) return null;
  return first;
}

const linkState = async (node: Node) =>
  ((await node.api.ok('remotePeers.list', {})).peers as { nodeId: string; link: { state: string } }[]).find((p) => p.nodeId === remote.nodeId)?.link.state;

async function visibleOnRemote(teamId: string, domainId: string, hostname: string): Promise<boolean> {
  const r = await remote.api.call('domains.get', { teamId, domainId });
  return r.status === 200 && (r.body.value as { domain: { hostname: string } }).domain.hostname === hostname;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ng-remote-failover-'));
  const peerPort = await freePort();
  const address = `wss://127.0.0.1:${peerPort}`;
  provider = await startOidcProvider({ resources: [address], scopes: [SCOPE], clients: [LEADER] });
  const config = join(work, 'remote.json');
  writeFileSync(config, JSON.stringify({ remoteAuth: { issuer: provider.issuer, audience: address, requiredScope: SCOPE } }));
  const started = await Promise.all([startNode('m1'), startNode('m2'), startNode('m3'), startNode('far', ['--peer-port', String(peerPort), '--config', config])]);
  members = started.slice(0, 3);
  remote = { ...started[3]!, address };

  const [first, ...joiners] = members as [Node, ...Node[]];
  const { joinCode } = await first.api.ok('cluster.create', {});
  const firstAddress = ((await first.api.ok('peers.status', {})).self as { peerAddress: string }).peerAddress;
  for (const node of joiners) await node.api.ok('cluster.join', { address: firstAddress, joinCode });
  await eventually('all three members linked to each other', async () => {
    const linked = await Promise.all(members.map(async (n) => ((await n.api.ok('peers.status', {})).members as { connected: boolean; removed: boolean }[]).filter((m) => !m.removed && m.connected).length));
    return linked.every((c) => c === 3);
  });
}, 120_000);

afterAll(async () => {
  await stopAllProcesses();
  await provider?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('remote link on a leader change', () => {
  it('the new leader takes the OAuth2 link over after kill -9 of the leader, and replication to the remote node goes on', async () => {
    const first = await eventually('one leader agreed by all members', () => agreedLeader(members));
    const leader = members.find((n) => n.nodeId === first.nodeId)!;
    // Added on a follower: the record replicates and the leader's duty picks it up.
    const follower = members.find((n) => n !== leader)!;
    await follower.api.ok('remotePeers.add', {
      nodeId: remote.nodeId, address: remote.address, authority: provider.issuer, clientId: LEADER.clientId, clientSecret: LEADER.clientSecret, scopes: [SCOPE],
    });
    await eventually('the leader links to the remote node', async () => (await linkState(leader)) === 'linked');
    expect(accepted(remote.proc)).toBe(1);
    const before = await leader.api.ok('domains.create', { teamId: leader.teamId, hostname: 'before-failover.example.com' });
    await eventually('a write before the failover reaches the remote node', () => visibleOnRemote(leader.teamId, before.domain.id as string, 'before-failover.example.com'));

    leader.proc.child.kill('SIGKILL');
    expect((await leader.proc.exited).signal).toBe('SIGKILL');
    const survivors = members.filter((n) => n !== leader);
    const next = await eventually('the survivors agree on a new leader', async () => {
      const l = await agreedLeader(survivors);
      return l && l.nodeId !== leader.nodeId ? l : null;
    });
    expect(next.term).toBeGreaterThan(first.term);
    const newLeader = survivors.find((n) => n.nodeId === next.nodeId)!;

    await eventually('the new leader links to the remote node', async () => (await linkState(newLeader)) === 'linked');
    await eventually('the remote node accepted a second link', async () => accepted(remote.proc) >= 2);
    // Only the leader holds the link: the other survivor does not link.
    const other = survivors.find((n) => n !== newLeader)!;
    expect(await linkState(other)).not.toBe('linked');

    const after = await other.api.ok('domains.create', { teamId: other.teamId, hostname: 'after-failover.example.com' });
    await eventually('a write after the failover reaches the remote node', () => visibleOnRemote(other.teamId, after.domain.id as string, 'after-failover.example.com'));
  }, 180_000);
});
