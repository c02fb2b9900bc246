// The output contract of every benchmark: a readable table, then one JSON object as the last line.

export function percentile(sortedAsc: readonly number[], p: number): number {
  if (sortedAsc.length === 0) return Number.NaN;
  const idx = Math.min(sortedAsc.length - 1, Math.max(0, Math.ceil((p / 100) * sortedAsc.length) - 1));
  return sortedAsc[idx]!;
}

export const round = (n: number, digits = 3): number => Number(n.toFixed(digits));

export interface Row {
  figure: string;
  value: number;
  target?: string;
  note?: string;
}

export function report(bench: string, rows: Row[], extra: Record<string, unknown> = {}): void {
  const w = Math.max(...rows.map((r) => r.figure.length), 6);
  console.log(`\n${bench}`);
  console.log(`${'figure'.padEnd(w)}  ${'value'.padStart(14)}  ${'target'.padEnd(10)}  note`);
  for (const r of rows) {
    console.log(`${r.figure.padEnd(w)}  ${String(r.value).padStart(14)}  ${(r.target ?? '').padEnd(10)}  ${r.note ?? ''}`);
  }
  const json: Record<string, unknown> = { bench };
  for (const r of rows) json[r.figure] = r.value;
  console.log(JSON.stringify({ ...json, ...extra }));
}

export const hasFlag = (args: readonly string[], flag: string): boolean => args.includes(flag);

export function numberFlag(args: readonly string[], flag: string, fallback: number): number {
  const i = args.indexOf(flag);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${flag} needs a positive number`);
  return v;
}
