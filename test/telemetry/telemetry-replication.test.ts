// Telemetry between real cluster members (ClusterService over WSS on 127.0.0.1): buckets an agent
// delivered to one member reach the others through the peer link's side channel, not the oplog;
// duplicates (a page seen twice, an agent re-shipping after a failover) count once; a member that
// joins later gets a dead member's buckets from any survivor; agent presence from the member an
// agent is linked to is what the alert evaluator sees everywhere; bad telemetry frames are refused.

import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentHealth } from '../../src/core/alerts/evaluate';
import { binOf, emptyDigest, quantileMs, toPairs } from '../../src/core/telemetry/latency-digest';
import type { TrafficBucket } from '../../src/core/telemetry/bucket';
import { ClusterService } from '../../src/main/cluster/cluster-service';
import { clusterMigrations } from '../../src/main/cluster/migrations';
import { clusterIdHash, keyIdOf } from '../../src/main/cluster/cluster-keys';
import { createSelfSignedCertificate } from '../../src/main/cluster/node-certificate';
import { parseJoinCode } from '../../src/main/cluster/join-code';
import { computeProof, newNonce } from '../../src/main/net/link-crypto';
import { Store } from '../../src/main/db/store';
import { createLogger } from '../../src/main/log';
import { TelemetryReplication } from '../../src/main/telemetry/telemetry-replication';
import { TelemetryStore, telemetryMigrations } from '../../src/main/telemetry/telemetry-store';
import { PEER_SUBPROTOCOL, PEER_WIRE_VERSION } from '../../src/shared/wire/peer';
import { eventually, tempDir } from '../cluster/support';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const TEAM = 'team1';
const COUNTERS = { malformedLines: 0, lateLines: 0, probeLines: 0, droppedBuckets: 0 };

interface Member {
  nodeId: string;
  store: Store;
  cluster: ClusterService;
  telemetry: TelemetryStore;
  replication: TelemetryReplication;
  /** What this member's gateway would report (the test sets it). */
  linked: AgentHealth[];
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

const dir = tempDir();
const members: Member[] = [];

async function member(nodeId: string): Promise<Member> {
  const store = Store.open({ path: `${dir.path}/${nodeId}.db`, nodeId, migrations: [...clusterMigrations, ...telemetryMigrations] });
  const logs: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) } });
  const cluster = await ClusterService.start({ store, log, name: nodeId, listen: { host: '127.0.0.1', port: 0 }, discovery: false });
  const telemetry = new TelemetryStore(store.db, { origin: nodeId });
  const m: Member = {
    nodeId, store, cluster, telemetry, logs, linked: [],
    replication: null as unknown as TelemetryReplication,
    async stop() {
      m.replication.close();
      await cluster.close();
      store.close();
    },
  };
  m.replication = new TelemetryReplication({ store: telemetry, channel: cluster.telemetryChannel(), localHealth: () => m.linked, log, tickMs: 100, presenceEveryTicks: 2 });
  members.push(m);
  return m;
}

function bucket(domainId: string, start: number, requests: number, s502 = 0): TrafficBucket {
  const counts = emptyDigest();
  counts[binOf(20)] = requests;
  return { domainId, start, lengthMs: 60_000, requests, status2xx: requests - s502, status3xx: 0, status4xx: 0, status5xx: s502, status502: s502, bytes: requests * 100, p50Ms: quantileMs(counts, 0.5), p95Ms: quantileMs(counts, 0.95), p99Ms: quantileMs(counts, 0.99), latency: toPairs(counts), configVersion: 1 };
}

const all = (m: Member) => m.telemetry.query({ teamId: TEAM, from: 0, to: T0 + 1_000 * 60_000, resolution: 'base' });
const requests = (m: Member) => all(m).reduce((n, b) => n + b.requests, 0);

let a: Member;
let b: Member;
let joinCode: string;

beforeAll(async () => {
  [a, b] = await Promise.all([member('node-a'), member('node-b')]);
  joinCode = a.cluster.create().joinCode;
  await b.cluster.join(a.cluster.peerAddress, joinCode);
});

afterAll(async () => {
  for (const m of members) await m.stop().catch(() => undefined);
  dir.remove();
});

