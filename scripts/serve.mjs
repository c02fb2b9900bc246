// `npm run serve -- [flags]`: builds the web console when its output is missing or older than its
// sources, then runs `netgoat serve` with the flags in this same process (so signals reach it).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const builtShell = join(root, 'out', 'web', 'index.html');
const sources = ['src/renderer', 'src/shared', 'vite.web.config.ts', 'package.json'].map((p) => join(root, p));

/** Newest modification time under a file or folder, in ms. */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), info.mtimeMs);
}

function webConsoleIsStale() {
  if (!existsSync(builtShell)) return true;
  const built = statSync(builtShell).mtimeMs;
  return sources.some((s) => newestMtime(s) > built);
}

if (webConsoleIsStale()) {
  console.error('netgoat: building the web console (vite build --config vite.web.config.ts) ...');
  const viteCli = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  const build = spawnSync(process.execPath, [viteCli, 'build', '--config', 'vite.web.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('netgoat: the web console failed to build (see above); the node needs it to serve the console.');
    process.exit(build.status ?? 1);
  }
}

const { loadNodeCli } = await import('../bin/node-cli.mjs');
const { runCli } = await loadNodeCli();
await runCli(['serve', ...process.argv.slice(2)]);
