// Graceful reloads lose nothing: applies once a second for ~8 s while clients without keep-alive
// send requests back to back; every request must get its 200.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentNginx, hasNginx, proxySite, startUpstream } from '../support/nginx-agent';
import type { AgentNginx } from '../support/nginx-agent';
import { httpGet } from '../support/nginx';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasNginx)('reloads under HTTP load', () => {
  let env: AgentNginx;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;

  beforeEach(async () => {
    upstream = await startUpstream();
    env = await agentNginx({ workerProcesses: 2 });
  });
  afterEach(async () => {
    await env.stop();
    await upstream.close();
  });

  it('applies once a second for 8 s with zero failed requests', async () => {
    const sitesAt = (v: number) => [proxySite('dom-a', 'a.test', upstream.port, `v${v}`), proxySite('dom-b', 'b.test', upstream.port, `v${v}`)];
    const first = env.render(sitesAt(1), 1);
    expect((await env.applier.start(first.files, first.meta)).ok).toBe(true);

    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const client = async (host: string): Promise<void> => {
      // Bounded: the loop ends when the applies end, or after 20 s whatever happens.
      const deadline = Date.now() + 20_000;
      while (!stop && Date.now() < deadline) {
        try {
          const reply = await httpGet(env.opts.httpPort, host, '/load');
          if (reply.status === 200 && reply.body === 'upstream /load') ok++;
          else failures.push(`${reply.status} ${reply.body.slice(0, 80)}`);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    };
    const clients = [client('a.test'), client('b.test'), client('a.test')];

    const reports = [];
    for (let v = 2; v <= 9; v++) {
      await sleep(1_000);
      const next = env.render(sitesAt(v), v);
      reports.push(await env.applier.apply(next.files, next.meta));
    }
    stop = true;
    await Promise.all(clients);

    expect(reports.map((r) => r.error?.message ?? 'ok')).toEqual(Array(8).fill('ok'));
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    expect((await httpGet(env.opts.httpPort, 'b.test')).headers['x-netgoat-tag']).toBe('v9');
  }, 60_000);
});
