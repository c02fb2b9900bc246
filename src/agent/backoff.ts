// Reconnect delays: exponential from 1 s to 60 s, with jitter so a fleet that lost its node does
// not return in lockstep.

export const BACKOFF_MIN_MS = 1_000;
export const BACKOFF_MAX_MS = 60_000;

/** Delay before reconnect attempt `attempt` (0-based): half the exponential step plus a random half. */
export function backoffDelay(attempt: number, random: () => number = Math.random, minMs = BACKOFF_MIN_MS, maxMs = BACKOFF_MAX_MS): number {
  const step = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + (step / 2) * random());
}
