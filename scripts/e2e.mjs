// The browser-level tests: Playwright with Debian's chromium against a real `netgoat serve` on a
// free loopback port and a throwaway data dir. Without /usr/bin/chromium this fails under CI and
// is skipped with a warning elsewhere. The Electron spec runs only where the Electron runtime is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHROMIUM = '/usr/bin/chromium';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

if (!existsSync(CHROMIUM)) {
  const message = `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests`;
  if (process.env.CI && process.env.CI !== 'false') {
    console.error(`e2e: FAILED: ${message}.`);
    process.exit(1);
  }
  console.warn(`e2e: warning: skipped: ${message}.`);
  process.exit(0);
}

const freePort = () =>
  new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });

function electronInstalled() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path);
  } catch {
    return false;
  }
}

const node = (script, args) => spawnSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit', env: process.env });

if (electronInstalled()) {
  const electronVite = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
  const build = node(electronVite, ['build']);
  if (build.status !== 0) {
    console.error('e2e: the desktop build (electron-vite build) failed; see above.');
    process.exit(1);
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'netgoat-e2e-'));
process.env.NETGOAT_E2E_PORT = String(await freePort());
process.env.NETGOAT_E2E_DATA_DIR = dataDir;
const playwright = join(dirname(require.resolve('@playwright/test/package.json')), 'cli.js');
rmSync(join(root, 'test-results', 'e2e-report.json'), { force: true });
const run = node(playwright, ['test', '--config', 'e2e/playwright.config.ts', ...process.argv.slice(2)]);
rmSync(dataDir, { recursive: true, force: true });

// One plain closing line, whatever Playwright's own reporter printed.
const reportFile = join(root, 'test-results', 'e2e-report.json');
if (existsSync(reportFile)) {
  const { stats } = JSON.parse(readFileSync(reportFile, 'utf8'));
  console.log(`e2e: ${stats.expected + stats.flaky} passed, ${stats.unexpected} failed, ${stats.skipped} skipped`);
}
process.exit(run.status ?? 1);
