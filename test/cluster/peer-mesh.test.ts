// Three real nodes over WSS on 127.0.0.1: join with the code, replicate both ways, refuse a wrong
// key, survive and punish bad input, compact what all acknowledged, catch a stale node up by
// snapshot, and lock out a removed member by rotating the key.

import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NgError } from '../../src/shared/errors';
import { PEER_SUBPROTOCOL, PEER_WIRE_VERSION } from '../../src/shared/wire/peer';
import { clusterIdHash, keyIdOf } from '../../src/main/cluster/cluster-keys';
import { createSelfSignedCertificate } from '../../src/main/cluster/node-certificate';
import { formatJoinCode, parseJoinCode } from '../../src/main/cluster/join-code';
import { computeProof, newNonce } from '../../src/main/net/link-crypto';
import { eventually, sameState, startNode, tempDir, type TestNode } from './support';

const dir = tempDir();
let a: TestNode;
let b: TestNode;
let c: TestNode;
let joinCode: string;
const extra: TestNode[] = [];

beforeAll(async () => {
  [a, b, c] = await Promise.all([startNode(dir.path, 'node-a'), startNode(dir.path, 'node-b'), startNode(dir.path, 'node-c')]);
});

afterAll(async () => {
  for (const n of [a, b, c, ...extra]) {
    await n?.stop();
    n?.store.close();
  }
  dir.remove();
});

const write = (n: TestNode, id: string, name: string) => n.store.write('teams', id, { name, createdAt: 1 }, { actor: 'test' });

