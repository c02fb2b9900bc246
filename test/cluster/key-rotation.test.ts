// Key rotation reaches a member that was offline when it happened, election messages ride the
// links, and the cluster key never appears in a log line.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Encode } from '../../src/main/cluster/join-code';
import { eventually, sameState, startNode, tempDir, type TestNode } from './support';

const dir = tempDir();
let p: TestNode;
let q: TestNode;
let r: TestNode;

beforeAll(async () => {
  [p, q, r] = await Promise.all([startNode(dir.path, 'node-p'), startNode(dir.path, 'node-q'), startNode(dir.path, 'node-r')]);
  const code = p.mesh.createCluster();
  await q.mesh.join(p.mesh.address, code);
  await r.mesh.join(p.mesh.address, code);
  await eventually('full mesh', () => [p, q, r].every((n) => n.mesh.peers().filter((s) => s.connected).length === 2));
});

afterAll(async () => {
  for (const n of [p, q, r]) {
    await n.stop();
    n.store.close();
  }
  dir.remove();
});

describe('cluster key rotation and the election channel', () => {
  it('carries election messages to every linked peer', async () => {
    const heard: string[] = [];
    const off = [q, r].map((n) => n.mesh.onElection((from, msg) => heard.push(`${n.nodeId}<-${from}:${msg.type}:${msg.term}`)));
    p.mesh.broadcastElection({ type: 'coordinator', v: 1, term: 7, leaderId: 'node-p' });
    expect(q.mesh.sendElection('node-r', { type: 'alive', v: 1, term: 7 })).toBe(true);
    await eventually('both heard', () => heard.length === 3);
    expect(heard.sort()).toEqual(['node-q<-node-p:coordinator:7', 'node-r<-node-p:coordinator:7', 'node-r<-node-q:alive:7']);
    off.forEach((f) => f());
  });

  it('gives the new key to a member that was offline during the rotation', async () => {
    await r.stop();
    const before = p.keys.current()!.keyId;
    p.mesh.removeMember('node-q', 'test');
    expect(p.keys.current()!.keyId).not.toBe(before);
    expect(r.keys.current()!.keyId).toBe(before);
    await r.restart();
    r.mesh.connect(p.mesh.address);
    // r is pinned and not removed, so its previous key still opens a link, over which it gets the new one.
    await eventually('r holds the new key', () => r.keys.current()?.keyId === p.keys.current()!.keyId);
    p.store.write('teams', 'after-rotation', { name: 'After', createdAt: 1 }, { actor: 'test' });
    await eventually('r replicates again', () => r.store.get('teams', 'after-rotation') !== undefined && sameState([p, r]));
    await eventually('q is out everywhere', () => ![p, r].some((n) => n.mesh.peers().some((s) => s.nodeId === 'node-q' && s.connected)));
  });

  it('never writes a cluster key to the log', () => {
    const secrets = [p, q, r].flatMap((n) => n.keys.held().flatMap((k) => [k.key.toString('hex'), k.key.toString('base64'), k.key.toString('base64url'), base32Encode(k.key)]));
    const text = [p, q, r].flatMap((n) => n.logs.map((l) => JSON.stringify(l))).join('\n');
    expect(text.length).toBeGreaterThan(0);
    for (const s of secrets) expect(text.includes(s)).toBe(false);
  });
});
