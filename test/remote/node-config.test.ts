// The node config file's remote-peer keys: remoteAuth is checked when the node starts, so a typo
// fails the start with a coded reason instead of silently refusing every leader later.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRemotePeersConfig } from '../../src/main/remote/node-config';

const dir = mkdtempSync(join(tmpdir(), 'ng-node-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, body: string) => {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
};

describe('readRemotePeersConfig', () => {
  it('reads remoteAuth and notes initialRemotePeers', () => {
    const remoteAuth = { issuer: 'https://login.example.com/realms/ng', audience: 'wss://cloud-1.example.com:7381', requiredScope: 'netgoat:replicate' };
    expect(readRemotePeersConfig(file('ok.json', JSON.stringify({ remoteAuth, initialRemotePeers: [], other: 1 })))).toEqual({ remoteAuth, hasInitialRemotePeers: true });
  });

  it('without remoteAuth the node accepts no remote links', () => {
    expect(readRemotePeersConfig(file('none.json', '{}'))).toEqual({ remoteAuth: null, hasInitialRemotePeers: false });
  });

  it.each([
    ['an issuer over plain http off loopback', { issuer: 'http://login.example.com', audience: 'x', requiredScope: 'netgoat:replicate' }, 'remoteAuth.issuer'],
    ['a scope with a space', { issuer: 'https://login.example.com', audience: 'x', requiredScope: 'a b' }, 'requiredScope'],
    ['a missing audience', { issuer: 'https://login.example.com', requiredScope: 'netgoat:replicate' }, 'audience'],
  ])('refuses %s with NG_VALIDATION', (_what, remoteAuth, mentions) => {
    expect(() => readRemotePeersConfig(file('bad.json', JSON.stringify({ remoteAuth })))).toThrow(expect.objectContaining({ code: 'NG_VALIDATION', message: expect.stringContaining(mentions) }));
  });

  it('refuses a file that is not JSON', () => {
    expect(() => readRemotePeersConfig(file('bad.txt', 'remoteAuth: yes'))).toThrow(expect.objectContaining({ code: 'NG_VALIDATION' }));
  });
});
