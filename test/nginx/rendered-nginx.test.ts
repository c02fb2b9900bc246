// Rendered configuration served by a real nginx on loopback ports: a dead upstream and an
// unresolvable one do not stop it from starting, and every feature behaves as rendered.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNginx, freePorts, httpGet, startNginx } from '../support/nginx';
import type { HttpReply, RunningNginx } from '../support/nginx';
import type { ProxyConfig } from '../../src/shared/schemas/proxy';
import { renderAll } from '../../src/core/nginx/render-all';
import { DEFAULT_RENDER_OPTIONS } from '../../src/core/nginx/options';
import type { RenderOptions, SiteInput } from '../../src/core/nginx/types';

const nginxBin = findNginx();
const HOSTILE_HEADER = 'a"b\\c $host; {x} #y \'z\' include /etc/passwd;';

function proxy(domainId: string, servers: { host: string; port: number }[], over: Partial<ProxyConfig> = {}): ProxyConfig {
  return {
    teamId: 'team1',
    domainId,
    upstreamPools: [{ name: 'main', method: 'round_robin', servers: servers.map((s) => ({ ...s, weight: 1, maxFails: 1, failTimeoutS: 10, backup: false })) }],
    routes: [],
    wafRules: [],
    cache: { mode: 'off', ttlSeconds: 60 },
    rateLimit: { enabled: false, requestsPerSecond: 1, burst: 0 },
    headers: [],
    ...over,
  };
}

function site(domainId: string, hostname: string, p: ProxyConfig | null, over: Partial<SiteInput> = {}): SiteInput {
  return { domainId, hostname, tls: { status: 'Pending', certificateId: null, notAfter: null }, wafEnabled: true, proxy: p, ...over };
}

