// Runs a bench process's TypeScript entry (the first argument, relative to the package root) from a
// one-file build, the way bin/netgoat.mjs runs a node: the process measured carries no TypeScript
// loader (tsx's loader thread alone is ~28 MB of a node's resident set).
import { basename } from 'node:path';
import process from 'node:process';
import { importBuilt } from '../../bin/one-file-build.mjs';

const entry = process.argv[2];
if (!entry) throw new Error('usage: node bench/support/built-process.mjs ENTRY.ts');
await importBuilt({
  name: `bench-${basename(entry, '.ts')}`, entry, sources: ['src/main', 'src/core', 'src/shared', 'src/agent', 'bench/support', 'package.json'], launcher: import.meta.url,
  options: { packages: 'external' },
});