/** A hand-driven peer: passes the handshake with `key`, then sends whatever the test wants. */
async function rawPeer(address: string, nodeId: string, clusterId: string, key: Buffer, claimFingerprint?: string) {
  const cert = createSelfSignedCertificate(nodeId);
  const ws = new WebSocket(address, PEER_SUBPROTOCOL, { key: cert.keyPem, cert: cert.certPem, rejectUnauthorized: false });
  const received: Record<string, unknown>[] = [];
  let serverFp = '';
  ws.once('upgrade', (res) => {
    serverFp = (res.socket as TLSSocket).getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase();
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const nonce = newNonce();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as Record<string, unknown>;
    received.push(msg);
    if (msg['type'] === 'hello') {
      const proof = computeProof({ key, clientNonce: nonce, serverNonce: msg['nonce'] as string, clientFingerprint: claimFingerprint ?? cert.fingerprint, serverFingerprint: serverFp, role: 'client' });
      ws.send(JSON.stringify({ type: 'proof', v: PEER_WIRE_VERSION, proof }));
    }
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({
    type: 'hello', v: PEER_WIRE_VERSION, nodeId, name: nodeId, nonce, fingerprint: claimFingerprint ?? cert.fingerprint, clusterIdHash: clusterIdHash(clusterId),
    keyIds: [keyIdOf(key)], priority: 1, address: null, joining: true,
  }));
  return { ws, received, closed, errors: () => received.filter((m) => m['type'] === 'error').map((m) => m['code']) };
}

describe('peer mesh over real WSS', () => {
  it('joins two nodes with the join code and replicates writes both ways', async () => {
    joinCode = a.mesh.createCluster();
    expect(joinCode).toMatch(/^ngj1-c[a-z2-7]{12}-[a-z2-7]{52}-[a-z2-7]{4}$/);
    write(a, 'team-from-a', 'Alpha');
    await b.mesh.join(a.mesh.address, joinCode);
    await c.mesh.join(b.mesh.address, joinCode);
    write(b, 'team-from-b', 'Bravo');
    write(c, 'team-from-c', 'Charlie');
    await eventually('all three hold all three teams', () => [a, b, c].every((n) => n.store.list('teams').length === 3));
    await eventually('identical state hashes', () => sameState([a, b, c]));
    // Every member is listed with the fingerprint of the certificate it really presented.
    await eventually('three members everywhere', () => [a, b, c].every((n) => n.store.list('members').length === 3));
    for (const n of [a, b, c]) expect(a.store.get('members', n.nodeId)?.certFingerprint).toBe(n.certificate.fingerprint);
    // a learned of c from the member list and dialed it (the smaller id dials).
    await eventually('a linked to b and c', () => a.mesh.peers().filter((p) => p.connected).map((p) => p.nodeId).sort().join() === 'node-b,node-c');
  });

  it('refuses a node holding a wrong key: it reads nothing and writes nothing', async () => {
    const stranger = await startNode(dir.path, 'node-x');
    extra.push(stranger);
    const { clusterId } = parseJoinCode(joinCode);
    const forged = formatJoinCode(clusterId, Buffer.alloc(32, 7));
    write(stranger, 'team-from-x', 'Intruder');
    const attempt = stranger.mesh.join(a.mesh.address, forged);
    await expect(attempt).rejects.toBeInstanceOf(NgError);
    await expect(attempt).rejects.toMatchObject({ code: 'NG_UNAUTHENTICATED' });
    await stranger.stop();
    expect(stranger.store.list('teams').map((t) => t.id)).toEqual(['team-from-x']);
    expect(a.store.get('teams', 'team-from-x')).toBeUndefined();
    expect(a.store.get('members', 'node-x')).toBeUndefined();
  });

  it('drops malformed and tampered messages with a coded reason, then cuts off a repeat offender', async () => {
    const { clusterId, key } = parseJoinCode(joinCode);
    const peer = await rawPeer(a.mesh.address, 'node-raw', clusterId, key);
    await eventually('handshake done', () => peer.received.some((m) => m['type'] === 'vector'));
    peer.ws.send('{not json');
    peer.ws.send(JSON.stringify({ type: 'ops', v: PEER_WIRE_VERSION, ops: 'nope' }));
    // A tampered op: valid envelope, but its timestamp claims another origin.
    peer.ws.send(JSON.stringify({ type: 'ops', v: PEER_WIRE_VERSION, ops: [{ origin: 'node-raw', seq: 1, hlc: '001900000000000.000000.node-a', collection: 'teams', id: 'evil', set: { name: 'E', createdAt: 1 }, actor: 'x' }] }));
    await eventually('three coded refusals', () => peer.errors().length >= 3);
    expect(peer.errors()).toEqual(['NG_BAD_MESSAGE', 'NG_BAD_MESSAGE', 'NG_VALIDATION']);
    expect(peer.ws.readyState).toBe(WebSocket.OPEN);
    expect(a.store.get('teams', 'evil')).toBeUndefined();
    expect(a.logs.some((l) => l['msg'] === 'peer message dropped' && l['code'] === 'NG_BAD_MESSAGE')).toBe(true);
    peer.ws.send(JSON.stringify({ type: 'nonsense', v: PEER_WIRE_VERSION }));
    peer.ws.send(JSON.stringify({ type: 'heartbeat', v: 99, sentAt: 1 }));
    expect(await peer.closed).toBe(4008);
    // Backed off: the same node is refused for a while.
    const again = await rawPeer(a.mesh.address, 'node-raw', clusterId, key);
    expect(await again.closed).toBe(4001);
    expect(again.errors()).toContain('NG_RATE_LIMITED');
    // An oversized frame closes that link at the frame cap; the node carries on.
    const big = await rawPeer(a.mesh.address, 'node-big', clusterId, key);
    await eventually('big peer linked', () => big.received.some((m) => m['type'] === 'vector'));
    big.ws.send('x'.repeat(5 * 1024 * 1024));
    expect(await big.closed).toBe(1009);
    write(a, 'team-after-abuse', 'Still fine');
    await eventually('replication still works', () => b.store.get('teams', 'team-after-abuse') !== undefined);
  });

  it('refuses a hello that claims another certificate than the one TLS presented', async () => {
    const { clusterId, key } = parseJoinCode(joinCode);
    // Even with the right key: the proof would be bound to a channel this peer is not on.
    const liar = await rawPeer(a.mesh.address, 'node-liar', clusterId, key, b.certificate.fingerprint);
    expect(await liar.closed).toBe(4001);
    expect(liar.errors()).toEqual(['NG_BAD_SIGNATURE']);
    expect(a.store.get('members', 'node-liar')).toBeUndefined();
  });

  it('compacts ops once every member has acknowledged them', async () => {
    // The raw peers above became members by proving the key; a member that never acknowledges holds compaction back.
    a.mesh.removeMember('node-raw', 'test');
    a.mesh.removeMember('node-big', 'test');
    write(b, 'team-compact', 'Compacted');
    await eventually('all hold it', () => [a, b, c].every((n) => n.store.get('teams', 'team-compact') !== undefined));
    await eventually('a compacted its oplog', () => {
      try {
        a.store.opsSince({}, 1);
        return false;
      } catch (e) {
        return (e as NgError).code === 'NG_SNAPSHOT_REQUIRED';
      }
    });
  });

  it('brings a stale node back by snapshot', async () => {
    await c.stop();
    for (let i = 0; i < 50; i++) write(a, `team-stale-${i}`, `Stale ${i}`);
    await eventually('b has them', () => b.store.get('teams', 'team-stale-49') !== undefined);
    // Compact past what c holds, as if c had been gone too long.
    a.store.compact(a.store.vector());
    b.store.compact(b.store.vector());
    expect(() => a.store.opsSince(c.store.vector(), 10)).toThrow(/compacted/);
    await c.restart();
    c.mesh.connect(a.mesh.address);
    await eventually('c caught up', () => sameState([a, b, c]));
    expect(c.logs.some((l) => l['msg'] === 'snapshot' && l['kind'] === 'snapshot-imported')).toBe(true);
  });

  it('removes a member: disconnected everywhere, key rotated, cannot come back with the old key', async () => {
    // b learned c's new address from the member list and dialed it.
    await eventually('c linked to a and b', () => [a, b].every((n) => n.mesh.peers().some((p) => p.nodeId === 'node-c' && p.connected)));
    const oldKeyId = a.keys.current()!.keyId;
    a.mesh.removeMember('node-c', 'test');
    expect(a.keys.current()!.keyId).not.toBe(oldKeyId);
    await eventually('b got the new key', () => b.keys.current()?.keyId === a.keys.current()!.keyId);
    expect(c.keys.current()!.keyId).toBe(oldKeyId);
    await eventually('c disconnected everywhere', () => [a, b].every((n) => !n.mesh.peers().some((p) => p.nodeId === 'node-c' && p.connected)));
    // c redials: refused as removed.
    c.mesh.connect(b.mesh.address);
    await eventually('c refused by b', () => c.mesh.peers().some((p) => p.lastError?.code === 'NG_REVOKED'));
    write(c, 'team-from-removed', 'Ghost');
    // A fresh identity holding the key c had is not a member, and that key is retired.
    const sneaky = await startNode(dir.path, 'node-z');
    extra.push(sneaky);
    const oldCode = formatJoinCode(parseJoinCode(joinCode).clusterId, c.keys.current()!.key);
    await expect(sneaky.mesh.join(a.mesh.address, oldCode)).rejects.toMatchObject({ code: 'NG_REVOKED' });
    write(a, 'team-after-removal', 'After');
    await eventually('a and b still replicate', () => b.store.get('teams', 'team-after-removal') !== undefined);
    expect(a.store.get('teams', 'team-from-removed')).toBeUndefined();
    expect(c.store.get('teams', 'team-after-removal')).toBeUndefined();
  });
});
