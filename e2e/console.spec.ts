// The operator's whole first session against a real `netgoat serve`: first-run setup, sign-in, a domain
// with DNS records and a proxy config that survive a reload, a viewer who cannot edit (UI and API),
// another team that sees nothing, the audit trail, and a zone export that named-checkzone accepts.
import { expect, test, type Browser } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { choose, fieldError, openSection, rpc, shot, signIn } from './support/console';

const OWNER = { email: 'owner@example.com', password: 'correct horse battery', name: 'Olivia Owner' };
const VIEWER = { email: 'viewer@example.com', password: 'viewer password 1', name: 'Victor Viewer' };
const OUTSIDER = { email: 'other@example.com', password: 'outsider password 1', name: 'Otto Other' };
const HOST = 'shop.example.com';

async function newPage(browser: Browser) {
  const context = await browser.newContext();
  return { context, page: await context.newPage() };
}

test('an operator sets up the node, manages a domain, and access stays within roles and teams', async ({ page, browser }, info) => {
  test.setTimeout(180_000);

  await test.step('first-run setup refuses bad input next to the field, then creates the owner', async () => {
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Set up this node' })).toBeVisible();
    await expect(page.getByTestId('node-status')).toHaveText('Healthy');
    await shot(page, info, '01-setup');
    await page.getByLabel('Your name').fill(OWNER.name);
    await page.getByLabel('E-mail').fill(OWNER.email);
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByLabel('First team').fill('Platform');
    await page.getByRole('button', { name: 'Create owner and sign in' }).click();
    await expect(await fieldError(page.getByLabel('Password', { exact: true }))).toHaveText(/must be at least 10 characters/);
    await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
    await page.getByRole('button', { name: 'Create owner and sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
    await expect(page.getByTestId('live-state')).toHaveText('Live');
    await expect(page.getByTestId('tile-domains')).toContainText('Add your first domain');
    await shot(page, info, '02-overview');
  });

  await test.step('sign out and sign in again', async () => {
    await page.getByTestId('user-menu').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await page.getByLabel('E-mail').fill(OWNER.email);
    await page.getByLabel('Password', { exact: true }).fill('wrong password 123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toContainText('NG_UNAUTHENTICATED');
    await shot(page, info, '03-login-refused');
    await signIn(page, OWNER.email, OWNER.password);
  });

  await test.step('create a domain; a malformed hostname is refused next to its field', async () => {
    await openSection(page, 'Domains');
    await expect(page.getByTestId('empty-state')).toContainText('No domains yet');
    await page.getByRole('button', { name: 'Add domain' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Add a domain' });
    await dialog.getByLabel('Hostname').fill('not a host!');
    await dialog.getByRole('button', { name: 'Add domain' }).click();
    await expect(await fieldError(dialog.getByLabel('Hostname'))).toBeVisible();
    await shot(page, info, '04-domain-bad-hostname');
    await dialog.getByLabel('Hostname').fill(HOST);
    await dialog.getByRole('button', { name: 'Add domain' }).click();
    await expect(page.getByRole('heading', { name: HOST, level: 2 })).toBeVisible();
    await expect(page.getByTestId('tls-status').first()).toHaveText('TLS Pending');
  });

  await test.step('add DNS records; a bad address is refused next to the value field', async () => {
    await page.getByRole('tab', { name: 'DNS records' }).click();
    const valueLabel: Record<string, string> = { A: 'IPv4 address', AAAA: 'IPv6 address', CNAME: 'Target hostname', MX: 'Mail server', TXT: 'Text' };
    const addRecord = async (type: string, name: string, value: string, priority?: number) => {
      await page.getByRole('button', { name: 'Add record' }).first().click();
      const form = page.getByTestId('dns-form');
      await choose(page, form.getByLabel('Type'), type);
      await form.getByLabel('Name', { exact: true }).fill(name);
      await form.getByLabel(valueLabel[type]!, { exact: true }).fill(value);
      if (priority !== undefined) await form.getByLabel('Priority').fill(String(priority));
      await form.getByRole('button', { name: 'Add record' }).click();
      return form;
    };
    const bad = await addRecord('A', '@', '999.0.2.10');
    await expect(await fieldError(bad.getByLabel('IPv4 address'))).toHaveText(/IPv4/);
    await shot(page, info, '05-dns-bad-value');
    await bad.getByRole('button', { name: 'Cancel' }).click();
    await addRecord('A', '@', '192.0.2.10');
    await expect(page.getByTestId('dns-form')).toHaveCount(0);
    await addRecord('AAAA', '@', '2001:db8::10');
    await addRecord('CNAME', 'www', `${HOST}.`);
    await addRecord('MX', '@', 'mail.example.com.', 10);
    await addRecord('TXT', '@', 'v=spf1 -all');
    // The zone export names ns1.<domain> as its name server, which needs an address inside the zone.
    await addRecord('A', 'ns1', '192.0.2.53');
    await expect(page.getByTestId('dns-table').locator('tbody tr')).toHaveCount(6);
    await shot(page, info, '06-dns-records');
  });

  await test.step('write a proxy config: pool, route, WAF rule in log-only mode, rate limit, header', async () => {
    await page.getByRole('tab', { name: 'Proxy' }).click();
    await page.getByRole('button', { name: 'Add pool' }).click();
    const pool = page.getByTestId('pool-0');
    await pool.getByLabel('Host').fill('10.0.0.5');
    await pool.getByLabel('Weight').fill('3');
    await pool.getByLabel('Max fails').fill('2');
    await page.getByRole('button', { name: 'Add route' }).click();
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByLabel('Pattern').fill('203.0.113.0/24');
    await page.getByLabel('Limit requests').check();
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByPlaceholder('Strict-Transport-Security').fill('X-Frame-Options');
    await page.getByLabel('Value').fill('DENY');
    await page.getByRole('button', { name: 'Preview nginx config' }).click();
    const preview = page.getByRole('dialog', { name: 'nginx config for this draft' });
    await expect(preview).toContainText('10.0.0.5:8080');
    await shot(page, info, '07-proxy-draft-preview');
    await preview.getByRole('button').first().click();
    await expect(preview).toHaveCount(0);
    await page.getByRole('button', { name: 'Save proxy config' }).click();
    await expect(page.getByText('Saved. Agents serving this domain')).toBeVisible();
    await shot(page, info, '08-proxy');
    await page.getByRole('tab', { name: 'Preview' }).click();
    await expect(page.getByTestId('nginx-preview')).toContainText(HOST);
    await expect(page.getByTestId('nginx-preview')).toContainText('10.0.0.5:8080');
    await shot(page, info, '09-preview');
  });

  await test.step('a bad upstream host is refused next to its field', async () => {
    await page.getByRole('tab', { name: 'Proxy' }).click();
    const host = page.getByTestId('pool-0').getByLabel('Host');
    await host.fill('bad host;');
    await page.getByRole('button', { name: 'Save proxy config' }).click();
    await expect(await fieldError(host)).toBeVisible();
    await shot(page, info, '10-proxy-bad-host');
  });

  await test.step('after a reload everything is still there', async () => {
    await page.reload();
    await expect(page.getByRole('heading', { name: HOST, level: 2 })).toBeVisible();
    await expect(page.getByTestId('pool-0').getByLabel('Host')).toHaveValue('10.0.0.5');
    await expect(page.getByTestId('pool-0').getByLabel('Weight')).toHaveValue('3');
    await expect(page.getByLabel('Pattern')).toHaveValue('203.0.113.0/24');
    await page.getByRole('tab', { name: 'DNS records' }).click();
    await expect(page.getByTestId('dns-table').locator('tbody tr')).toHaveCount(6);
  });

  await test.step('the zone export downloads and named-checkzone accepts it', async () => {
    const downloading = page.waitForEvent('download', { timeout: 15_000 });
    await page.getByRole('button', { name: 'Export zone file' }).click();
    const download = await downloading;
    const file = info.outputPath(download.suggestedFilename());
    await download.saveAs(file);
    const checker = ['/usr/bin/named-checkzone', '/usr/sbin/named-checkzone'].find((p) => existsSync(p));
    expect(checker, 'named-checkzone (Debian bind9-utils) must be installed').toBeTruthy();
    const run = spawnSync(checker!, [HOST, file], { encoding: 'utf8' });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('OK');
  });

  await test.step('a change made elsewhere shows "This domain changed since you opened it"', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click();
    await expect(page.getByTestId('waf-switch')).not.toBeChecked();
    const teams = (await rpc(page.request, 'teams.list', {})).value as { teams: { id: string }[] };
    const domains = (await rpc(page.request, 'domains.list', { teamId: teams.teams[0]!.id })).value as { domains: { id: string; version: string }[] };
    const d = domains.domains[0]!;
    const changed = await rpc(page.request, 'domains.update', { teamId: teams.teams[0]!.id, domainId: d.id, expectedVersion: d.version, wafEnabled: true });
    expect(changed.ok).toBe(true);
    await expect(page.getByTestId('stale-banner')).toContainText('This domain changed since you opened it');
    await shot(page, info, '11-stale-edit');
    await page.getByTestId('stale-banner').getByRole('button', { name: 'Reload' }).click();
    await expect(page.getByTestId('stale-banner')).toHaveCount(0);
    await expect(page.getByTestId('waf-switch')).toBeChecked();
    await shot(page, info, '12-domain-settings');
  });

  await test.step('add a viewer to this team, and a second team with its own user', async () => {
    await openSection(page, 'Settings');
    const add = page.getByTestId('add-member');
    await add.getByLabel('E-mail').fill(VIEWER.email);
    await add.getByLabel('Name').fill(VIEWER.name);
    await add.getByLabel('Initial password').fill(VIEWER.password);
    await add.getByRole('button', { name: 'Create and add' }).click();
    await expect(page.getByTestId('members-table')).toContainText(VIEWER.email);
    await shot(page, info, '13-settings-members');

    await page.getByRole('tab', { name: 'API tokens' }).click();
    await page.getByLabel('Name').fill('ci-deploy');
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(page.getByTestId('token-secret')).toHaveText(/^ngt_/);
    await expect(page.getByTestId('new-token')).toContainText('only time it is shown');
    await shot(page, info, '14-settings-token-once');

    await page.getByRole('tab', { name: 'Teams' }).click();
    await page.getByLabel('Team name').fill('Payments');
    await page.getByRole('button', { name: 'Create team' }).click();
    await choose(page, page.getByTestId('team-switcher'), 'Payments (admin)');
    await page.getByRole('tab', { name: 'Members & roles' }).click();
    await add.getByLabel('E-mail').fill(OUTSIDER.email);
    await add.getByLabel('Name').fill(OUTSIDER.name);
    await add.getByLabel('Initial password').fill(OUTSIDER.password);
    await choose(page, add.getByLabel('Role'), 'Admin');
    await add.getByRole('button', { name: 'Create and add' }).click();
    await expect(page.getByTestId('members-table')).toContainText(OUTSIDER.email);
    await choose(page, page.getByTestId('team-switcher'), 'Platform (admin)');
  });

  await test.step('the audit log shows who changed what', async () => {
    await openSection(page, 'Audit');
    const audit = page.getByTestId('audit-table');
    await expect(audit).toContainText('domains');
    await expect(audit).toContainText('dns_records');
    await expect(audit).toContainText('proxy_configs');
    await expect(audit).toContainText(OWNER.email);
    await expect(audit).toContainText(HOST);
    await shot(page, info, '15-audit');
  });

  await test.step('the other screens say honestly what there is', async () => {
    await openSection(page, 'Peers');
    await expect(page.getByTestId('this-node')).toBeVisible();
    await expect(page.getByTestId('leader')).toBeVisible();
    await shot(page, info, '16-peers');
    await openSection(page, 'Agents');
    await expect(page.getByTestId('empty-state')).toContainText('No edges enrolled');
    await page.getByRole('button', { name: 'Add an edge' }).first().click();
    await expect(page.getByTestId('enroll-panel')).toContainText('netgoat-agent enroll --url');
    await shot(page, info, '17-agents');
    await openSection(page, 'Incidents');
    await expect(page.getByTestId('empty-state')).toContainText('No incidents');
    await shot(page, info, '18-incidents');
    await openSection(page, 'Domains');
    await expect(page.getByTestId('domains-table')).toContainText(HOST);
    await shot(page, info, '19-domains');
  });

  const platformId = ((await rpc(page.request, 'teams.list', {})).value as { teams: { id: string; name: string }[] }).teams.find((t) => t.name === 'Platform')!.id;

  await test.step('a viewer sees the domain but the UI offers no edits and the API refuses them', async () => {
    const { context, page: viewer } = await newPage(browser);
    await signIn(viewer, VIEWER.email, VIEWER.password);
    await openSection(viewer, 'Domains');
    await expect(viewer.getByRole('button', { name: 'Add domain' })).toHaveCount(0);
    await viewer.getByRole('link', { name: HOST }).click();
    await expect(viewer.getByTestId('read-only-note')).toBeVisible();
    await expect(viewer.getByTestId('waf-switch')).toBeDisabled();
    await viewer.getByRole('tab', { name: 'DNS records' }).click();
    await expect(viewer.getByTestId('dns-table')).toBeVisible();
    await expect(viewer.getByRole('button', { name: 'Add record' })).toHaveCount(0);
    await viewer.getByRole('tab', { name: 'Proxy' }).click();
    await expect(viewer.getByTestId('pool-0').getByLabel('Host')).toBeDisabled();
    await expect(viewer.getByRole('button', { name: 'Save proxy config' })).toHaveCount(0);
    await shot(viewer, info, '20-viewer-proxy');
    const refused = await rpc(viewer.request, 'domains.create', { teamId: platformId, hostname: 'sneaky.example.com' });
    expect(refused.ok).toBe(false);
    expect(refused.code).toBe('NG_FORBIDDEN');
    const domains = (await rpc(viewer.request, 'domains.list', { teamId: platformId })).value as { domains: { id: string }[] };
    const dnsRefused = await rpc(viewer.request, 'dns.upsert', { teamId: platformId, domainId: domains.domains[0]!.id, type: 'A', name: 'x', value: '192.0.2.1' });
    expect(dnsRefused.code).toBe('NG_FORBIDDEN');
    await context.close();
  });

  await test.step("another team's user sees nothing of this team", async () => {
    const { context, page: outsider } = await newPage(browser);
    await signIn(outsider, OUTSIDER.email, OUTSIDER.password);
    await openSection(outsider, 'Domains');
    await expect(outsider.getByTestId('empty-state')).toContainText('No domains yet');
    await expect(outsider.getByText(HOST)).toHaveCount(0);
    await openSection(outsider, 'Audit');
    await expect(outsider.getByText(HOST)).toHaveCount(0);
    await shot(outsider, info, '21-other-team');
    const peek = await rpc(outsider.request, 'domains.list', { teamId: platformId });
    expect(peek.ok).toBe(false);
    expect(peek.code).toBe('NG_FORBIDDEN');
    await context.close();
  });
});
