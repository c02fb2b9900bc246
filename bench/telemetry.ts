// `npm run bench -- telemetry [--quick] [--lines N]`: how many nginx access-log lines per second the
// agent turns into buckets. Writes N realistic `netgoat_json` lines (many domains, mixed statuses
// and latencies, some probes) to a file, then times the agent's own path over it: the log tailer
// reading the file, the line parser, and the bucket aggregator closing every slot.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogTailer } from '../src/agent/telemetry/log-tailer';
import { BucketAggregator } from '../src/core/telemetry/aggregator';
import { LogLineParser } from '../src/core/telemetry/log-line';
import { hasFlag, numberFlag, percentile, report, round } from './report';

const START = Date.UTC(2025, 0, 1);

function generate(path: string, lines: number): void {
  const statuses = [200, 200, 200, 200, 200, 200, 201, 204, 301, 304, 404, 403, 500, 502, 503];
  const parts: string[] = [];
  let seed = 1;
  const rnd = (): number => ((seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) / 0x7fffffff);
  // About 1,700 requests per second of log time: a busy edge.
  for (let i = 0; i < lines; i++) {
    const at = START + Math.floor(i * 0.6);
    const status = statuses[Math.floor(rnd() * statuses.length)]!;
    const probe = i % 50 === 0;
    const time = new Date(at - (at % 1000)).toISOString().replace('.000Z', '+00:00');
    parts.push(JSON.stringify({
      time, request_id: (i * 2_654_435_761 >>> 0).toString(16).padStart(32, '0'), host: `site${i % 40}.example.com`, domain: `dom_${i % 40}`,
      remote_addr: probe ? '127.0.0.1' : `198.51.100.${i % 250}`, method: i % 7 === 0 ? 'POST' : 'GET', uri: `/products/${i % 997}?page=${i % 9}`,
      status, bytes: Math.floor(rnd() * 40_000), request_time: Number((rnd() * rnd() * 2).toFixed(3)),
      upstream_status: String(status), upstream_addr: `10.0.${i % 4}.7:8080`, upstream_response_time: (rnd() * 0.5).toFixed(3),
      cache: i % 3 === 0 ? 'HIT' : '', waf: '', probe: probe ? '1' : '',
    }));
    // A torn line now and then, as after a disk-full: counted and skipped like in production.
    if (i % 100_000 === 99_999) parts.push('{"time":"2025-01-01T00:');
  }
  writeFileSync(path, `${parts.join('\n')}\n`);
}

/** One timed pass: tail the whole file, parse, aggregate, close every slot. */
function pass(path: string): { seconds: number; lines: number; buckets: number } {
  const parser = new LogLineParser();
  const agg = new BucketAggregator({ lengthMs: 60_000, graceMs: 2_000 });
  let lines = 0;
  const t0 = process.hrtime.bigint();
  const tailer = new LogTailer(path, (batch) => {
    lines += batch.length;
    for (const l of batch) {
      const r = parser.parse(l);
      if (r.ok) agg.add(r.request);
    }
  }, { inode: 0, offset: 0 });
  tailer.poll();
  tailer.close();
  const { buckets } = agg.close(Number.MAX_SAFE_INTEGER, 1);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, lines, buckets: buckets.length };
}

export async function run(args: string[]): Promise<void> {
  const quick = hasFlag(args, '--quick');
  const n = numberFlag(args, '--lines', quick ? 200_000 : 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'ng-bench-telemetry-'));
  try {
    const path = join(dir, 'access.log');
    generate(path, n);
    pass(path);
    const rates: number[] = [];
    let last = { seconds: 0, lines: 0, buckets: 0 };
    for (let i = 0; i < (quick ? 3 : 5); i++) {
      last = pass(path);
      rates.push(last.lines / last.seconds);
    }
    rates.sort((x, y) => x - y);
    report('telemetry', [
      { figure: 'log_lines_per_s', value: Math.round(percentile(rates, 50)), target: '≥ 100000', note: `median of ${rates.length} passes over ${last.lines} lines (tail + parse + aggregate)` },
      { figure: 'log_lines_per_s_min', value: Math.round(rates[0]!), note: 'slowest pass' },
      { figure: 'buckets', value: last.buckets, note: '40 domains, one-minute buckets' },
      { figure: 'pass_s', value: round(last.seconds), note: 'last pass' },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
