// Version vectors: the highest contiguous op seq held per origin. Anti-entropy compares two
// vectors to find exactly the ops the other side lacks; watermarks decide what can be compacted.

import type { VersionVector } from '../shared/ops';

/** Pointwise maximum. */
export function mergeVectors(a: VersionVector, b: VersionVector): VersionVector {
  const out: VersionVector = { ...a };
  for (const [origin, seq] of Object.entries(b)) out[origin] = Math.max(out[origin] ?? 0, seq);
  return out;
}

/** True when `a` holds everything `b` holds. */
export function dominates(a: VersionVector, b: VersionVector): boolean {
  for (const [origin, seq] of Object.entries(b)) if ((a[origin] ?? 0) < seq) return false;
  return true;
}

/** For each origin where `mine` is ahead, the seq range `theirs` is missing: (from, to]. */
export function missingRanges(mine: VersionVector, theirs: VersionVector): { origin: string; after: number; upTo: number }[] {
  const out: { origin: string; after: number; upTo: number }[] = [];
  for (const [origin, seq] of Object.entries(mine)) {
    const have = theirs[origin] ?? 0;
    if (seq > have) out.push({ origin, after: have, upTo: seq });
  }
  return out;
}

/** What every listed member holds: the pointwise minimum. Ops at or below it may be compacted. */
export function watermark(vectors: VersionVector[]): VersionVector {
  if (vectors.length === 0) return {};
  const origins = new Set(vectors.flatMap((v) => Object.keys(v)));
  const out: VersionVector = {};
  for (const origin of origins) out[origin] = Math.min(...vectors.map((v) => v[origin] ?? 0));
  return out;
}

export const vectorsEqual = (a: VersionVector, b: VersionVector): boolean => dominates(a, b) && dominates(b, a);
