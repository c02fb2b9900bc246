#!/usr/bin/env node
// `netgoat` on the command line: works straight from a checkout or an installed package, with no
// build step to run first (./node-cli.mjs makes and keeps its own).
import { loadNodeCli } from './node-cli.mjs';

const { runCli } = await loadNodeCli();
await runCli(process.argv.slice(2));
