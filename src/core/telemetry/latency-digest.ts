// A mergeable latency histogram: log-spaced bins (±4 % relative error) from 1 ms to 10 min, so
// minute buckets roll up into hours by adding counts, and percentiles of the hour stay honest.

/** Each bin's upper edge is GROWTH times its lower edge. */
const GROWTH = 1.08;
const LOG_GROWTH = Math.log(GROWTH);
/** Bin 0 holds everything under 1 ms; the last bin everything from about 10 minutes up. */
export const DIGEST_BINS = 2 + Math.ceil(Math.log(600_000) / LOG_GROWTH);

/** Sparse form for the wire and the database: [bin, count] pairs, bins ascending. */
export type DigestPairs = [number, number][];

export function binOf(latencyMs: number): number {
  if (!(latencyMs >= 1)) return 0;
  return Math.min(DIGEST_BINS - 1, 1 + Math.floor(Math.log(latencyMs) / LOG_GROWTH));
}

/** The value a bin stands for: the geometric middle of its edges (0 for the sub-millisecond bin). */
export function binValueMs(bin: number): number {
  if (bin <= 0) return 0;
  return Math.round(Math.pow(GROWTH, bin - 0.5) * 1000) / 1000;
}

export const emptyDigest = (): Uint32Array => new Uint32Array(DIGEST_BINS);

export function toPairs(counts: Uint32Array): DigestPairs {
  const pairs: DigestPairs = [];
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) pairs.push([i, counts[i]!]);
  return pairs;
}

/** Adds pairs into counts (pairs naming a bin outside the digest are ignored: they come from a newer layout). */
export function addPairs(counts: Uint32Array, pairs: DigestPairs): Uint32Array {
  for (const [bin, n] of pairs) if (bin >= 0 && bin < counts.length) counts[bin]! += n;
  return counts;
}

/** The q-quantile (0..1) in ms, or null for an empty digest. */
export function quantileMs(counts: Uint32Array, q: number): number | null {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= rank) return binValueMs(i);
  }
  return binValueMs(counts.length - 1);
}
