// Edge telemetry, pure: access-log lines → per-domain buckets with latency digests → roll-ups.

export { LogLineParser, PROBE_HEADER } from './log-line';
export type { LoggedRequest, ParsedLine } from './log-line';
export { BucketAggregator } from './aggregator';
export type { AggregatorCounters, AggregatorOptions, ClosedSlots } from './aggregator';
export { rollUp, slotStart } from './bucket';
export type { TrafficBucket } from './bucket';
export { DIGEST_BINS, binOf, binValueMs, quantileMs, addPairs, emptyDigest, toPairs } from './latency-digest';
export type { DigestPairs } from './latency-digest';
