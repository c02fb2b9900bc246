// System mode against a real nginx that the agent did not configure: its own nginx.conf includes
// a folder Netgoat owns. A bad site is refused without touching that folder; a good one is served.

import { mkdtempSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderSite } from '../../src/core/nginx/index';
import { NginxApplier, SystemNginx } from '../../src/agent/nginx/index';
import type { RenderedFile } from '../../src/core/nginx/index';
import { DEFAULT_RENDER_OPTIONS } from '../../src/core/nginx/index';
import { findNginx, freePort, httpGet } from '../support/nginx';
import { hasNginx, proxySite, startUpstream } from '../support/nginx-agent';

describe.skipIf(!hasNginx)('system nginx mode', () => {
  let dir: string;
  let host: SystemNginx;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let httpPort: number;
  let statusPort: number;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ng-system-nginx-'));
    await fs.chmod(dir, 0o755);
    await fs.mkdir(join(dir, 'logs'));
    upstream = await startUpstream();
    httpPort = await freePort();
    statusPort = await freePort();
    // The host's own configuration, as an operator would have written it.
    await fs.writeFile(
      join(dir, 'nginx.conf'),
      [
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/logs/error.log warn;`,
        'events { worker_connections 256; }',
        'http {',
        '  access_log off;',
        `  server { listen 127.0.0.1:${statusPort}; location = /stub_status { stub_status; } }`,
        `  include ${dir}/netgoat/sites/*.conf;`,
        '}',
        '',
      ].join('\n'),
    );
    host = new SystemNginx({ confDir: join(dir, 'netgoat'), bin: findNginx()!, mainConf: join(dir, 'nginx.conf'), pidFile: join(dir, 'nginx.pid'), errorLog: join(dir, 'logs/error.log'), prefix: dir });
  });
  afterEach(async () => {
    await host.stop();
    await upstream.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const opts = () => ({ ...DEFAULT_RENDER_OPTIONS, listenAddress: '127.0.0.1', httpPort, httpsPort: httpPort + 1, statusPort });
  const site = (domainId: string, hostname: string, tag: string): RenderedFile => {
    const r = renderSite(proxySite(domainId, hostname, upstream.port, tag), opts());
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.files[0]!;
  };

  it('applies into the include folder, and refuses a bad site without touching it', async () => {
    const applier = new NginxApplier({ controller: host, probeUrl: `http://127.0.0.1:${statusPort}/stub_status` });
    const first = await applier.start([site('dom-a', 'a.test', 'v1')], { version: 1, checksum: 'a'.repeat(64), domains: ['dom-a'] });
    expect(first.error).toBeUndefined();
    expect((await httpGet(httpPort, 'a.test')).headers['x-netgoat-tag']).toBe('v1');
    expect((await fs.lstat(join(dir, 'netgoat'))).isSymbolicLink()).toBe(true);

    const bad = site('dom-b', 'b.test', 'v2');
    const refused = await applier.apply([site('dom-a', 'a.test', 'v2'), { ...bad, content: bad.content.replace('server {', 'server {\n  listen_twice yes;') }], {
      version: 2,
      checksum: 'b'.repeat(64),
      domains: ['dom-a', 'dom-b'],
    });
    expect(refused.error?.code).toBe('NG_NGINX_INVALID');
    expect(refused.error?.message).toContain('unknown directive "listen_twice"');
    expect(refused.error?.domainId).toBe('dom-b');
    expect(await fs.readdir(join(dir, 'netgoat', 'sites'))).toEqual(['dom-a.conf']);
    expect((await httpGet(httpPort, 'a.test')).headers['x-netgoat-tag']).toBe('v1');

    const good = await applier.apply([site('dom-a', 'a.test', 'v3'), site('dom-b', 'b.test', 'v3')], { version: 3, checksum: 'c'.repeat(64), domains: ['dom-a', 'dom-b'] });
    expect(good.error).toBeUndefined();
    expect((await httpGet(httpPort, 'b.test')).headers['x-netgoat-tag']).toBe('v3');
    await applier.idle();
  });
});
