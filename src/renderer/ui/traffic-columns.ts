// Traffic points as chart columns: one entry per slot of the range, so a quiet minute is drawn as
// zero (the agents reported it and it had no traffic) and a minute not yet reported as a gap.
import type { OutputOf } from '../api';

export type TrafficAnswer = OutputOf<'telemetry.query'>;
export type TrafficPoint = TrafficAnswer['points'][number];

export interface TrafficColumns {
  /** Slot starts in Unix seconds (uPlot's x axis). */
  x: number[];
  status2xx: (number | null)[];
  status3xx: (number | null)[];
  status4xx: (number | null)[];
  status5xx: (number | null)[];
  status502: (number | null)[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
}

const COUNTS = ['status2xx', 'status3xx', 'status4xx', 'status5xx', 'status502'] as const;

export function trafficColumns(answer: TrafficAnswer, from: number, to: number): TrafficColumns {
  const length = answer.points[0]?.lengthMs ?? 60_000;
  const bySlot = new Map(answer.points.map((p) => [p.start, p]));
  const cols: TrafficColumns = { x: [], status2xx: [], status3xx: [], status4xx: [], status5xx: [], status502: [], p50: [], p95: [], p99: [] };
  const covered = answer.coveredUntil ?? -Infinity;
  for (let start = Math.floor(from / length) * length; start < to; start += length) {
    const p = bySlot.get(start);
    const reported = p !== undefined || start + length <= covered;
    cols.x.push(start / 1000);
    for (const k of COUNTS) cols[k].push(p ? p[k] : reported ? 0 : null);
    cols.p50.push(p?.p50Ms ?? null);
    cols.p95.push(p?.p95Ms ?? null);
    cols.p99.push(p?.p99Ms ?? null);
  }
  return cols;
}

/** Totals over the range, for the summary line above the charts. */
export function trafficTotals(points: readonly TrafficPoint[]): { requests: number; status5xx: number; status502: number; bytes: number } {
  return points.reduce((t, p) => ({ requests: t.requests + p.requests, status5xx: t.status5xx + p.status5xx, status502: t.status502 + p.status502, bytes: t.bytes + p.bytes }), { requests: 0, status5xx: 0, status502: 0, bytes: 0 });
}
