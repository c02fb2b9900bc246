// Milliseconds on the monotonic clock, for durations the agent measures. Node's global
// `performance` loads perf_hooks on first use, with its event-loop histograms, timerify and
// resource timing (about 0.3 MB an idle agent would keep for nothing); process.hrtime reads the
// same clock without them.

export function monotonicMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1000 + ns / 1e6;
}
