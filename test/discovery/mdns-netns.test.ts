// Real mDNS between three hosts in network namespaces on one bridge: each node advertises
// `_netgoat._tcp` and finds the other two; the TXT record carries the four public keys only.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetwork, netnsUnavailable, type TestNetwork } from '../support/netns';
import type { ProcessHandle } from '../support/process';

const unavailable = netnsUnavailable();
const hex = (s: string) => createHash('sha256').update(s).digest('hex');
const NODES = [
  { nodeId: 'node-a', port: 7401, fingerprint: hex('cert-a'), iface: '-' },
  { nodeId: 'node-b', port: 7402, fingerprint: hex('cert-b'), iface: 'eth0' },
  { nodeId: 'node-c', port: 7403, fingerprint: hex('cert-c'), iface: 'eth0' },
];
const CLUSTER_ID_HASH = hex('netgoat-cluster-id|ctest');
const FIXTURE = 'test/discovery/discovery-node.ts';

describe.skipIf(unavailable !== null)(`mDNS discovery across namespaces${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let net: TestNetwork;
  const procs: ProcessHandle[] = [];

  beforeAll(async () => {
    net = createNetwork('disc', NODES.length);
    NODES.forEach((n, k) => {
      const args = ['--import', 'tsx', FIXTURE, n.nodeId, String(n.port), n.fingerprint, CLUSTER_ID_HASH, n.iface, k === 0 ? '--observe' : ''];
      procs.push(net.spawnIn(k + 1, process.execPath, args));
    });
    await Promise.all(procs.map((p) => p.waitFor(/^READY /m)));
  });

  afterAll(async () => {
    await net?.destroy();
  });

  it('binds each node to its own namespace interface', () => {
    procs.forEach((p, k) => expect(p.stdout()).toContain(`READY ${net.addresses[k]}`));
  });

  it('lets every node find every other node with its address, port, fingerprint and cluster hash', async () => {
    for (const [k, proc] of procs.entries()) {
      for (const [j, other] of NODES.entries()) {
        if (j === k) continue;
        const [line] = await proc.waitFor(new RegExp(`^PEER .*"nodeId":"${other.nodeId}".*$`, 'm'));
        const peer = JSON.parse(line.slice('PEER '.length)) as Record<string, unknown>;
        expect(peer).toMatchObject({ nodeId: other.nodeId, port: other.port, fingerprint: other.fingerprint, clusterIdHash: CLUSTER_ID_HASH });
        expect(peer.addresses).toContain(net.addresses[j]);
      }
      expect(proc.stdout()).not.toMatch(new RegExp(`PEER .*"nodeId":"${NODES[k]!.nodeId}"`));
    }
  });

  it('advertises exactly the four public TXT keys, with no MAC address in them', async () => {
    const macs = net.namespaces.map((_, k) => net.exec(k + 1, 'cat', ['/sys/class/net/eth0/address']).trim());
    for (const other of NODES.slice(1)) {
      const [line] = await procs[0]!.waitFor(new RegExp(`^TXT .*"name":"netgoat-${other.nodeId}".*$`, 'm'));
      const { txt } = JSON.parse(line.slice('TXT '.length)) as { txt: Record<string, string> };
      expect(txt).toEqual({ id: other.nodeId, cid: CLUSTER_ID_HASH, port: String(other.port), fp: other.fingerprint });
      for (const value of Object.values(txt)) {
        expect(value).not.toMatch(/([0-9a-f]{2}:){5}[0-9a-f]{2}/i);
        for (const mac of macs) expect(value.toLowerCase()).not.toContain(mac.replaceAll(':', ''));
      }
    }
  });

  it('stops cleanly: each node exits on SIGTERM after sending goodbyes', async () => {
    const exits = await Promise.all(procs.map((p) => p.stop(3000)));
    exits.forEach((e) => expect(e.code).toBe(0));
  });
});
