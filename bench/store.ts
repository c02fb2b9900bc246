// Store throughput on a real SQLite file (WAL, synchronous=NORMAL): single-op commits including
// the oplog and vector, batched commits, and point reads. Measures a realistic domain document.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../src/main/db/store';
import { domainId } from '../src/shared/ids';
import { hasFlag, percentile, report, round } from './report';

export async function run(args: string[]): Promise<void> {
  const quick = hasFlag(args, '--quick');
  const dir = mkdtempSync(join(tmpdir(), 'netgoat-bench-store-'));
  const store = Store.open({ path: join(dir, 'bench.db'), nodeId: 'bench' });
  const team = 'team_bench';
  const domains = quick ? 2_000 : 10_000;
  const commits = quick ? 20_000 : 100_000;
  const batched = quick ? 50_000 : 300_000;
  const reads = quick ? 100_000 : 500_000;
  try {
    const ids: string[] = [];
    store.transaction(() => {
      for (let i = 0; i < domains; i++) {
        const hostname = `site-${i}.example.com`;
        const id = domainId(team, hostname);
        ids.push(id);
        store.write('domains', id, { teamId: team, hostname, tls: { status: 'Pending', certificateId: null, notAfter: null }, wafEnabled: false, targetLabels: ['edge'], createdAt: 1 }, { actor: 'bench' });
      }
    });

    // Single-op transactions: each toggles one field of one domain (a real change, so a real op).
    const lat: number[] = new Array(commits);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < commits; i++) {
      const s = process.hrtime.bigint();
      store.write('domains', ids[i % domains]!, { wafEnabled: (Math.floor(i / domains) % 2) === 0 }, { actor: 'bench' });
      lat[i] = Number(process.hrtime.bigint() - s) / 1e6;
    }
    const commitSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    lat.sort((a, b) => a - b);

    // Batched: 1,000 ops per transaction.
    const t1 = process.hrtime.bigint();
    for (let done = 0; done < batched; ) {
      store.transaction(() => {
        for (let k = 0; k < 1000; k++, done++) store.write('domains', ids[done % domains]!, { targetLabels: [`edge-${done}`] }, { actor: 'bench' });
      });
    }
    const batchSeconds = Number(process.hrtime.bigint() - t1) / 1e9;

    const t2 = process.hrtime.bigint();
    let found = 0;
    for (let i = 0; i < reads; i++) if (store.get('domains', ids[(i * 7919) % domains]!)) found++;
    const readSeconds = Number(process.hrtime.bigint() - t2) / 1e9;
    if (found !== reads) throw new Error(`read back ${found} of ${reads} documents`);

    report('store', [
      { figure: 'commit_per_s', value: Math.round(commits / commitSeconds), target: '>= 40000', note: `${commits} single-op transactions (doc + oplog + vector)` },
      { figure: 'commit_p50_ms', value: round(percentile(lat, 50), 4) },
      { figure: 'commit_p99_ms', value: round(percentile(lat, 99), 4), target: '<= 1' },
      { figure: 'batched_ops_per_s', value: Math.round(batched / batchSeconds), target: '>= 200000', note: '1000 ops per transaction' },
      { figure: 'read_per_s', value: Math.round(reads / readSeconds), target: '>= 150000', note: `point reads over ${domains} domains` },
    ], { quick });
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
