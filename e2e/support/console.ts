// Helpers for driving the web console from outside: sign in through the form, call the API the way
// the browser does (session cookie + CSRF header), and save a screenshot of a screen as an artifact.
import { expect, type APIRequestContext, type Page, type TestInfo } from '@playwright/test';

export interface RpcAnswer {
  ok: boolean;
  value?: unknown;
  code?: string;
  message?: string;
  path?: (string | number)[];
}

/** POST /api/rpc/<name> with the context's cookies, as the console does. */
export async function rpc(request: APIRequestContext, name: string, input: unknown): Promise<RpcAnswer> {
  const res = await request.post(`/api/rpc/${name}`, { data: input, headers: { 'x-netgoat-csrf': '1' } });
  return (await res.json()) as RpcAnswer;
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
}

/** Opens a section from the navigation and waits for its heading. */
export async function openSection(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { name, level: 2 })).toBeVisible();
}

/** Picks an option of a Mantine Select by its label. */
export async function choose(page: Page, select: ReturnType<Page['getByLabel']>, option: string): Promise<void> {
  await select.click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

export async function shot(page: Page, info: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: info.outputPath('screens', `${name}.png`), fullPage: true });
}

/** The error message a form shows next to a field: the element its aria-describedby names as its error. */
export async function fieldError(field: ReturnType<Page['getByLabel']>): Promise<ReturnType<Page['locator']>> {
  await expect(field).toHaveAttribute('aria-describedby', /-error\b/);
  const ids = ((await field.getAttribute('aria-describedby')) ?? '').split(/\s+/);
  const errorId = ids.find((id) => id.endsWith('-error'))!;
  return field.page().locator(`[id="${errorId}"]`);
}

/** The instance owner the specs share; whichever spec runs first on a fresh node sets it up. */
export const OWNER = { email: 'owner@example.com', password: 'correct horse battery', name: 'Olivia Owner' };

/** Signs the owner in, first running the node's setup when no spec has done it yet (setup signs in too). */
export async function signInOwner(page: Page): Promise<void> {
  const status = await rpc(page.request, 'auth.status', {});
  if ((status.value as { setupRequired: boolean }).setupRequired) {
    const setup = await rpc(page.request, 'auth.setup', { email: OWNER.email, displayName: OWNER.name, password: OWNER.password, teamName: 'Platform' });
    expect(setup.ok, setup.message).toBe(true);
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  } else {
    await signIn(page, OWNER.email, OWNER.password);
  }
}
