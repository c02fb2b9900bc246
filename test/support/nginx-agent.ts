// An agent-managed nginx for tests: a private prefix, loopback high ports, sites rendered by the
// core renderer and pointed at a tiny node:http upstream, and a cleanup that stops everything.

import { mkdtempSync, promises as fs } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RENDER_OPTIONS, STATUS_PATH, renderAll } from '../../src/core/nginx/index';
import type { RenderOptions, RenderedFile, SiteInput } from '../../src/core/nginx/index';
import { ManagedNginx, NginxApplier } from '../../src/agent/nginx/index';
import type { ApplyMeta, NginxEvent } from '../../src/agent/nginx/index';
import { findNginx, freePort } from './nginx';

/** A site proxying everything to 127.0.0.1:upstreamPort, stamping responses with X-Netgoat-Tag. */
export function proxySite(domainId: string, hostname: string, upstreamPort: number, tag = 'v1'): SiteInput {
  return {
    domainId,
    hostname,
    tls: { status: 'Pending', certificateId: null, notAfter: null },
    wafEnabled: false,
    certificate: null,
    proxy: {
      teamId: 'team1',
      domainId,
      upstreamPools: [{ name: 'web', method: 'round_robin', servers: [{ host: '127.0.0.1', port: upstreamPort, weight: 1, maxFails: 1, failTimeoutS: 10, backup: false }] }],
      routes: [{ path: '/', match: 'prefix', pool: 'web' }],
      wafRules: [],
      cache: { mode: 'off', ttlSeconds: 60 },
      rateLimit: { enabled: false, requestsPerSecond: 10, burst: 0 },
      headers: [{ name: 'X-Netgoat-Tag', value: tag }],
    },
  };
}

/** A node:http server answering "upstream <path>" to everything. */
export async function startUpstream(): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`upstream ${req.url}`);
  });
  // Longer than nginx keeps idle upstream connections, so nginx never reuses one the upstream is closing.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface AgentNginx {
  prefix: string;
  opts: RenderOptions;
  controller: ManagedNginx;
  applier: NginxApplier;
  events: NginxEvent[];
  /** Renders sites (plus the main config) into files and their meta. */
  render(sites: SiteInput[], version: number): { files: RenderedFile[]; meta: ApplyMeta };
  stop(): Promise<void>;
}

export const hasNginx = findNginx() !== null;

/** Sets up (does not start) a managed nginx on free loopback ports under a fresh temp prefix. */
export async function agentNginx(extra: Partial<RenderOptions> = {}): Promise<AgentNginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'ng-agent-nginx-'));
  const opts: RenderOptions = {
    ...DEFAULT_RENDER_OPTIONS,
    generatorVersion: 'netgoat test',
    listenAddress: '127.0.0.1',
    httpPort: await freePort(),
    httpsPort: await freePort(),
    statusPort: await freePort(),
    workerProcesses: 1,
    ...extra,
  };
  const controller = new ManagedNginx({ prefix, bin: findNginx() ?? undefined, errorLogPath: opts.errorLogPath, pidPath: opts.pidPath, directories: [opts.cacheDir] });
  const applier = new NginxApplier({ controller, probeUrl: `http://127.0.0.1:${opts.statusPort}${STATUS_PATH}` });
  const events: NginxEvent[] = [];
  applier.onEvent((e) => events.push(e));
  return {
    prefix,
    opts,
    controller,
    applier,
    events,
    render(sites, version) {
      const r = renderAll(sites, opts);
      if (!r.ok) throw new Error(`render failed: ${JSON.stringify(r.errors)}`);
      return { files: r.files, meta: { version, checksum: `v${version}`.padEnd(64, '0'), domains: sites.map((s) => s.domainId) } };
    },
    async stop() {
      await applier.idle();
      await controller.stop();
      await fs.rm(prefix, { recursive: true, force: true });
    },
  };
}
