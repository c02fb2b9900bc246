// The pure parts of discovery: the TXT record's four keys, the table of hints and its events, and
// the choice of interface.

import { createHash } from 'node:crypto';
import type { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { DiscoveredPeers, peerState, type DiscoveryEvent } from '../../src/main/discovery/discovered-peers';
import { chooseMdnsAddress } from '../../src/main/discovery/interface';
import { TXT_KEYS, decodeTxt, encodeTxt } from '../../src/main/discovery/txt-record';

const FP = createHash('sha256').update('cert').digest('hex');
const CID = createHash('sha256').update('cluster').digest('hex');
const AD = { nodeId: 'node-b', clusterIdHash: CID, port: 7380, fingerprint: FP };

describe('TXT record', () => {
  it('carries exactly id, cid, port and fp, and decodes back to the advertisement', () => {
    const txt = encodeTxt(AD);
    expect(Object.keys(txt).sort()).toEqual([...TXT_KEYS].sort());
    expect(decodeTxt(txt)).toEqual(AD);
  });

  it('leaves cid out before the node joins a cluster', () => {
    expect(encodeTxt({ ...AD, clusterIdHash: null })).not.toHaveProperty('cid');
    expect(decodeTxt(encodeTxt({ ...AD, clusterIdHash: null }))).toEqual({ ...AD, clusterIdHash: null });
  });

  it.each([
    ['a bad node id', { id: 'Node B' }],
    ['a short fingerprint', { fp: 'abc' }],
    ['a port out of range', { port: '70000' }],
    ['a non-hex cluster hash', { cid: 'x'.repeat(64) }],
  ])('ignores an advertisement with %s', (_what, change) => {
    expect(decodeTxt({ ...encodeTxt(AD), ...change })).toBeNull();
  });

  it('refuses to advertise a malformed fingerprint', () => {
    expect(() => encodeTxt({ ...AD, fingerprint: 'not-hex' })).toThrow(/fingerprint/);
  });
});

describe('discovered peers', () => {
  it('records first and last sighting and announces new, changed and withdrawn nodes', () => {
    let now = 1000;
    const table = new DiscoveredPeers(() => now);
    const events: DiscoveryEvent['kind'][] = [];
    table.onEvent((e) => events.push(e.kind));
    table.saw(AD, ['10.231.1.2']);
    now = 2000;
    table.saw(AD, ['10.231.1.2']);
    expect(table.get('node-b')).toMatchObject({ firstSeen: 1000, lastSeen: 2000, addresses: ['10.231.1.2'] });
    table.saw({ ...AD, port: 7381 }, ['10.231.1.2']);
    table.withdrawn('node-b');
    expect(events).toEqual(['discovered', 'updated', 'withdrawn']);
    expect(table.list()).toEqual([]);
  });

  it('shows a node as member, pending or merely discovered', () => {
    expect(peerState('a', new Set(['a']), new Set())).toBe('member');
    expect(peerState('b', new Set(['a']), new Set(['b']))).toBe('pending');
    expect(peerState('c', new Set(['a']), new Set(['b']))).toBe('discovered');
  });
});

describe('mDNS interface choice', () => {
  const ifaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    eth0: [{ address: 'fe80::1', family: 'IPv6', internal: false }, { address: '10.231.7.3', family: 'IPv4', internal: false }],
  } as unknown as ReturnType<typeof networkInterfaces>;

  it('takes the first non-loopback IPv4 interface by default, or the one named', () => {
    expect(chooseMdnsAddress(undefined, ifaces)).toBe('10.231.7.3');
    expect(chooseMdnsAddress('eth0', ifaces)).toBe('10.231.7.3');
    expect(chooseMdnsAddress('127.0.0.1', ifaces)).toBe('127.0.0.1');
  });

  it('names the interfaces it has when the one asked for is missing', () => {
    expect(() => chooseMdnsAddress('wlan0', ifaces)).toThrow(/wlan0.*eth0=10\.231\.7\.3/);
  });
});