function httpsGet(port: number, servername: string, path: string): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername, headers: { Host: servername }, rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!nginxBin)('rendered config on a real nginx', () => {
  let dir = '';
  let nginx: RunningNginx | undefined;
  let backend: Server;
  let opts: RenderOptions;
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netgoat-nginx-'));
    backend = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'public, max-age=60' });
      res.end(`backend:${req.url}:${seen.length}`);
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const backendPort = (backend.address() as { port: number }).port;

    const [httpPort, httpsPort, statusPort, dnsPort] = (await freePorts(4)) as [number, number, number, number];
    opts = {
      ...DEFAULT_RENDER_OPTIONS,
      generatorVersion: 'netgoat test',
      listenAddress: '127.0.0.1',
      httpPort,
      httpsPort,
      statusPort,
      // Nothing answers DNS there, so the hostname upstream can never resolve.
      resolvers: [`127.0.0.1:${dnsPort}`],
      resolverTimeoutS: 1,
      workerProcesses: 1,
    };

    const sites: SiteInput[] = [
      site('dom-shop', 'shop.example.com', proxy('dom-shop', [{ host: '127.0.0.1', port: backendPort }], {
        wafRules: [
          { id: 'lab', kind: 'ip', pattern: '192.0.2.0/24', action: 'deny', mode: 'block' },
          { id: 'admin', kind: 'path', pattern: '/admin', action: 'deny', mode: 'block' },
          { id: 'evil', kind: 'user_agent', pattern: 'EvilBot', action: 'deny', mode: 'log_only' },
        ],
        cache: { mode: 'standard', ttlSeconds: 60 },
        headers: [{ name: 'X-Hostile', value: HOSTILE_HEADER }],
      })),
      site('dom-dead', 'dead.example.com', proxy('dom-dead', [{ host: '127.0.0.1', port: 1 }])),
      site('dom-named', 'named.example.com', proxy('dom-named', [{ host: 'no-such-host.invalid', port: 80 }])),
      site('dom-limited', 'limited.example.com', proxy('dom-limited', [{ host: '127.0.0.1', port: backendPort }], { rateLimit: { enabled: true, requestsPerSecond: 1, burst: 0 } })),
      site('dom-empty', 'empty.example.com', null),
    ];
    if (hasOpenssl) {
      await mkdir(join(dir, 'certs'), { recursive: true });
      const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=secure.example.com',
        '-keyout', join(dir, 'certs/secure.key'), '-out', join(dir, 'certs/secure.pem')]);
      expect(made.status, made.stderr.toString()).toBe(0);
      sites.push(site('dom-secure', 'secure.example.com', proxy('dom-secure', [{ host: '127.0.0.1', port: backendPort }]), {
        tls: { status: 'Active', certificateId: 'cert1', notAfter: 1 },
        certificate: { certPath: 'certs/secure.pem', keyPath: 'certs/secure.key' },
      }));
    }
    const rendered = renderAll(sites, opts);
    if (!rendered.ok) throw new Error(`render refused: ${JSON.stringify(rendered.errors)}`);
    nginx = await startNginx(dir, rendered);
  });

  afterAll(async () => {
    await nginx?.stop();
    await new Promise((r) => backend?.close(r));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('starts although one upstream refuses connections and another does not resolve', () => {
    expect(nginx?.pid).toBeGreaterThan(0);
    expect(nginx!.stderr()).not.toContain('[emerg]');
  });

  it('proxies a healthy site, passing Host and a request id, with the header value exactly as typed', async () => {
    const r = await httpGet(opts.httpPort, 'shop.example.com', '/hello');
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/^backend:\/hello:/);
    expect(r.headers['x-hostile']).toBe(HOSTILE_HEADER);
    const upstreamSaw = seen.find((s) => s.url === '/hello')!;
    expect(upstreamSaw.headers.host).toBe('shop.example.com');
    expect(upstreamSaw.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('answers 502 for the dead and the unresolvable upstream, and 503 for a domain without pools', async () => {
    expect((await httpGet(opts.httpPort, 'dead.example.com', '/')).status).toBe(502);
    expect((await httpGet(opts.httpPort, 'named.example.com', '/')).status).toBe(502);
    const empty = await httpGet(opts.httpPort, 'empty.example.com', '/');
    expect(empty.status).toBe(503);
    expect(empty.body).toContain('no upstream pool is configured for empty.example.com');
  });

  it('blocks with 403 in block mode and only logs in log_only mode', async () => {
    expect((await httpGet(opts.httpPort, 'shop.example.com', '/admin/panel')).status).toBe(403);
    expect((await httpGet(opts.httpPort, 'shop.example.com', '/ua', { 'User-Agent': 'x EvilBot/1.0' })).status).toBe(200);
    const log = await waitForLog(dir, (lines) => lines.some((l) => l.uri === '/ua'));
    expect(log.find((l) => l.uri === '/admin/panel')).toMatchObject({ status: 403, domain: 'dom-shop', waf: 'admin:deny:block', host: 'shop.example.com' });
    expect(log.find((l) => l.uri === '/ua')).toMatchObject({ status: 200, waf: 'evil:deny:log_only' });
    expect(log.find((l) => l.uri === '/ua')!.request_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('serves the second request from the cache', async () => {
    const first = await httpGet(opts.httpPort, 'shop.example.com', '/cached');
    const second = await httpGet(opts.httpPort, 'shop.example.com', '/cached');
    expect(first.headers['x-cache-status']).toBe('MISS');
    expect(second.headers['x-cache-status']).toBe('HIT');
    expect(second.body).toBe(first.body);
    expect(seen.filter((s) => s.url === '/cached')).toHaveLength(1);
  });

  it('rejects requests over the rate limit with 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await httpGet(opts.httpPort, 'limited.example.com', `/r${i}`)).status);
    expect(statuses[0]).toBe(200);
    expect(statuses).toContain(429);
  });

  it('drops requests for hostnames it does not serve', async () => {
    await expect(httpGet(opts.httpPort, 'unknown.example.com', '/')).rejects.toThrow();
  });

  it('reports stub_status on the local status port', async () => {
    const r = await httpGet(opts.statusPort, 'localhost', '/stub_status');
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/Active connections: \d+/);
  });

  it.skipIf(!hasOpenssl)('serves HTTPS with the domain certificate and redirects HTTP to it', async () => {
    const plain = await httpGet(opts.httpPort, 'secure.example.com', '/x?y=1');
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toBe(`https://secure.example.com:${opts.httpsPort}/x?y=1`);
    const secure = await httpsGet(opts.httpsPort, 'secure.example.com', '/x');
    expect(secure.status).toBe(200);
    expect(secure.body).toMatch(/^backend:\/x:/);
  });
});

if (!nginxBin) describe.skip('rendered config on a real nginx: nginx is not installed (apt-get install nginx-light)', () => {});

type LogLine = Record<string, unknown> & { uri?: string };

/** Access-log lines, read until `done` holds: nginx writes each line just after the response. */
async function waitForLog(dir: string, done: (lines: LogLine[]) => boolean): Promise<LogLine[]> {
  const path = join(dir, 'logs/access.log');
  const deadline = Date.now() + 5000;
  for (;;) {
    const text = existsSync(path) ? await readFile(path, 'utf8') : '';
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine);
    if (done(lines) || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 20));
  }
}
