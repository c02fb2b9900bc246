// The web console served by `netgoat serve` loads in a real browser and shows the node it is attached to.
import { expect, test } from '@playwright/test';

test('the console shows the product name and the id of the node that serves it', async ({ page, request }) => {
  const health = await request.get('/healthz');
  expect(health.ok()).toBe(true);
  const info = (await health.json()) as { status: string; nodeId: string; version: string };
  expect(info.status).toBe('ok');

  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Netgoat' })).toBeVisible();
  await expect(page.getByTestId('node-id')).toHaveText(info.nodeId);
  await expect(page.getByTestId('node-status')).toHaveText('Healthy');
  await expect(page.getByTestId('node-version')).toHaveText(info.version);
  await page.screenshot({ path: test.info().outputPath('console.png'), fullPage: true });
});

test('a client-side route gets the console shell, a missing asset gets 404', async ({ page, request }) => {
  await page.goto('/domains/example');
  await expect(page.getByRole('heading', { name: 'Netgoat' })).toBeVisible();
  const missing = await request.get('/assets/does-not-exist.js');
  expect(missing.status()).toBe(404);
});
