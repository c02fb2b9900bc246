#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072 MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=1 --single-threaded --jitless --expose-gc --compact-on-every-full-gc
// `netgoat-agent` on the command line. The agent runs in this very process from a one-file build of
// src/agent/cli.ts (esbuild, the bundler tsx already depends on), made on first run and again
// whenever the sources are newer: no TypeScript loader thread and no second Node process stay
// resident on an edge host. The shebang keeps an idle agent small: a 1 MB young generation, V8
// without helper threads (an agent's heap is small; rendering 1000 domains is no slower), V8
// without machine code of its own (--jitless: no optimizing or baseline compiler, whose code stays
// resident after an apply, 1.2 MB at 1000 domains, and regular expressions interpreted rather than
// compiled into code pages; an agent renders too rarely for compiled code to pay, and it uses no
// WebAssembly), gc exposed and every full collection compacting
// (the agent collects once after each apply, src/agent/idle-heap.ts), two malloc arenas, and
// glibc giving freed memory above 128 kB back to the OS (the agent keeps these two thresholds out
// of nginx's environment, src/agent/nginx/processes.ts). Run as `node bin/netgoat-agent.mjs` it
// works the same, with Node's defaults.
// Where the build cannot be written (a read-only install), the sources run through tsx instead.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'agent', 'cli.ts');
// Inside the package, so the bundle's external packages (ws's optional ones) resolve from its node_modules.
const bundle = join(root, 'node_modules', '.cache', 'netgoat-agent', 'netgoat-agent.mjs');
// The launcher too: the build options below are part of what the bundle is.
const sources = [...['src/agent', 'src/core', 'src/shared', 'package.json'].map((p) => join(root, p)), fileURLToPath(import.meta.url)];

/** Newest modification time under a file or folder, in ms. */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), info.mtimeMs);
}

const bundleIsStale = () => !existsSync(bundle) || sources.some((s) => newestMtime(s) > statSync(bundle).mtimeMs);

/** Builds the bundle next to its final name and renames it, so agents starting at once never load half a file. */
async function buildBundle() {
  const esbuild = await import(pathToFileURL(createRequire(fileURLToPath(import.meta.resolve('tsx'))).resolve('esbuild')).href);
  mkdirSync(dirname(bundle), { recursive: true });
  const staged = `${bundle}.${process.pid}.tmp`;
  await esbuild.build({
    entryPoints: [entry], outfile: staged, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error',
    // Whitespace and syntax only: V8 keeps the source of every loaded script in memory, names stay for stack traces.
    minifyWhitespace: true, minifySyntax: true,
    external: ['bufferutil', 'utf-8-validate'],
    banner: { js: "import { createRequire as __ngRequire } from 'node:module'; const require = __ngRequire(import.meta.url);" },
  });
  await esbuild.stop?.();
  renameSync(staged, bundle);
}

async function loadCli() {
  try {
    if (bundleIsStale()) await buildBundle();
    return await import(pathToFileURL(bundle).href);
  } catch (err) {
    console.error(`netgoat-agent: running the sources through tsx (no build: ${err.message})`);
    const { register } = await import('tsx/esm/api');
    register();
    return import(pathToFileURL(entry).href);
  }
}

const { main } = await loadCli();
main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
