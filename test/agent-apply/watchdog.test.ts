// The watchdog against a real nginx: a master killed with SIGKILL comes back on the last good
// tree, and files changed behind the agent's back are reported and restored.

import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NginxWatchdog } from '../../src/agent/nginx/index';
import type { NginxEvent } from '../../src/agent/nginx/index';
import { agentNginx, hasNginx, proxySite, startUpstream } from '../support/nginx-agent';
import type { AgentNginx } from '../support/nginx-agent';
import { httpGet } from '../support/nginx';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitForEvent(events: NginxEvent[], type: NginxEvent['type'], timeoutMs = 20_000): Promise<NginxEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = events.find((e) => e.type === type);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${type} event within ${timeoutMs} ms; saw ${events.map((e) => e.type).join(', ')}`);
    await sleep(25);
  }
}

describe.skipIf(!hasNginx)('nginx watchdog', () => {
  let env: AgentNginx;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let watchdog: NginxWatchdog | null = null;

  beforeEach(async () => {
    upstream = await startUpstream();
    env = await agentNginx();
    const first = env.render([proxySite('dom-a', 'a.test', upstream.port, 'good'), proxySite('dom-b', 'b.test', upstream.port, 'good')], 1);
    expect((await env.applier.start(first.files, first.meta)).ok).toBe(true);
    env.events.length = 0;
  });
  afterEach(async () => {
    await watchdog?.stop();
    watchdog = null;
    await env.stop();
    await upstream.close();
  });

  it('restarts a master killed with SIGKILL and serves the last good tree again', async () => {
    watchdog = new NginxWatchdog(env.applier, { checkIntervalMs: 100, driftIntervalMs: 0 });
    watchdog.start();
    await sleep(250);
    const before = await env.controller.status();
    expect(before.running).toBe(true);

    process.kill(before.masterPid!, 'SIGKILL');
    const down = await waitForEvent(env.events, 'nginx_down');
    expect(down).toMatchObject({ masterPid: before.masterPid });
    const up = await waitForEvent(env.events, 'nginx_up');
    expect(up.type === 'nginx_up' && up.masterPid).not.toBe(before.masterPid);

    const after = await env.controller.status();
    expect(after.running).toBe(true);
    expect(after.generation).toBe(env.applier.applied()?.generation);
    const reply = await httpGet(env.opts.httpPort, 'a.test', '/back');
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('upstream /back');
    expect(reply.headers['x-netgoat-tag']).toBe('good');
  });

  it('reports a live file edited and a file added behind its back, and restores the tree', async () => {
    const live = env.controller.generations.liveLink;
    const expected = await fs.readFile(join(live, 'sites/dom-a.conf'), 'utf8');
    await fs.appendFile(join(live, 'sites/dom-a.conf'), '\n# hand edit\n');
    await fs.writeFile(join(live, 'sites/rogue.conf'), '# not ours\n');

    watchdog = new NginxWatchdog(env.applier, { checkIntervalMs: 1_000, driftIntervalMs: 150 });
    watchdog.start();
    const found = await waitForEvent(env.events, 'drift_found');
    expect(found).toMatchObject({ changed: ['sites/dom-a.conf'], added: ['sites/rogue.conf'], removed: [] });
    const restored = await waitForEvent(env.events, 'drift_restored');
    expect(restored.type === 'drift_restored' && restored.report.ok).toBe(true);

    expect(await fs.readFile(join(live, 'sites/dom-a.conf'), 'utf8')).toBe(expected);
    await expect(fs.stat(join(live, 'sites/rogue.conf'))).rejects.toThrow();
    expect(await env.applier.checkDrift()).toEqual({ changed: [], added: [], removed: [] });
    expect((await httpGet(env.opts.httpPort, 'a.test')).status).toBe(200);
  });
});
