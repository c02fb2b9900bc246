// `npm start`: runs the desktop app through electron-vite when the Electron runtime is installed;
// otherwise says so, points at the headless node, and exits 1.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** The Electron executable, or undefined when the optional package or its downloaded binary is missing. */
function electronBinary() {
  try {
    // Under Node, the electron package exports the path of the binary it downloaded (and throws if it did not).
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

if (!electronBinary()) {
  console.error('netgoat: The Electron runtime is not installed on this machine (its download was unreachable).');
  console.error('netgoat: Run the headless node instead: npm run serve');
  process.exit(1);
}
if (!existsSync(join(root, 'node_modules', '.netgoat', 'electron', 'better_sqlite3.node'))) {
  console.warn('netgoat: warning: no better-sqlite3 build for Electron was found; run `node scripts/electron-sqlite.mjs` if the app cannot open its database.');
}

const electronVite = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
const child = spawn(process.execPath, [electronVite, 'dev', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
