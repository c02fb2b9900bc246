#!/usr/bin/env node
// `netgoat` on the command line: runs the TypeScript sources through tsx (a dependency), so the
// command works straight from a checkout or an installed package with no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/main/cli.ts');
await runCli(process.argv.slice(2));
