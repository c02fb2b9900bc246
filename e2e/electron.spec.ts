// The desktop app starts its node and shows the same console, where the Electron runtime exists.
import { _electron, expect, test } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** The Electron executable; the optional package exports its path under Node and throws when its download failed. */
function electronBinary(): string | undefined {
  try {
    const path = createRequire(join(root, 'package.json'))('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const executablePath = electronBinary();

test('the desktop window shows the id of the node running inside Electron', async () => {
  test.skip(!executablePath, 'Electron runtime not installed here');
  expect(existsSync(join(root, 'out', 'main', 'index.js')), 'scripts/e2e.mjs builds the desktop app first').toBe(true);
  const userData = mkdtempSync(join(tmpdir(), 'netgoat-electron-'));
  const app = await _electron.launch({
    executablePath: executablePath!,
    args: [root, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
    cwd: root,
    env: { ...process.env, NETGOAT_DATA_DIR: userData, ELECTRON_RENDERER_URL: '' },
  });
  try {
    const window = await app.firstWindow();
    await expect(window.getByRole('heading', { name: 'Netgoat' })).toBeVisible();
    await expect(window.getByTestId('node-id')).toHaveText(/^n[0-9a-f]+$/);
    await window.screenshot({ path: test.info().outputPath('desktop.png') });
  } finally {
    await app.close();
    rmSync(userData, { recursive: true, force: true });
  }
});
