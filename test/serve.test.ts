// `netgoat serve` as an operator runs it: a real process, a real socket, real signals.
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnProcess, spawnTs, startServe, stopAllProcesses } from './support/process';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'netgoat-serve-'));
  dirs.push(dir);
  return dir;
};

afterEach(async () => {
  await stopAllProcesses();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('netgoat serve', () => {
  it('answers /healthz with its node id and exits 0 on SIGTERM', async () => {
    const dataDir = tempDir();
    const { proc, url } = await startServe({ dataDir });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const res = await fetch(new URL('/healthz', url));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', version: expect.any(String), uptimeS: expect.any(Number) });
    expect(body['nodeId']).toMatch(/^n[0-9a-f]+$/);
    // The console URL is also in the structured log.
    expect(proc.stdout()).toContain(`"url":"${url}"`);

    expect(await proc.signal('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(proc.stdout()).toContain('"msg":"node stopped"');
  });

  it('exits 0 on SIGINT and keeps its node id across restarts of the same data dir', async () => {
    const dataDir = tempDir();
    const first = await startServe({ dataDir });
    const before = ((await (await fetch(new URL('/healthz', first.url))).json()) as { nodeId: string }).nodeId;
    expect(await first.proc.signal('SIGINT')).toEqual({ code: 0, signal: null });

    const second = await startServe({ dataDir });
    const after = ((await (await fetch(new URL('/healthz', second.url))).json()) as { nodeId: string }).nodeId;
    expect(after).toBe(before);
  });

  it('refuses a corrupt database with NG_DB_CORRUPT, exits non-zero and leaves the file as it was', async () => {
    const dataDir = tempDir();
    const dbFile = join(dataDir, 'netgoat.db');
    const garbage = randomBytes(64 * 1024);
    writeFileSync(dbFile, garbage);

    const proc = spawnTs('src/main/serve.ts', ['--data-dir', dataDir, '--port', '0']);
    const exit = await proc.exited;
    expect(exit.code).not.toBe(0);
    expect(proc.stderr()).toMatch(/^netgoat: cannot start: NG_DB_CORRUPT: .*netgoat\.db/m);
    expect(proc.stdout()).not.toContain('Netgoat console:');
    expect(readFileSync(dbFile).equals(garbage)).toBe(true);
  });

  it.each([
    [['--bogus'], /unknown flag --bogus/],
    [['--port', 'eighty'], /--port "eighty" is not a port number/],
    [['--port', '70000'], /is not a port number/],
    [['--data-dir'], /--data-dir needs a value/],
  ])('rejects %j with a clear message and exit code 2', async (args, message) => {
    const proc = spawnTs('src/main/serve.ts', args);
    expect((await proc.exited).code).toBe(2);
    expect(proc.stderr()).toMatch(message);
    expect(proc.stderr()).toContain('Usage: netgoat serve');
  });

  it('says which port is taken when it cannot listen, and exits 1', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = (blocker.address() as { port: number }).port;
    try {
      const proc = spawnTs('src/main/serve.ts', ['--data-dir', tempDir(), '--port', String(port)]);
      expect((await proc.exited).code).toBe(1);
      expect(proc.stderr()).toContain(`NG_UNAVAILABLE: cannot listen on 127.0.0.1:${port}: the port is already in use`);
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  });

  it('prints its usage for --help and exits 0', async () => {
    const proc = spawnProcess(process.execPath, ['bin/netgoat.mjs', 'serve', '--help']);
    expect((await proc.exited).code).toBe(0);
    expect(proc.stdout()).toContain('--data-dir DIR');
  });

  it('exits 2 on an unknown netgoat command', async () => {
    const proc = spawnProcess(process.execPath, ['bin/netgoat.mjs', 'frobnicate']);
    expect((await proc.exited).code).toBe(2);
    expect(proc.stderr()).toContain('unknown command "frobnicate"');
  });
});
