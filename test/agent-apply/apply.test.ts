// The apply pipeline against a real nginx: sites served through it, a tree nginx rejects left
// unapplied with nginx's own words and the blamed domain, a reload that fails rolled back, and
// rapid applies coalesced.

import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderAll } from '../../src/core/nginx/index';
import { agentNginx, hasNginx, proxySite, startUpstream } from '../support/nginx-agent';
import type { AgentNginx } from '../support/nginx-agent';
import { httpGet } from '../support/nginx';

describe.skipIf(!hasNginx)('nginx apply pipeline', () => {
  let env: AgentNginx;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;

  beforeEach(async () => {
    upstream = await startUpstream();
    env = await agentNginx();
  });
  afterEach(async () => {
    await env.stop();
    await upstream.close();
  });

  const sites = (tag: string) => [
    proxySite('dom-a', 'a.test', upstream.port, tag),
    proxySite('dom-b', 'b.test', upstream.port, tag),
    proxySite('dom-c', 'c.test', upstream.port, tag),
  ];

  it('applies sites and serves them through nginx to the upstream', async () => {
    const first = env.render(sites('v1'), 1);
    const started = await env.applier.start(first.files, first.meta);
    expect(started.ok).toBe(true);

    const next = env.render([...sites('v2'), proxySite('dom-d', 'd.test', upstream.port, 'v2')], 2);
    const report = await env.applier.apply(next.files, next.meta);
    expect(report.error).toBeUndefined();
    expect(report.timeline.map((m) => m.phase)).toEqual(['staged', 'tested', 'swapped', 'reloaded', 'verified']);
    expect(env.applier.applied()).toMatchObject({ version: 2, generation: report.generation });

    for (const host of ['a.test', 'b.test', 'c.test', 'd.test']) {
      const reply = await httpGet(env.opts.httpPort, host, '/hello');
      expect(reply.status).toBe(200);
      expect(reply.body).toBe('upstream /hello');
      expect(reply.headers['x-netgoat-tag']).toBe('v2');
    }
    // A hostname this edge does not serve is dropped by the catch-all server.
    await expect(httpGet(env.opts.httpPort, 'unknown.test')).rejects.toThrow();
  });

  it('refuses a tree nginx rejects: exact nginx message, blamed domain, live tree and traffic unchanged', async () => {
    const good = env.render(sites('v1'), 1);
    expect((await env.applier.start(good.files, good.meta)).ok).toBe(true);
    const liveBefore = await fs.readlink(env.controller.generations.liveLink);
    const liveFileBefore = await fs.readFile(join(env.controller.generations.liveLink, 'sites/dom-b.conf'), 'utf8');

    // Written by hand: the renderer refuses anything that could produce this.
    const bad = env.render(sites('v2'), 2);
    const badFiles = bad.files.map((f) => (f.path === 'sites/dom-b.conf' ? { ...f, content: f.content.replace('server {', 'server {\n  frobnicate on;') } : f));
    const report = await env.applier.apply(badFiles, bad.meta);

    expect(report.ok).toBe(false);
    expect(report.rolledBack).toBe(false);
    expect(report.error?.code).toBe('NG_NGINX_INVALID');
    expect(report.error?.message).toMatch(/^nginx: \[emerg\] unknown directive "frobnicate" in \/.*\/sites\/dom-b\.conf:\d+$/);
    expect(report.error?.domainId).toBe('dom-b');
    expect(report.error?.file).toBe('sites/dom-b.conf');
    expect(report.error?.line).toBeGreaterThan(0);
    expect(report.timeline.map((m) => m.phase)).toEqual(['staged', 'failed']);

    expect(await fs.readlink(env.controller.generations.liveLink)).toBe(liveBefore);
    expect(await fs.readFile(join(env.controller.generations.liveLink, 'sites/dom-b.conf'), 'utf8')).toBe(liveFileBefore);
    const reply = await httpGet(env.opts.httpPort, 'b.test');
    expect(reply.headers['x-netgoat-tag']).toBe('v1');
    expect(env.applier.applied()?.version).toBe(1);
  });

  it('rolls back a tree that passes nginx -t but fails on reload (port already in use)', async () => {
    const good = env.render(sites('v1'), 1);
    expect((await env.applier.start(good.files, good.meta)).ok).toBe(true);

    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const busyPort = (squatter.address() as { port: number }).port;
    try {
      const r = renderAll(sites('v2'), { ...env.opts, httpPort: busyPort });
      if (!r.ok) throw new Error('render failed');
      const report = await env.applier.apply(r.files, { version: 2, checksum: 'b'.repeat(64), domains: ['dom-a', 'dom-b', 'dom-c'] });

      expect(report.ok).toBe(false);
      expect(report.error?.code).toBe('NG_NGINX_RELOAD_FAILED');
      expect(report.error?.message).toContain(`bind() to 127.0.0.1:${busyPort} failed`);
      expect(report.rolledBack).toBe(true);
      expect(report.timeline.map((m) => m.phase)).toEqual(['staged', 'tested', 'swapped', 'reloaded', 'failed', 'rolling_back', 'rolled_back']);
      expect(report.generation).toBe(env.applier.applied()?.generation);
      expect(await env.controller.generations.live()).toBe(report.generation);

      const reply = await httpGet(env.opts.httpPort, 'a.test');
      expect(reply.status).toBe(200);
      expect(reply.headers['x-netgoat-tag']).toBe('v1');
      const phases = env.events.filter((e) => e.type === 'apply_phase' && e.version === 2).map((e) => (e.type === 'apply_phase' ? e.phase : ''));
      expect(phases).toContain('rolling_back');
    } finally {
      await new Promise<void>((r) => squatter.close(() => r()));
    }
  });

  it('coalesces rapid applies: at most two reloads, and the last version wins', async () => {
    const good = env.render(sites('v1'), 1);
    expect((await env.applier.start(good.files, good.meta)).ok).toBe(true);
    env.events.length = 0;

    const reports = await Promise.all(
      [2, 3, 4, 5, 6].map((v) => {
        const next = env.render(sites(`v${v}`), v);
        return env.applier.apply(next.files, next.meta);
      }),
    );
    const reloads = env.events.filter((e) => e.type === 'apply_phase' && e.phase === 'reloaded');
    expect(reloads.length).toBeLessThanOrEqual(2);
    expect(reports.at(-1)?.ok).toBe(true);
    expect(reports.filter((r) => r.error?.code === 'NG_APPLY_SUPERSEDED').length).toBeGreaterThanOrEqual(3);
    expect(env.applier.applied()?.version).toBe(6);
    expect((await httpGet(env.opts.httpPort, 'c.test')).headers['x-netgoat-tag']).toBe('v6');
  });
});
