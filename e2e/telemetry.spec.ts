// Traffic, incidents and notifications in the console against a real `netgoat serve`: a webhook
// channel pointed at a receiver this spec runs on 127.0.0.1, "Send test" verified by the receiver
// (signature per docs/webhooks.md) and shown in the delivery log; the Incidents, Traffic and
// Notifications screens are saved as screenshots (empty states where no agent reports yet).
import { expect, test } from '@playwright/test';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { choose, fieldError, rpc, shot, signInOwner } from './support/console';

const HOST = 'traffic.example.com';

interface Received { path: string; body: string; headers: IncomingHttpHeaders }

/** The receiver's check, written from docs/webhooks.md rather than from Netgoat's code. */
function signatureValid(secret: string, r: Received): boolean {
  const ts = String(r.headers['x-netgoat-timestamp']);
  const want = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex')}`);
  const got = Buffer.from(String(r.headers['x-netgoat-signature']));
  return want.length === got.length && timingSafeEqual(want, got) && Math.abs(Date.now() / 1000 - Number(ts)) <= 300;
}

test('webhook "Send test" reaches a local receiver; incidents, traffic and notifications screens', async ({ page }, info) => {
  test.setTimeout(120_000);
  const received: Received[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/netgoat`;

  try {
    await test.step('sign in as the owner (setting the node up when this spec runs alone)', async () => {
      await signInOwner(page);
      // Webhook secrets are sealed under the cluster key: a node on its own first makes itself a cluster.
      const peers = await rpc(page.request, 'peers.status', {});
      if (!(peers.value as { self: { inCluster: boolean } }).self.inCluster) expect((await rpc(page.request, 'cluster.create', {})).ok).toBe(true);
    });

    await test.step('Overview counts open incidents; the Incidents screen filters by status and kind', async () => {
      await expect(page.getByTestId('tile-incidents')).toContainText('open');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents', exact: true }).click();
      await expect(page.getByRole('heading', { name: 'Incidents', level: 2 })).toBeVisible();
      await page.getByText('Open', { exact: true }).click();
      await expect(page.getByRole('radio', { name: 'Open' })).toBeChecked();
      await choose(page, page.getByRole('combobox', { name: 'Kind' }), 'Upstream returns 502s');
      await expect(page.getByTestId('empty-state')).toContainText('No incidents match these filters');
      await shot(page, info, 'incidents');
    });

    await test.step('a domain without reporting agents shows an honest empty Traffic tab', async () => {
      const teams = await rpc(page.request, 'teams.list', {});
      const teamId = (teams.value as { teams: { id: string }[] }).teams[0]!.id;
      const listed = await rpc(page.request, 'domains.list', { teamId, search: HOST });
      let domain = (listed.value as { domains: { id: string; hostname: string }[] }).domains.find((d) => d.hostname === HOST);
      if (!domain) {
        const made = await rpc(page.request, 'domains.create', { teamId, hostname: HOST });
        expect(made.ok, made.message).toBe(true);
        domain = (made.value as { domain: { id: string; hostname: string } }).domain;
      }
      await page.goto(`/domains/${domain.id}/traffic`);
      await expect(page.getByRole('tab', { name: 'Traffic' })).toHaveAttribute('aria-selected', 'true');
      await expect(page.getByTestId('empty-state')).toContainText('No traffic reported yet');
      await expect(page.getByTestId('empty-state')).toContainText('ships its first minute');
      await shot(page, info, 'traffic');
    });

    await test.step('a bad webhook URL is refused next to its field', async () => {
      await page.goto('/settings/notifications');
      await expect(page.getByRole('heading', { name: 'Add a webhook' })).toBeVisible();
      await page.getByLabel('Name').fill('Local receiver');
      await page.getByLabel('URL').fill('ftp://127.0.0.1/netgoat');
      await page.getByRole('button', { name: 'Add webhook' }).click();
      await expect(await fieldError(page.getByLabel('URL'))).toHaveText(/must start with http:\/\/ or https:\/\//);
    });

    let secret = '';
    await test.step('create the webhook; its secret is shown once', async () => {
      await page.getByLabel('URL').fill(hookUrl);
      await page.getByRole('button', { name: 'Add webhook' }).click();
      await expect(page.getByTestId('new-secret')).toBeVisible();
      secret = (await page.getByTestId('channel-secret').textContent()) ?? '';
      expect(secret).toMatch(/^ngwh_/);
      await page.getByRole('button', { name: 'I have copied it' }).click();
      await expect(page.getByTestId('channel-secret')).toHaveCount(0);
      await expect(page.getByTestId('channels-table')).toContainText(hookUrl);
    });

    await test.step('"Send test" arrives signed and shows as delivered in the log', async () => {
      const row = page.getByTestId('channels-table').getByRole('row').filter({ hasText: hookUrl }).last();
      await row.getByRole('button', { name: 'Send test' }).click();
      await expect(row).toContainText('Delivered (HTTP 204)');
      await expect(page.getByTestId('delivery-log')).toContainText('test');
      await expect(page.getByTestId('delivery-log')).toContainText('Delivered · 204');
      const tests = received.filter((r) => r.headers['x-netgoat-event'] === 'test');
      expect(tests).toHaveLength(1);
      expect(signatureValid(secret, tests[0]!)).toBe(true);
      expect(JSON.parse(tests[0]!.body)).toMatchObject({ version: 1, event: 'test', incident: null });
      await shot(page, info, 'notifications');
    });

    await test.step('alert rules show each kind with its thresholds and cooldown', async () => {
      await page.getByRole('tab', { name: 'Alert rules' }).click();
      await expect(page.getByTestId('rule-upstream_502_streak')).toBeVisible();
      await expect(page.getByTestId('rule-upstream_502_streak').getByLabel('Cooldown (seconds)')).toHaveValue(/\d+/);
      await shot(page, info, 'alert-rules');
    });
  } finally {
    await new Promise<void>((r) => receiver.close(() => r()));
  }
});
