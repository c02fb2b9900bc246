// `npm run bench -- apply [--quick] [--sites N] [--applies N]`: a real nginx serving 1000 server
// blocks; one domain changes per apply, and each apply runs the whole pipeline (stage, nginx -t,
// swap, reload, verify). Applies are spaced past the 250 ms reload gate, so the figures are the
// pipeline's own latency, measured from apply() to its report.

import { mkdtempSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RENDER_OPTIONS, STATUS_PATH, renderAll, renderSite } from '../src/core/nginx/index';
import type { RenderOptions, SiteInput } from '../src/core/nginx/index';
import { ManagedNginx, NginxApplier } from '../src/agent/nginx/index';
import type { ApplyPhase } from '../src/agent/nginx/index';
import { findNginx, freePort } from '../test/support/nginx';
import { proxySite } from '../test/support/nginx-agent';
import { hasFlag, numberFlag, percentile, report, round } from './report';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A typical proxied site; its upstream (port 9, discard) need not exist: nginx starts and reloads regardless. */
const site = (i: number, tag: string): SiteInput => proxySite(`dom${String(i).padStart(4, '0')}`, `site${i}.bench.test`, 9, tag);

export async function run(args: string[]): Promise<void> {
  const quick = hasFlag(args, '--quick');
  const siteCount = numberFlag(args, '--sites', 1000);
  const applies = numberFlag(args, '--applies', quick ? 15 : 50);
  const bin = findNginx();
  if (!bin) throw new Error('nginx is not installed (apt-get install nginx-light)');

  const prefix = mkdtempSync(join(tmpdir(), 'ng-bench-apply-'));
  const opts: RenderOptions = {
    ...DEFAULT_RENDER_OPTIONS,
    generatorVersion: 'netgoat bench',
    listenAddress: '127.0.0.1',
    httpPort: await freePort(),
    httpsPort: await freePort(),
    statusPort: await freePort(),
  };
  const controller = new ManagedNginx({ prefix, bin, errorLogPath: opts.errorLogPath, pidPath: opts.pidPath, directories: [opts.cacheDir] });
  const applier = new NginxApplier({ controller, probeUrl: `http://127.0.0.1:${opts.statusPort}${STATUS_PATH}` });

  try {
    const sites = Array.from({ length: siteCount }, (_, i) => site(i, 'v0'));
    const rendered = renderAll(sites, opts);
    if (!rendered.ok) throw new Error(`render failed: ${JSON.stringify(rendered.errors.slice(0, 3))}`);
    const files = rendered.files;
    const domains = sites.map((s) => s.domainId);
    const started = await applier.start(files, { version: 0, checksum: '0'.repeat(64), domains });
    if (!started.ok) throw new Error(`nginx did not start: ${started.error?.message}`);

    const totals: number[] = [];
    const phases = new Map<ApplyPhase, number[]>();
    for (let v = 1; v <= applies; v++) {
      // The agent re-renders only the domains that changed.
      const i = (v * 7919) % siteCount;
      const one = renderSite(site(i, `v${v}`), opts);
      if (!one.ok) throw new Error('render failed');
      const changed = one.files[0]!;
      const at = files.findIndex((f) => f.path === changed.path);
      files[at] = changed;

      await sleep(300);
      const t0 = performance.now();
      const r = await applier.apply(files, { version: v, checksum: String(v).padStart(64, '0'), domains });
      totals.push(performance.now() - t0);
      if (!r.ok) throw new Error(`apply ${v} failed: ${r.error?.message}`);
      for (const m of r.timeline) phases.set(m.phase, [...(phases.get(m.phase) ?? []), m.ms]);
    }

    totals.sort((a, b) => a - b);
    const median = (xs: number[] | undefined): number => round(percentile([...(xs ?? [])].sort((a, b) => a - b), 50), 1);
    report(
      'apply',
      [
        { figure: 'apply_p50_ms', value: round(percentile(totals, 50), 1), target: '<= 150', note: `${applies} applies, ${siteCount} server blocks, one domain changed each` },
        { figure: 'apply_p99_ms', value: round(percentile(totals, 99), 1), target: '<= 300' },
        { figure: 'stage_p50_ms', value: median(phases.get('staged')), note: 'replace the changed file in the next generation, linked after the last apply' },
        { figure: 'test_p50_ms', value: median(phases.get('tested')), note: 'nginx -t on the staged tree' },
        { figure: 'swap_p50_ms', value: median(phases.get('swapped')), note: 'symlink rename' },
        { figure: 'reload_p50_ms', value: median(phases.get('reloaded')), note: 'SIGHUP sent' },
        { figure: 'verify_p50_ms', value: median(phases.get('verified')), note: 'new workers up, error log clean, probe 200' },
      ],
      { sites: siteCount, applies, worker_processes: opts.workerProcesses },
    );
  } finally {
    await applier.idle();
    await controller.stop();
    await fs.rm(prefix, { recursive: true, force: true });
  }
}
