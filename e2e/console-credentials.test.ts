import { randomBytes } from 'node:crypto';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { curlBasic, rfc6749Basic } from '../test/helpers/test-app.js';
import {
  cookieHeaderOf,
  createAccountWithAdmin,
  createDefaultAccountAdmin,
  listCustomers,
  signIn,
} from './helpers/console-browser.js';
import { useChromium, useConsoleServer } from './helpers/per-file-setup.js';

const CONNECTION_API = '/console/account/integration/connection-api';
const GENERATED_SECRET = /^ssbs_[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EMPTY_PAGE = { customers: [], nextCursor: null };
const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/;

const server = useConsoleServer();
const chromium = useChromium();

async function openConsole(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.newContext(server.baseUrl);
  return { context, page: await context.newPage() };
}

/** The credential shown once after Done or after a secret edit: Client ID and Client Secret as displayed. */
async function readShownOnce(page: Page): Promise<{ clientId: string; clientSecret: string }> {
  await expect(page.getByRole('status').textContent()).resolves.toContain('Copy the Client Secret now. It will not be shown again.');
  const clientId = (await page.getByLabel('Client ID', { exact: true }).textContent())?.trim() ?? '';
  const clientSecret = (await page.getByLabel('Client Secret', { exact: true }).textContent())?.trim() ?? '';
  return { clientId, clientSecret };
}

async function clipboardText(page: Page): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Clicks a Copy button and waits for the page to confirm it, then returns what the clipboard holds. */
async function copyWith(page: Page, buttonName: string): Promise<string> {
  const button = page.getByRole('button', { name: buttonName, exact: true });
  await button.click();
  await page.waitForFunction((name) => document.querySelector(`[aria-label="${name}"]`)?.textContent === 'Copied', buttonName);
  return clipboardText(page);
}

/** Add Secret → Short Description → Next → optional Client Secret → Done. */
async function addSecret(page: Page, description: string, clientSecret?: string): Promise<void> {
  await page.getByRole('button', { name: 'Add Secret' }).click();
  await page.getByText('Step 1 of 2').waitFor();
  await page.getByLabel('Short Description').fill(description);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText('Step 2 of 2').waitFor();
  if (clientSecret !== undefined) await page.getByLabel('Client Secret').fill(clientSecret);
  await page.getByRole('button', { name: 'Done' }).click();
  await page.waitForLoadState('domcontentloaded');
}

async function backToList(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Back to Connection API Credentials' }).click();
  await page.waitForURL(`**${CONNECTION_API}`);
}

/** One credential in the list: the list item whose summary shows this description (or Client ID). */
function credentialItem(page: Page, description: string): Locator {
  return page.getByRole('listitem').filter({ has: page.locator('summary', { hasText: description }) });
}

/** Expands a credential's <details> by clicking its summary (unless it is already open), as a person would. */
async function expand(page: Page, descriptionOrClientId: string): Promise<Locator> {
  const item = credentialItem(page, descriptionOrClientId);
  const isOpen = () => item.locator('details').evaluate((d) => (d as HTMLDetailsElement).open);
  if (!(await isOpen())) await item.locator('summary').click();
  await expect(isOpen()).resolves.toBe(true);
  return item;
}

/** The <dd> that follows a <dt> label in a credential's facts. */
function fact(item: Locator, label: string): Locator {
  return item.locator(`dt:text-is("${label}") + dd`);
}

async function listedDescriptions(page: Page): Promise<string[]> {
  return (await page.locator('ul.credentials summary .description').allTextContents()).map((s) => s.trim());
}

describe('Connection API Credentials console in Chromium', () => {
  it('lets an admin add, use, rotate, limit and delete credentials, and records it all without secrets', async () => {
    const { app, baseUrl } = server;
    const login = await createDefaultAccountAdmin(app, 'alice@example.com');
    const { page } = await openConsole();

    // 1. Sign in: lands on Account › Integration › Connection API Credentials.
    await signIn(page, login);
    await expect(page.getByRole('link', { name: 'Connection API Credentials' }).getAttribute('aria-current')).resolves.toBe('page');
    await page.getByText('No Connection API credentials yet.').waitFor();

    // 2. A credential with a generated secret.
    await addSecret(page, 'Backend A');
    const a = await readShownOnce(page);
    expect(a.clientId).toMatch(UUID);
    expect(a.clientSecret).toMatch(GENERATED_SECRET);
    expect(await copyWith(page, 'Copy Client Secret')).toBe(a.clientSecret);
    expect(await copyWith(page, 'Copy Client ID')).toBe(a.clientId);
    await backToList(page);

    // 3. A credential with a custom secret holding characters that Basic auth clients treat differently.
    const customSecret = 'Pa%ss+wo:rd-ünïcode-2026';
    await addSecret(page, 'Backend B', customSecret);
    const b = await readShownOnce(page);
    expect(b.clientId).toMatch(UUID);
    expect(b.clientSecret).toBe(customSecret);
    expect(await copyWith(page, 'Copy Client Secret')).toBe(customSecret);
    await backToList(page);

    // 4. A too-short custom secret: a clear error naming the rule, and nothing is created.
    await addSecret(page, 'Too short', 'short-secret');
    const secretError = page.getByRole('alert').filter({ hasText: 'characters' });
    await expect(secretError.textContent()).resolves.toMatch(/at least 16 characters/);
    await page.getByText('Step 2 of 2').waitFor();
    await expect(secretError.getAttribute('id')).resolves.toBe('clientSecret-error');
    await expect(page.getByLabel('Client Secret').getAttribute('aria-describedby')).resolves.toContain('clientSecret-error');
    expect(await page.content()).not.toContain('short-secret');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL(`**${CONNECTION_API}`);
    expect(await app.services.credentials.listConnectionApiCredentials(login.accountId)).toHaveLength(2);

    // 5. The list shows both, with hints and times, and never the secrets.
    expect(await listedDescriptions(page)).toEqual(['Backend A', 'Backend B']);
    let html = await page.content();
    expect(html).not.toContain(a.clientSecret);
    expect(html).not.toContain(customSecret);
    const itemA = await expand(page, 'Backend A');
    await expect(fact(itemA, 'Client ID').textContent()).resolves.toBe(a.clientId);
    await expect(fact(itemA, 'Client Secret').textContent()).resolves.toContain(`ssbs_…${a.clientSecret.slice(-4)}`);
    await expect(fact(itemA, 'Created').textContent()).resolves.toMatch(TIME);
    await expect(fact(itemA, 'Updated').textContent()).resolves.toMatch(TIME);
    await expect(fact(itemA, 'Last used').textContent()).resolves.toBe('never');
    const itemB = await expand(page, 'Backend B');
    // A typed secret may be short or guessable, so its hint reveals none of its characters.
    await expect(fact(itemB, 'Client Secret').textContent()).resolves.toContain('custom secret');

    // 6. The API accepts both, from curl and from an RFC 6749 client.
    for (const [clientId, secret] of [[a.clientId, a.clientSecret], [b.clientId, customSecret]] as const) {
      const res = await listCustomers(baseUrl, curlBasic(clientId, secret));
      expect(res, `curl-style Basic for ${clientId}`).toMatchObject({ status: 200, body: EMPTY_PAGE });
    }
    expect(await listCustomers(baseUrl, rfc6749Basic(b.clientId, customSecret))).toMatchObject({ status: 200, body: EMPTY_PAGE });
    // Last-used times are batched every few seconds; write them now instead of waiting.
    await app.services.clientAuthenticator.flushLastUsed();
    await page.reload();
    await expect(fact(await expand(page, 'Backend A'), 'Last used').textContent()).resolves.toMatch(TIME);

    // 7. Edit: the Client ID is read-only; a new description and a generated secret, shown once.
    const editA = await expand(page, 'Backend A');
    await editA.getByRole('button', { name: 'Edit' }).click();
    const editForm = page.getByRole('form', { name: 'Edit credentials' });
    const clientIdField = editForm.getByLabel('Client ID');
    await expect(clientIdField.inputValue()).resolves.toBe(a.clientId);
    await expect(clientIdField.isEditable()).resolves.toBe(false);
    await editForm.getByText('The Client ID cannot be changed.').waitFor();
    await expect(editForm.getByLabel('Short Description').inputValue()).resolves.toBe('Backend A');
    await expect(editForm.getByLabel('Client Secret').inputValue()).resolves.toBe('');
    await editForm.getByLabel('Short Description').fill('Backend A (rotated)');
    await editForm.getByRole('checkbox', { name: 'Replace the secret with a newly generated one' }).check();
    await editForm.getByRole('button', { name: 'Save' }).click();
    await page.waitForLoadState('domcontentloaded');
    await page.getByRole('heading', { name: 'Credentials updated' }).waitFor();
    const rotated = await readShownOnce(page);
    expect(rotated.clientId).toBe(a.clientId);
    expect(rotated.clientSecret).toMatch(GENERATED_SECRET);
    expect(rotated.clientSecret).not.toBe(a.clientSecret);
    expect(await copyWith(page, 'Copy Client Secret')).toBe(rotated.clientSecret);
    const oldSecretRes = await listCustomers(baseUrl, curlBasic(a.clientId, a.clientSecret));
    expect(oldSecretRes.status, 'the replaced secret stops working at once').toBe(401);
    expect(oldSecretRes.wwwAuthenticate).toMatch(/^Basic /);
    expect(await listCustomers(baseUrl, curlBasic(a.clientId, rotated.clientSecret))).toMatchObject({ status: 200, body: EMPTY_PAGE });
    await backToList(page);
    expect(await listedDescriptions(page)).toEqual(['Backend A (rotated)', 'Backend B']);
    html = await page.content();
    expect(html).not.toContain(rotated.clientSecret);

    // 8. A third credential reaches the limit: Add Secret is disabled, with the note.
    await addSecret(page, 'Backend C');
    const c = await readShownOnce(page);
    expect(c.clientSecret).toMatch(GENERATED_SECRET);
    await backToList(page);
    expect(await listedDescriptions(page)).toEqual(['Backend A (rotated)', 'Backend B', 'Backend C']);
    const addSecretButton = page.getByRole('button', { name: 'Add Secret' });
    await expect(addSecretButton.isDisabled()).resolves.toBe(true);
    await page.getByText('An account can have at most 3 Connection API credentials. Delete one to add another.').waitFor();
    await expect(addSecretButton.getAttribute('aria-describedby')).resolves.toBe('limit-note');

    // 9. Delete Backend B after confirming: gone from the list, its secret refused, Add Secret back.
    const itemToDelete = await expand(page, 'Backend B');
    await itemToDelete.getByRole('button', { name: 'Delete' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain(b.clientId);
    await page.getByRole('button', { name: 'Delete credentials' }).click();
    await page.waitForURL(`**${CONNECTION_API}?notice=deleted`);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Credentials deleted.');
    expect(await listedDescriptions(page)).toEqual(['Backend A (rotated)', 'Backend C']);
    expect(await page.content()).not.toContain(b.clientId);
    expect((await listCustomers(baseUrl, curlBasic(b.clientId, customSecret))).status, 'a deleted credential stops working at once').toBe(401);
    expect((await listCustomers(baseUrl, curlBasic(c.clientId, c.clientSecret))).status).toBe(200);
    await expect(page.getByRole('button', { name: 'Add Secret' }).isEnabled()).resolves.toBe(true);
    await page.getByText('2 of 3 used.').waitFor();

    // 10. The audit log tells the story, without any secret.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL('**/console/account/audit-log');
    const actions = (await page.locator('table.audit tbody tr td:nth-child(3)').allTextContents()).map((s) => s.trim());
    expect(actions.filter((x) => x === 'Connection API credentials created')).toHaveLength(3);
    expect(actions.filter((x) => x === 'Connection API credentials edited')).toHaveLength(1);
    expect(actions.filter((x) => x === 'Connection API credentials deleted')).toHaveLength(1);
    expect(actions).toContain('Admin signed in');
    // Newest first.
    expect(actions[0]).toBe('Connection API credentials deleted');
    const auditHtml = await page.content();
    expect(auditHtml).toContain(login.email);
    for (const secret of [a.clientSecret, rotated.clientSecret, customSecret, c.clientSecret, 'short-secret']) {
      expect(auditHtml, 'the audit log must not contain a secret').not.toContain(secret);
    }
  });

  it('turns the Global Credentials on and off for the Connection API', async () => {
    const { app, baseUrl } = server;
    const login = await createAccountWithAdmin(app, 'Globex SaaS', 'gina@example.com');
    const globalClientId = (await app.services.credentials.getGlobalCredential(login.accountId)).clientId;
    const { page } = await openConsole();
    await signIn(page, login);

    await page.getByRole('navigation', { name: 'Integration' }).getByRole('link', { name: 'Global Credentials' }).click();
    await page.waitForURL('**/console/account/integration/global');
    await expect(page.getByLabel('Client ID', { exact: true }).textContent()).resolves.toBe(globalClientId);
    expect(await copyWith(page, 'Copy Client ID')).toBe(globalClientId);

    const globalSecret = 'glöbal:Secret%+2026-xyz';
    await page.getByLabel('Client Secret').fill(globalSecret);
    const enabled = page.getByRole('checkbox', { name: 'Enabled' });
    await expect(enabled.isChecked()).resolves.toBe(false);
    await enabled.check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/console/account/integration/global?notice=saved');
    await expect(page.getByRole('status').textContent()).resolves.toContain('Global credentials saved.');
    await expect(page.getByRole('checkbox', { name: 'Enabled' }).isChecked()).resolves.toBe(true);
    expect(await page.content()).not.toContain(globalSecret);

    expect(await listCustomers(baseUrl, curlBasic(globalClientId, globalSecret))).toMatchObject({ status: 200, body: EMPTY_PAGE });
    expect(await listCustomers(baseUrl, rfc6749Basic(globalClientId, globalSecret))).toMatchObject({ status: 200, body: EMPTY_PAGE });

    // Clearing Enabled (secret field left empty: the secret is kept) stops the credentials at once.
    await page.getByRole('checkbox', { name: 'Enabled' }).uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/console/account/integration/global?notice=saved');
    await expect(page.getByRole('checkbox', { name: 'Enabled' }).isChecked()).resolves.toBe(false);
    const disabled = await listCustomers(baseUrl, curlBasic(globalClientId, globalSecret));
    expect(disabled.status, 'disabled global credentials are refused').toBe(401);
    expect(disabled.wwwAuthenticate).toMatch(/^Basic /);
  });

  // Reloading the page that shows a secret (F5, then "Continue" on the browser's form-resubmission
  // prompt; headless Chromium resubmits without asking) must not create a second credential, nor
  // replace the secret the admin has just copied.
  it('keeps the credentials as they were when the page showing a new secret is reloaded', async () => {
    const { app, baseUrl } = server;
    const login = await createAccountWithAdmin(app, 'Umbrella SaaS', 'uma@example.com');
    const { page } = await openConsole();
    await signIn(page, login);

    await addSecret(page, 'Reload after Done');
    const created = await readShownOnce(page);
    await page.reload();
    await page.waitForLoadState('domcontentloaded');
    const afterCreateReload = await app.services.credentials.listConnectionApiCredentials(login.accountId);
    expect.soft(afterCreateReload.map((c) => c.clientId), 'reloading after Done must not add another credential').toEqual([created.clientId]);

    await page.goto(CONNECTION_API);
    const item = await expand(page, created.clientId);
    await item.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('checkbox', { name: 'Replace the secret with a newly generated one' }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForLoadState('domcontentloaded');
    const rotated = await readShownOnce(page);
    expect((await listCustomers(baseUrl, curlBasic(created.clientId, rotated.clientSecret))).status).toBe(200);
    await page.reload();
    await page.waitForLoadState('domcontentloaded');
    expect(
      (await listCustomers(baseUrl, curlBasic(created.clientId, rotated.clientSecret))).status,
      'reloading after a secret edit must not replace the secret that was just shown (and copied)',
    ).toBe(200);
  });

  it('refuses a console form posted without its CSRF token, and changes nothing', async () => {
    const { app, baseUrl } = server;
    const login = await createAccountWithAdmin(app, 'Initech SaaS', 'ivan@example.com');
    const { context, page } = await openConsole();
    await signIn(page, login);
    const cookie = await cookieHeaderOf(context, baseUrl);
    expect(cookie).toContain('ssb_session=');

    const post = (body: Record<string, string>) =>
      fetch(`${baseUrl}${CONNECTION_API}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body).toString(),
      });

    const withoutToken = await post({ description: 'Forged', clientSecret: 'forged-secret-0123456789' });
    expect(withoutToken.status).toBe(403);
    expect(await withoutToken.text()).not.toContain('forged-secret-0123456789');
    const wrongToken = await post({ _csrf: 'not-a-real-token', description: 'Forged', clientSecret: 'forged-secret-0123456789' });
    expect(wrongToken.status).toBe(403);
    expect(await app.services.credentials.listConnectionApiCredentials(login.accountId)).toEqual([]);

    // The global credentials' form too.
    const globalPost = await fetch(`${baseUrl}/console/account/integration/global`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ clientSecret: 'forged-secret-0123456789', enabled: 'true' }).toString(),
    });
    expect(globalPost.status).toBe(403);
    expect(await app.services.credentials.getGlobalCredential(login.accountId)).toMatchObject({ enabled: false, secretHint: null });

    // The same session with the page's own token is accepted: the refusals above were the missing token.
    await page.reload();
    const token = await page.locator('form[action="/console/sign-out"] input[name="_csrf"]').inputValue();
    const withToken = await post({ _csrf: token, description: 'Genuine', submissionKey: randomBytes(18).toString('base64url') });
    expect(withToken.status).toBe(200);
    expect((await app.services.credentials.listConnectionApiCredentials(login.accountId)).map((c) => c.description)).toEqual(['Genuine']);
  });
});
