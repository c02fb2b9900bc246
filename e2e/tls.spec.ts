// Uploading a domain's certificate in the console against a real `netgoat serve`: a key that does not
// match the certificate is refused with its coded reason; the matching pair turns TLS Active with the
// certificate's expiry, the key field is emptied, and no answer of the API ever contains the key.
import { expect, test } from '@playwright/test';
import { selfSignedCertificate } from '../test/support/certificates';
import { rpc, shot, signInOwner } from './support/console';

const HOST = 'secure.example.com';

test('an admin uploads a certificate; a mismatched key is refused and the key is never shown again', async ({ page }, info) => {
  test.setTimeout(90_000);
  const good = selfSignedCertificate(HOST);
  const other = selfSignedCertificate(HOST);
  const keyBody = good.keyPem.split('\n')[1]!;

  await test.step('sign in; a node on its own makes itself a cluster (keys are sealed under the cluster key)', async () => {
    await signInOwner(page);
    const peers = await rpc(page.request, 'peers.status', {});
    if (!(peers.value as { self: { inCluster: boolean } }).self.inCluster) expect((await rpc(page.request, 'cluster.create', {})).ok).toBe(true);
  });

  let teamId = '';
  let domainId = '';
  await test.step('open the domain\'s settings: TLS is Pending', async () => {
    teamId = ((await rpc(page.request, 'teams.list', {})).value as { teams: { id: string }[] }).teams[0]!.id;
    const made = await rpc(page.request, 'domains.create', { teamId, hostname: HOST });
    expect(made.ok, made.message).toBe(true);
    domainId = (made.value as { domain: { id: string } }).domain.id;
    await page.goto(`/domains/${domainId}/settings`);
    await expect(page.getByTestId('tls-card')).toContainText('Pending');
  });

  await test.step('a key that belongs to another certificate is refused with its reason', async () => {
    await page.getByLabel('Certificate chain (PEM)').fill(good.chainPem);
    await page.getByLabel('Private key (PEM)').fill(other.keyPem);
    await page.getByRole('button', { name: 'Upload certificate' }).click();
    await expect(page.getByTestId('tls-card')).toContainText(/key|match/i);
    await expect(page.getByTestId('tls-card')).toContainText('Pending');
    await shot(page, info, 'tls-mismatch');
  });

  await test.step('the matching pair turns TLS Active with the certificate\'s expiry; the key field is emptied', async () => {
    await page.getByLabel('Private key (PEM)').fill(good.keyPem);
    await page.getByRole('button', { name: 'Upload certificate' }).click();
    await expect(page.getByTestId('tls-card')).toContainText('Active');
    await expect(page.getByTestId('tls-card')).toContainText('is valid until');
    await expect(page.getByLabel('Private key (PEM)')).toHaveValue('');
    await shot(page, info, 'tls-active');
  });

  await test.step('no API answer about the domain or its certificate contains the key', async () => {
    const listed = await rpc(page.request, 'certificates.list', { teamId });
    expect(listed.ok).toBe(true);
    const certs = (listed.value as { certificates: { domainIds: string[] }[] }).certificates;
    expect(certs.some((c) => c.domainIds.includes(domainId))).toBe(true);
    const domain = await rpc(page.request, 'domains.get', { teamId, domainId });
    const audit = await rpc(page.request, 'audit.list', { teamId, limit: 50 });
    for (const answer of [listed, domain, audit]) expect(JSON.stringify(answer)).not.toContain(keyBody);
  });
});
