// `netgoat peers`: the commands an operator types, run against a real store. The secret comes in
// through an environment variable and never comes back out.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/db/store';
import { localRemotePeerOps, runPeersCli } from '../../src/main/remote/peers-cli';
import { SecretSealer, staticSealKeys } from '../../src/main/remote/secret-sealer';

const SECRET = 'cli-secret-4b1d0e9a77c2';
const ADD = ['add-cloud', '--node-id', 'cloud-1', '--address', 'wss://cloud-1.example:7380', '--authority', 'https://auth.example', '--client-id', 'netgoat-leader', '--client-secret-env', 'CLOUD_SECRET', '--scopes', 'netgoat:replicate netgoat:read'];

let dir: string;
let store: Store;
let printed: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netgoat-cli-'));
  store = Store.open({ path: join(dir, 'node.db'), nodeId: 'node-a' });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function peers(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPeersCli(argv, {
    peers: localRemotePeerOps(store, new SecretSealer(staticSealKeys(randomBytes(32))), 'cli'),
    env: { CLOUD_SECRET: SECRET },
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  printed = [...out, ...err];
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('netgoat peers', () => {
  it('adds a cloud peer, lists it without the secret, and records it for the leader', async () => {
    expect(await peers(...ADD)).toMatchObject({ code: 0, out: expect.stringContaining('Added cloud-1') });
    const list = await peers('list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/cloud-1\s+wss:\/\/cloud-1\.example:7380\s+cloud\s+yes\s+https:\/\/auth\.example\s+netgoat-leader\s+netgoat:replicate netgoat:read/);
    const json = JSON.parse((await peers('list', '--json')).out) as { nodeId: string; scopes: string[] }[];
    expect(json.map((p) => [p.nodeId, p.scopes])).toEqual([['cloud-1', ['netgoat:replicate', 'netgoat:read']]]);
    expect(store.get('_system_remote_peers', 'cloud-1')?.enabled).toBe(true);
  });

  it('never prints the secret, whatever the command', async () => {
    const all: string[] = [];
    for (const argv of [ADD, ['list'], ['list', '--json'], ['disable', 'cloud-1'], ['enable', 'cloud-1'], ADD, ['remove', 'cloud-1']]) {
      await peers(...argv);
      all.push(...printed);
    }
    expect(all.join('\n')).not.toContain(SECRET);
  });

  it('disables, enables and removes by node id', async () => {
    await peers(...ADD);
    expect((await peers('disable', 'cloud-1')).code).toBe(0);
    expect(store.get('_system_remote_peers', 'cloud-1')?.enabled).toBe(false);
    expect((await peers('enable', 'cloud-1')).code).toBe(0);
    expect(store.get('_system_remote_peers', 'cloud-1')?.enabled).toBe(true);
    expect((await peers('remove', 'cloud-1')).code).toBe(0);
    expect(store.get('_system_remote_peers', 'cloud-1')).toBeUndefined();
    expect((await peers('list')).out).toBe('No remote peers.');
  });

  it.each([
    ['an unknown subcommand', ['frobnicate']],
    ['no subcommand', []],
    ['an unknown flag', [...ADD, '--client-secret', SECRET]],
    ['a missing required flag', ADD.filter((a) => a !== '--authority' && a !== 'https://auth.example')],
    ['an unset secret variable', ADD.map((a) => (a === 'CLOUD_SECRET' ? 'NOT_SET_ANYWHERE' : a))],
    ['a bad --type', [...ADD, '--type', 'satellite']],
    ['disable without a node id', ['disable']],
  ])('exits 2 with usage for %s', async (_what, argv) => {
    const r = await peers(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage:');
    expect(r.err).not.toContain(SECRET);
  });

  it('exits 1 with the NG_ code when the node refuses', async () => {
    expect(await peers('enable', 'nobody')).toMatchObject({ code: 1, err: expect.stringContaining('NG_NOT_FOUND') });
    await peers(...ADD);
    expect(await peers(...ADD)).toMatchObject({ code: 1, err: expect.stringContaining('NG_CONFLICT') });
    expect(await peers(...ADD.map((a) => (a === 'https://auth.example' ? 'http://auth.example' : a)))).toMatchObject({ code: 1, err: expect.stringContaining('NG_VALIDATION') });
  });
});
