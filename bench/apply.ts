// `npm run bench -- apply [--quick] [--sites N] [--applies N]`: a real nginx serving 1000 server
// blocks, driven the way the agent drives it (NginxTarget: desired entries in, render of what
// changed, stage, nginx -t, swap, reload, verify). One domain changes per apply. Applies are spaced
// past the 250 ms reload gate, so the figures are the apply's own latency, from the new desired
// state to the verified report. Run in this process, with the JIT: the shipped agent interprets
// only (see docs/BENCHMARKS.md), which makes its render of the changed site a few ms slower.

import { mkdtempSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RENDER_OPTIONS } from '../src/core/nginx/index';
import type { RenderOptions } from '../src/core/nginx/index';
import { entryOf, type DesiredEntry } from '../src/core/desired/index';
import type { ApplyPhase } from '../src/agent/nginx/index';
import { NginxTarget } from '../src/agent/nginx-target';
import { findNginx, freePort, stopAgentNginx } from '../test/support/nginx';
import { proxySite } from '../test/support/nginx-agent';
import { hasFlag, numberFlag, percentile, report, round } from './report';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A typical proxied domain; its upstream (port 9, discard) need not exist: nginx starts and reloads regardless. */
const entry = (i: number, tag: string): DesiredEntry => entryOf({ ...proxySite(`dom${String(i).padStart(4, '0')}`, `site${i}.bench.test`, 9, tag), certificate: null });

export async function run(args: string[]): Promise<void> {
  const quick = hasFlag(args, '--quick');
  const siteCount = numberFlag(args, '--sites', 1000);
  const applies = numberFlag(args, '--applies', quick ? 15 : 50);
  if (!findNginx()) throw new Error('nginx is not installed (apt-get install nginx-light)');

  const dataDir = mkdtempSync(join(tmpdir(), 'ng-bench-apply-'));
  const prefix = join(dataDir, 'nginx');
  const opts: RenderOptions = {
    ...DEFAULT_RENDER_OPTIONS,
    generatorVersion: 'netgoat bench',
    listenAddress: '127.0.0.1',
    httpPort: await freePort(),
    httpsPort: await freePort(),
    statusPort: await freePort(),
  };
  // No watchdog timers during the run: they would only add noise (drift checks hash files).
  const target = new NginxTarget({ prefix, certDir: join(dataDir, 'certs'), render: opts, watchdog: { checkIntervalMs: 60_000, driftIntervalMs: 0 } });
  const phases = new Map<ApplyPhase, number[]>();
  let timing = false;
  /** The pipeline's share of the apply being timed: the sum of its phases. */
  let pipeline = 0;
  target.onEvent((e) => {
    if (!timing || e.type !== 'apply_phase') return;
    phases.set(e.phase, [...(phases.get(e.phase) ?? []), e.ms]);
    pipeline += e.ms;
  });

  try {
    const entries = new Map<string, DesiredEntry>();
    for (let i = 0; i < siteCount; i++) {
      const e = entry(i, 'v0');
      entries.set(e.domain.domainId, e);
    }
    const started = await target.start(entries, { version: 0, checksum: '0'.repeat(64) });
    if (!started.ok) throw new Error(`nginx did not start: ${started.message}`);

    const totals: number[] = [];
    const renders: number[] = [];
    let state: ReadonlyMap<string, DesiredEntry> = entries;
    for (let v = 1; v <= applies; v++) {
      // A new desired state with one domain changed, as a diff from the node leaves the agent.
      const changed = entry((v * 7919) % siteCount, `v${v}`);
      const next = new Map(state);
      next.set(changed.domain.domainId, changed);
      state = next;

      await sleep(300);
      timing = true;
      pipeline = 0;
      const t0 = performance.now();
      const r = await target.apply(next, { version: v, checksum: String(v).padStart(64, '0') });
      const total = performance.now() - t0;
      timing = false;
      if (!r.ok) throw new Error(`apply ${v} failed: ${r.message}`);
      totals.push(total);
      // What the pipeline's phases do not cover: rendering the new state before staging.
      renders.push(Math.max(0, total - pipeline));
    }

    totals.sort((a, b) => a - b);
    const median = (xs: number[] | undefined): number => round(percentile([...(xs ?? [])].sort((a, b) => a - b), 50), 1);
    report(
      'apply',
      [
        { figure: 'apply_p50_ms', value: round(percentile(totals, 50), 1), target: '<= 150', note: `${applies} applies, ${siteCount} server blocks, one domain changed each` },
        { figure: 'apply_p99_ms', value: round(percentile(totals, 99), 1), target: '<= 300' },
        { figure: 'render_p50_ms', value: median(renders), note: 'render the changed domain, check the whole state for clashes' },
        { figure: 'stage_p50_ms', value: median(phases.get('staged')), note: 'replace the changed file in the next generation, linked after the last apply' },
        { figure: 'test_p50_ms', value: median(phases.get('tested')), note: 'nginx -t on the staged tree' },
        { figure: 'swap_p50_ms', value: median(phases.get('swapped')), note: 'symlink rename' },
        { figure: 'reload_p50_ms', value: median(phases.get('reloaded')), note: 'SIGHUP sent' },
        { figure: 'verify_p50_ms', value: median(phases.get('verified')), note: 'new workers up, error log clean, probe 200' },
      ],
      { sites: siteCount, applies, worker_processes: opts.workerProcesses },
    );
  } finally {
    await target.stop();
    stopAgentNginx(dataDir);
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}
