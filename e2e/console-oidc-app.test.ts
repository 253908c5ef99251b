import { createHash } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createDefaultAccountAdmin, signIn } from './helpers/console-browser.js';
import { useChromium, useConsoleServer } from './helpers/per-file-setup.js';

const server = useConsoleServer();
const chromium = useChromium();

const GENERATED_SECRET = /^ssbs_[A-Za-z0-9_-]{43}$/;

/** The row of a table whose header cell names this item. */
function row(page: Page, tableName: string, name: string): Locator {
  return page.getByRole('table', { name: tableName }).getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
}

describe('OIDC applications in the console, in Chromium', () => {
  it('adds an OIDC app through the form, sees its secret once, adds a second, finds Add Secret disabled, and deletes one', async () => {
    const { app, instance } = server;
    const login = await createDefaultAccountAdmin(app, 'olivia@example.com');
    const context = await chromium.newContext(server.baseUrl);
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await signIn(page, login);

    // 1. Add OIDC application: the form with its OIDC fields.
    await page.goto('/console/applications');
    await page.getByRole('link', { name: 'Add OIDC application' }).click();
    await page.getByRole('heading', { name: 'Add OIDC application' }).waitFor();
    await expect(page.getByRole('checkbox', { name: 'PKCE required' }).isChecked()).resolves.toBe(true);
    await expect(page.getByLabel('Access token lifetime (minutes)').inputValue()).resolves.toBe('60');
    await page.getByLabel('Name', { exact: true }).fill('Dashboard');
    await page.getByLabel('Redirect URIs', { exact: true }).fill('https://dashboard.example.com/oidc/callback\nhttp://localhost:3000/callback');
    await page.getByLabel('Post-logout redirect URIs').fill('https://dashboard.example.com/signed-out');
    await page.getByRole('checkbox', { name: 'Refresh tokens' }).check();
    await page.getByLabel('Token endpoint authentication').selectOption('client_secret_post');
    await page.getByLabel('Access token lifetime (minutes)').fill('30');
    await page.getByLabel('Attributes').fill('email');
    await page.getByRole('button', { name: 'Save' }).click();

    // 2. The first secret, shown once.
    await page.getByText('Copy the client secret now. It will not be shown again.').waitFor();
    const firstSecret = (await page.locator('#client-secret').textContent())!.trim();
    expect(firstSecret).toMatch(GENERATED_SECRET);
    const saasid = (await page.locator('#client-id').textContent())!.trim();
    expect(await app.services.applications.getApplication(login.accountId, saasid)).toMatchObject({
      kind: 'oidc',
      redirectUris: ['https://dashboard.example.com/oidc/callback', 'http://localhost:3000/callback'],
      postLogoutRedirectUris: ['https://dashboard.example.com/signed-out'],
      refreshTokens: true,
      pkceRequired: true,
      tokenEndpointAuthMethod: 'client_secret_post',
      accessTokenLifetimeMinutes: 30,
    });
    const stored = await instance.database.db.selectFrom('oidc_client_secrets').select('secret_hash').where('application_id', '=', saasid).execute();
    expect(stored).toEqual([{ secret_hash: createHash('sha256').update(firstSecret).digest('hex') }]);

    // 3. The app's page: discovery URL and a hint of the secret, never the secret.
    await page.getByRole('link', { name: 'Continue to Dashboard' }).click();
    await page.getByRole('heading', { name: 'Client secrets' }).waitFor();
    await expect(page.locator('#oidc-discovery').textContent()).resolves.toBe(`${instance.config.publicUrl}/${saasid}/.well-known/openid-configuration`);
    await expect(page.content()).resolves.not.toContain(firstSecret);
    await row(page, 'Client secrets', `ssbs_…${firstSecret.slice(-4)}`).waitFor();

    // 4. Add Secret: a second secret, shown once; then Add Secret is disabled with the limit.
    await page.getByRole('button', { name: 'Add Secret' }).click();
    await page.getByText('Copy the client secret now. It will not be shown again.').waitFor();
    const secondSecret = (await page.locator('#client-secret').textContent())!.trim();
    expect(secondSecret).toMatch(GENERATED_SECRET);
    expect(secondSecret).not.toBe(firstSecret);
    await page.getByRole('link', { name: 'Continue to Dashboard' }).click();
    const addSecret = page.getByRole('button', { name: 'Add Secret' });
    await expect(addSecret.isDisabled()).resolves.toBe(true);
    await page.getByText('An OIDC application can have at most 2 client secrets. Delete one to add another.').waitFor();

    // 5. Delete the first secret, through its confirmation page.
    await row(page, 'Client secrets', `ssbs_…${firstSecret.slice(-4)}`).getByRole('link', { name: /Delete/ }).click();
    await page.getByRole('heading', { name: 'Delete client secret' }).waitFor();
    await page.getByRole('button', { name: 'Delete secret' }).click();
    await page.getByText('Client secret deleted.').waitFor();
    await expect(row(page, 'Client secrets', `ssbs_…${firstSecret.slice(-4)}`).count()).resolves.toBe(0);
    await row(page, 'Client secrets', `ssbs_…${secondSecret.slice(-4)}`).waitFor();
    await expect(page.getByRole('button', { name: 'Add Secret' }).isEnabled()).resolves.toBe(true);
    expect((await app.services.oidcClientSecrets.listSecrets(login.accountId, saasid)).map((s) => s.hint)).toEqual([`ssbs_…${secondSecret.slice(-4)}`]);
    expect(consoleErrors).toEqual([]);
  });
});
