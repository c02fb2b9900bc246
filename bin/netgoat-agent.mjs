#!/usr/bin/env node
// `netgoat-agent` on the command line: runs src/agent/cli.ts through tsx (a dependency) in a child
// Node started with a small young generation (--max-semi-space-size=1), which keeps an idle
// agent's resident memory low. Signals go to the child; its exit code (or signal) is ours.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/agent/cli.ts', import.meta.url));
const child = spawn(process.execPath, ['--max-semi-space-size=1', '--import', import.meta.resolve('tsx'), cli, ...process.argv.slice(2)], { stdio: 'inherit' });

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}

child.on('error', (err) => {
  console.error(`netgoat-agent: cannot start ${process.execPath}: ${err.message}`);
  process.exit(1);
});

child.on('exit', (code, signal) => {
  if (signal) {
    // Die of the same signal, so a supervisor sees what happened to the agent.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