describe('telemetry replication between members', () => {
  it('sends the buckets an agent delivered to one member to the other, outside the oplog', async () => {
    await eventually('the members\' domain state has settled', () => a.store.stateHash() === b.store.stateHash());
    const opsBefore = b.store.vector();
    // 1,200 buckets: more than one page, so the pull continues page by page.
    const buckets = Array.from({ length: 1_200 }, (_, i) => bucket(`d${i % 3}`, T0 + Math.floor(i / 3) * 60_000, 10, i % 2));
    a.telemetry.insert('agt_one', TEAM, buckets);
    a.telemetry.noteAgent('agt_one', TEAM, T0 + 400 * 60_000, { ...COUNTERS, lateLines: 7 });
    await eventually('b holds all of a\'s buckets', () => all(b).length === 1_200);
    expect(requests(b)).toBe(12_000);
    expect(all(b).reduce((n, x) => n + x.status502, 0)).toBe(600);
    expect(b.telemetry.agent('agt_one')).toMatchObject({ coveredUntil: T0 + 400 * 60_000, counters: { lateLines: 7 } });
    // Nothing of it went through the domain oplog.
    expect(b.store.vector()).toEqual(opsBefore);
    expect(b.telemetry.cursors()['node-a']).toBeGreaterThan(0);
  });

  it('counts a bucket once when the agent re-ships it to another member after a failover', async () => {
    const before = requests(a);
    const again = [bucket('d0', T0, 10, 0), bucket('d0', T0 + 500 * 60_000, 4, 4)];
    // The agent rewinds and sends to b what a already had, plus one new bucket.
    expect(b.telemetry.insert('agt_one', TEAM, again)).toEqual({ inserted: 1, duplicates: 1 });
    await eventually('a holds the new bucket from b', () => requests(a) === before + 4);
    // Many more rounds change nothing.
    for (let i = 0; i < 5; i++) {
      a.replication.tick();
      b.replication.tick();
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(requests(a)).toBe(before + 4);
    expect(requests(b)).toBe(before + 4);
  });

  it('a member that joins later gets a stopped member\'s buckets from a survivor', async () => {
    const expected = requests(b);
    const c = await member('node-c');
    await a.stop();
    members.splice(members.indexOf(a), 1);
    await c.cluster.join(b.cluster.peerAddress, joinCode);
    await eventually('c holds every bucket, node-a\'s included', () => requests(c) === expected, 20_000);
    expect(all(c)).toHaveLength(all(b).length);
    expect(Object.keys(c.telemetry.cursors()).sort()).toEqual(['node-a', 'node-b']);
  });

  it('the freshest heartbeat from any member is what the evaluator sees', async () => {
    const c = members.find((m) => m.nodeId === 'node-c')!;
    const now = Date.now();
    // b's gateway last saw the agent long ago; it is linked to c now.
    b.linked = [{ teamId: TEAM, agentId: 'agt_two', connected: false, lastSeenAt: now - 600_000, nginxDownSince: null, lastApply: null, appliedVersion: 3 }];
    c.linked = [{ teamId: TEAM, agentId: 'agt_two', connected: true, lastSeenAt: now, nginxDownSince: now - 1_000, lastApply: null, appliedVersion: 4 }];
    await eventually('b sees the agent connected through c', () => b.replication.fleetHealth().some((h) => h.agentId === 'agt_two' && h.connected));
    expect(b.replication.fleetHealth().find((h) => h.agentId === 'agt_two')).toMatchObject({ connected: true, lastSeenAt: now, nginxDownSince: now - 1_000, appliedVersion: 4 });

    // c goes away: its claim expires, the last heartbeat it reported stays the freshest.
    await c.stop();
    members.splice(members.indexOf(c), 1);
    await eventually('the claim of a stopped member expires', () => b.replication.fleetHealth().find((h) => h.agentId === 'agt_two')?.connected === false, 10_000);
    expect(b.replication.fleetHealth().find((h) => h.agentId === 'agt_two')).toMatchObject({ lastSeenAt: now });
  });

  it('refuses a telemetry frame that fails its schema, with a coded reason', async () => {
    const { clusterId, key } = parseJoinCode(joinCode);
    const cert = createSelfSignedCertificate('node-x');
    const ws = new WebSocket(b.cluster.peerAddress, PEER_SUBPROTOCOL, { key: cert.keyPem, cert: cert.certPem, rejectUnauthorized: false });
    const received: Record<string, unknown>[] = [];
    let serverFp = '';
    ws.once('upgrade', (res) => {
      serverFp = (res.socket as TLSSocket).getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase();
    });
    const nonce = newNonce();
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Record<string, unknown>;
      received.push(msg);
      if (msg['type'] === 'hello') {
        ws.send(JSON.stringify({ type: 'proof', v: PEER_WIRE_VERSION, proof: computeProof({ key, clientNonce: nonce, serverNonce: msg['nonce'] as string, clientFingerprint: cert.fingerprint, serverFingerprint: serverFp, role: 'client' }) }));
        // A page whose bucket claims more 502s than 5xx.
        const bad = { ...bucket('d0', T0, 10, 2), status5xx: 1 };
        ws.send(JSON.stringify({ type: 'telemetry', v: 1, kind: 'buckets', origin: 'node-x', after: 0, through: 1, more: false, buckets: [{ agentId: 'agt_x', teamId: TEAM, seq: 1, bucket: bad }] }));
      }
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({
      type: 'hello', v: PEER_WIRE_VERSION, nodeId: 'node-x', name: 'x', nonce, fingerprint: cert.fingerprint, clusterIdHash: clusterIdHash(clusterId),
      keyIds: [keyIdOf(key)], priority: 1, address: null, joining: true,
    }));
    await eventually('b refuses the bad page', () => received.some((m) => m['type'] === 'error' && m['code'] === 'NG_BAD_MESSAGE' && String(m['message']).includes('status502')));
    ws.terminate();
    expect(all(b).some((x) => x.requests === 10 && x.status502 === 2)).toBe(false);
  });
});
