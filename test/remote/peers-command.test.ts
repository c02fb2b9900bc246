// `netgoat peers ... --data-dir DIR` as an operator runs it: a real process on a real data dir.
// While the node runs it is refused with NG_UNAVAILABLE; once stopped, the CLI changes the node's
// own replicated records, sealing the secret under the node's cluster key.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../api/harness';
import { spawnProcess, startServe, stopAllProcesses, type ProcessHandle } from '../support/process';

const SECRET = 'cli-secret-never-printed-0123';
let work: string;
let dataDir: string;
let node: ProcessHandle;

async function netgoat(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  const proc = spawnProcess(process.execPath, ['bin/netgoat.mjs', ...args], { env: { ...process.env, ...env } });
  const exit = await proc.exited;
  return { code: exit.code, out: proc.stdout(), err: proc.stderr() };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ng-peers-cli-'));
  dataDir = join(work, 'node');
  const started = await startServe({ dataDir });
  node = started.proc;
  const api = new Client(started.url.replace(/\/$/, ''));
  await api.ok('auth.setup', { email: 'owner@example.com', displayName: 'Owner', password: 'correct horse battery', teamName: 'Team' });
  await api.ok('cluster.create', {});
}, 60_000);

afterAll(async () => {
  await stopAllProcesses();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('netgoat peers --data-dir', () => {
  it('refuses to touch the data dir of a running node and says what to do instead', async () => {
    const r = await netgoat(['peers', 'list', '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('NG_UNAVAILABLE: the node is running; use the console or the API, or stop it first');
  });

  it('adds, disables and lists remote peers on the stopped node, never printing the secret', async () => {
    await node.stop();
    const add = await netgoat([
      'peers', 'add-cloud', '--data-dir', dataDir, '--node-id', 'cloud-1', '--address', 'wss://cloud-1.example.net:7381',
      '--authority', 'https://login.example.net', '--client-id', 'leader', '--client-secret-env', 'CLOUD1_SECRET', '--scopes', 'netgoat:replicate',
    ], { CLOUD1_SECRET: SECRET });
    expect(add.err).toBe('');
    expect(add.code).toBe(0);
    expect((await netgoat(['peers', 'disable', 'cloud-1', '--data-dir', dataDir])).code).toBe(0);
    const list = await netgoat(['peers', 'list', '--json', '--data-dir', dataDir]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out)).toMatchObject([{ nodeId: 'cloud-1', address: 'wss://cloud-1.example.net:7381', enabled: false, scopes: ['netgoat:replicate'] }]);
    expect(add.out + list.out).not.toContain(SECRET);

    const missing = await netgoat(['peers', 'enable', 'cloud-9', '--data-dir', dataDir]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('NG_NOT_FOUND');
  });
});
