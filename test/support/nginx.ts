// A private nginx for tests: finds Debian's binary, writes a rendered tree into a prefix folder,
// runs `nginx -t` on it, starts it on loopback ports and stops it. Nothing touches /etc or /var.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { createServer as createHttpServer, request } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { dirname, join } from 'node:path';

export interface NginxTree {
  files: { path: string; content: string }[];
  /** Folders to create first (renderAll's `directories`). */
  directories?: string[];
}

/** Path of the nginx binary ($NGINX_BIN, then the usual places), or null when none is installed. */
export function findNginx(): string | null {
  const candidates = [process.env.NGINX_BIN, '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  return which.status === 0 && found ? found : null;
}

/** Writes the tree under dir. The prefix is made world-readable because root's nginx runs workers as "nobody". */
export async function writeNginxTree(dir: string, tree: NginxTree | string): Promise<void> {
  const t: NginxTree = typeof tree === 'string' ? { files: [{ path: 'nginx.conf', content: tree }] } : tree;
  await fs.mkdir(dir, { recursive: true });
  await fs.chmod(dir, 0o755);
  for (const d of [...(t.directories ?? []), 'logs']) await fs.mkdir(join(dir, d), { recursive: true });
  for (const f of t.files) {
    await fs.mkdir(dirname(join(dir, f.path)), { recursive: true });
    await fs.writeFile(join(dir, f.path), f.content);
  }
}

/** Arguments that keep nginx inside dir: prefix, config, and the start-up error log on stderr. */
const prefixArgs = (dir: string): string[] => ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'];

/** `nginx -t` on dir/nginx.conf (write the tree first). */
export function nginxTest(dir: string): Promise<{ ok: boolean; stderr: string }> {
  const bin = findNginx();
  if (!bin) return Promise.resolve({ ok: false, stderr: 'nginx is not installed' });
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...prefixArgs(dir), '-t'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ok: code === 0, stderr }));
  });
}

export interface RunningNginx {
  pid: number;
  dir: string;
  /** Text nginx wrote to stderr so far (start-up errors and warnings). */
  stderr(): string;
  /** Fast shutdown (SIGTERM), waiting for the master to exit. Safe to call twice. */
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/**
 * Starts nginx in the foreground (`daemon off`) under dir, after writing tree if given. Resolves
 * once the pid file exists: nginx writes it after binding every listening socket.
 */
export async function startNginx(dir: string, tree?: NginxTree | string, pidFile = 'nginx.pid'): Promise<RunningNginx> {
  const bin = findNginx();
  if (!bin) throw new Error('nginx is not installed (apt-get install nginx-light)');
  if (tree !== undefined) await writeNginxTree(dir, tree);
  const pidPath = join(dir, pidFile);
  await fs.rm(pidPath, { force: true });
  const child = spawn(bin, [...prefixArgs(dir), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = exited(child);

  const deadline = Date.now() + 10_000;
  while (!existsSync(pidPath)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nginx exited at start (${child.exitCode ?? child.signalCode}): ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not write ${pidPath} within 10 s: ${stderr}`);
    }
    await sleep(20);
  }

  return {
    pid: child.pid!,
    dir,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** n distinct TCP ports on 127.0.0.1 that were free a moment ago (all held open together, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<Server>((resolve, reject) => {
      const srv = createServer();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    })),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** One TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One plain HTTP request to 127.0.0.1:port with the given Host header. */
export function httpGet(port: number, host: string, path = '/', headers: Record<string, string> = {}, method = 'GET'): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { ...headers, Host: host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`request to ${host}${path} timed out`)));
    req.end();
  });
}

/** Site traffic through nginx, a request every 40 ms, until `done` says so (checked every tenth request). */
export async function trafficUntil(port: number, host: string, path: string, done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let n = 0;
  for (;;) {
    await httpGet(port, host, path);
    if (++n % 10 === 0 && (await done())) return;
    if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

/**
 * Stops the nginx an agent started under its data dir. The agent leaves nginx serving when it
 * exits (island mode), so whoever ran the agent stops nginx through its pid file; none is fine.
 */
export function stopAgentNginx(agentDataDir: string): void {
  try {
    const pid = Number(readFileSync(join(agentDataDir, 'nginx', 'nginx.pid'), 'utf8'));
    if (pid > 0) process.kill(pid, 'SIGTERM');
  } catch {
    // nginx never started, or has stopped already
  }
}

/** A test upstream on 127.0.0.1 that answers "upstream ok" (200) or, once told to, "upstream bad" (502). */
export interface SwitchableUpstream {
  mode: 'ok' | 'bad';
  close(): Promise<void>;
}

export async function startSwitchableUpstream(port: number): Promise<SwitchableUpstream> {
  const upstream: SwitchableUpstream = {
    mode: 'ok',
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = createHttpServer((_req, res) => {
    res.writeHead(upstream.mode === 'ok' ? 200 : 502, { 'content-type': 'text/plain' });
    res.end(`upstream ${upstream.mode}`);
  });
  // Longer than any test, so nginx's pooled connections are never cut under it.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return upstream;
}

