#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072 MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=1 --single-threaded --jitless --expose-gc --compact-on-every-full-gc
// `netgoat-agent` on the command line. The agent runs in this very process from a one-file build of
// src/agent/cli.ts (./one-file-build.mjs): no TypeScript loader thread and no second Node process
// stay resident on an edge host. The shebang keeps an idle agent small: a 1 MB young generation, V8
// without helper threads (an agent's heap is small; rendering 1000 domains is no slower), V8
// without machine code of its own (--jitless: no optimizing or baseline compiler, whose code stays
// resident after an apply, 1.2 MB at 1000 domains, and regular expressions interpreted rather than
// compiled into code pages; an agent renders too rarely for compiled code to pay, and it uses no
// WebAssembly), gc exposed and every full collection compacting
// (the agent collects once after each apply, src/agent/idle-heap.ts), two malloc arenas, and
// glibc giving freed memory above 128 kB back to the OS (the agent keeps these two thresholds out
// of nginx's environment, src/agent/nginx/processes.ts). Run as `node bin/netgoat-agent.mjs` it
// works the same, with Node's defaults.
import { importBuilt } from './one-file-build.mjs';

const { main } = await importBuilt({
  name: 'netgoat-agent', entry: 'src/agent/cli.ts', sources: ['src/agent', 'src/core', 'src/shared', 'package.json'], launcher: import.meta.url,
  // ws comes inside the build (its optional native add-ons stay out): an agent loads one file.
  options: { external: ['bufferutil', 'utf-8-validate'] },
});
main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
