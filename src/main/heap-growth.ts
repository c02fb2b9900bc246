// How far the node's V8 heap may grow past what survived its last full collection. Left to itself,
// V8 picks a factor between 1.1 and 4 by how fast its collector runs, and a node that links thousands
// of agents makes a lot of short-lived garbage per change (frames, acks, socket bookkeeping): it
// grew to several times its live heap before collecting. With 30 %, a node linking 10,000 agents
// holds ~210 MB instead of ~310 MB, for about the same CPU per change (docs/BENCHMARKS.md).

import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 30;

/** Applies to the whole process (a V8 setting read at each collection); the node calls it as it starts. */
export function limitHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
