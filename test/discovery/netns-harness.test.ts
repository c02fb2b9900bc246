// The namespace harness itself: hosts reach each other across the bridge, a cut link partitions
// one host and a restore heals it, and destroy() leaves no namespace behind.

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetwork, netnsUnavailable, type TestNetwork } from '../support/netns';

const unavailable = netnsUnavailable();

// Connects to HOST:PORT from inside a namespace; prints "open" or the error code.
const PROBE = `const s=require('net').connect({host:process.argv[1],port:+process.argv[2],timeout:+process.argv[3]});
s.on('connect',()=>{console.log('open');s.destroy()});s.on('timeout',()=>{console.log('timeout');s.destroy()});s.on('error',e=>console.log(e.code))`;
const SERVER = `require('net').createServer(c=>c.end()).listen(7777,process.argv[1],()=>console.log('LISTENING'))`;

describe.skipIf(unavailable !== null)(`network namespace harness${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let net: TestNetwork;
  // Generous for a link that should work (a lost SYN is resent after 1 s), short for a cut one.
  const probe = (from: number, to: number, giveUpMs = 5000) => net.exec(from, process.execPath, ['-e', PROBE, net.addresses[to - 1]!, '7777', String(giveUpMs)]).trim();

  beforeAll(async () => {
    net = createNetwork('harness', 3);
    await net.spawnIn(1, process.execPath, ['-e', SERVER, net.addresses[0]!]).waitFor(/LISTENING/);
  });
  afterAll(async () => {
    await net?.destroy();
  });

  it('gives each host its own namespace, address and interface', () => {
    expect(net.namespaces).toHaveLength(3);
    net.namespaces.forEach((ns, k) => expect(ns).toMatch(new RegExp(`^ng-harness_${process.pid}_[0-9a-f]+-${k + 1}$`)));
    expect(net.exec(2, 'ip', ['-4', '-o', 'addr', 'show', 'dev', net.interfaceName])).toContain(`${net.addresses[1]}/24`);
  });

  it('connects hosts across the bridge', () => {
    expect(probe(2, 1)).toBe('open');
    expect(probe(3, 1)).toBe('open');
  });

  it('partitions a host with cutLink and heals it with restoreLink', () => {
    net.cutLink(3);
    expect(probe(3, 1, 800)).not.toBe('open');
    expect(probe(2, 1)).toBe('open');
    net.restoreLink(3);
    expect(probe(3, 1)).toBe('open');
  });

  it('removes namespaces left behind by a run that died', () => {
    const orphan = `ng-harness_999999999_abcdef-1`;
    execFileSync('ip', ['netns', 'add', orphan]);
    const other = createNetwork('harness', 1);
    try {
      expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(orphan);
      expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).toContain(net.namespaces[0]);
    } finally {
      void other.destroy();
    }
  });

  it('removes every namespace it made on destroy', async () => {
    const mine = net.namespaces[0]!.replace(/-1$/, '');
    await net.destroy();
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(mine);
  });
});
