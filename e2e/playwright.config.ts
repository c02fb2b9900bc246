// Playwright drives Debian's chromium (never a downloaded browser) against a real `netgoat serve`
// started on the port and temp data dir that scripts/e2e.mjs chose. Artifacts go to test-results/e2e.
import { defineConfig } from '@playwright/test';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const port = Number(process.env['NETGOAT_E2E_PORT'] ?? 7399);
const dataDir = process.env['NETGOAT_E2E_DATA_DIR'] ?? join(tmpdir(), 'netgoat-e2e');
const baseURL = `http://127.0.0.1:${port}/`;

export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: join(root, 'test-results', 'e2e'),
  reporter: [['list'], ['json', { outputFile: join(root, 'test-results', 'e2e-report.json') }]],
  workers: 1,
  retries: 0,
  timeout: 30_000,
  forbidOnly: !!process.env['CI'],
  use: {
    baseURL,
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    screenshot: 'on',
    trace: 'retain-on-failure',
  },
  webServer: {
    // No mDNS on the host's own interfaces, and an ephemeral peer port so parallel runs never collide.
    command: `node scripts/serve.mjs --data-dir ${JSON.stringify(dataDir)} --port ${port} --peer-port 0 --no-discovery`,
    cwd: root,
    url: `${baseURL}healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5000 },
  },
});
