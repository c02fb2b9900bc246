// The Peers screen against a real `netgoat serve`: the owner makes this node a cluster from the
// screen, the join code is shown once (gone after a reload), a bad join address is refused next to
// its field, and the lone member elects itself leader, as the screen and `peers.status` both say.
import { expect, test } from '@playwright/test';
import { openSection, rpc, signInOwner } from './support/console';


interface PeersStatus {
  self: { nodeId: string; name: string; inCluster: boolean };
  leader: { nodeId: string; term: number } | null;
}

test('the owner creates a cluster on the Peers screen; the join code is shown once and the node leads', async ({ page }, info) => {
  test.setTimeout(90_000);

  await test.step('sign in as the owner (setting the node up when this spec runs alone)', async () => {
    await signInOwner(page);
  });

  const before = (await rpc(page.request, 'peers.status', {})).value as PeersStatus;
  expect(before.self.inCluster, 'this spec needs a node that is not in a cluster yet').toBe(false);

  await test.step('a node on its own shows itself, no leader, and the create / join forms', async () => {
    await openSection(page, 'Peers');
    await expect(page.getByTestId('self-node-id')).toHaveText(before.self.nodeId);
    await expect(page.getByTestId('no-leader')).toContainText('No leader elected yet');
    await expect(page.getByTestId('discovered')).toContainText('No nodes found on this network');
    await expect(page.getByText('does not report discovered peers')).toHaveCount(0);
  });

  await test.step('a malformed join address is refused next to its field', async () => {
    const join = page.getByTestId('join-cluster');
    await join.getByLabel('Member address').fill('http://not-a-peer');
    await join.getByLabel('Join code').fill('0123456789abcdef');
    await join.getByRole('button', { name: 'Join cluster' }).click();
    await expect(join.getByText('must look like wss://host:port')).toBeVisible();
    expect(((await rpc(page.request, 'peers.status', {})).value as PeersStatus).self.inCluster).toBe(false);
  });

  let joinCode = '';
  await test.step('create the cluster: the join code is shown once with a warning and a copy button', async () => {
    await page.getByRole('button', { name: 'Create cluster' }).click();
    const once = page.getByTestId('join-code-once');
    await expect(once).toContainText('it will not be shown again');
    await expect(once.getByRole('button', { name: 'Copy' })).toBeVisible();
    joinCode = (await page.getByTestId('join-code').textContent()) ?? '';
    expect(joinCode.length).toBeGreaterThanOrEqual(10);
    await expect(page.getByTestId('create-cluster')).toHaveCount(0);
    await expect(page.getByTestId('join-cluster')).toHaveCount(0);
  });

  await test.step('the lone member elects itself: leader card, members table and the API agree', async () => {
    await expect(page.getByTestId('leader-node-id')).toHaveText(before.self.nodeId, { timeout: 15_000 });
    await expect(page.getByTestId('leader')).toContainText('since');
    await expect(page.getByTestId('leader-name')).toContainText(before.self.name);
    const members = page.getByTestId('members-table');
    await expect(members).toContainText(before.self.nodeId);
    await expect(members).toContainText('this node');
    // Never a Remove button for this node itself.
    await expect(members.getByRole('button', { name: 'Remove' })).toHaveCount(0);
    await expect(page.getByTestId('add-by-address')).toBeVisible();
    const after = (await rpc(page.request, 'peers.status', {})).value as PeersStatus;
    expect(after.self.inCluster).toBe(true);
    expect(after.leader?.nodeId).toBe(before.self.nodeId);
  });

  await test.step('add by address refuses a malformed address next to its field', async () => {
    const form = page.getByTestId('add-by-address');
    await form.getByLabel('Add by address').fill('ftp://nowhere');
    await form.getByRole('button', { name: 'Connect' }).click();
    await expect(form.getByText('must look like wss://host:port')).toBeVisible();
  });

  await test.step('after a reload the join code is gone for good', async () => {
    await page.screenshot({ path: info.outputPath('peers-created.png'), fullPage: true });
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Peers', level: 2 })).toBeVisible();
    await expect(page.getByTestId('leader-node-id')).toHaveText(before.self.nodeId);
    await expect(page.getByTestId('join-code-once')).toHaveCount(0);
    await expect(page.locator('body')).not.toContainText(joinCode);
    await page.screenshot({ path: info.outputPath('peers.png'), fullPage: true });
  });
});
