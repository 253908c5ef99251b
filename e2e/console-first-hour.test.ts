import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { idpCertificatePem, operatorActor, startInstance, type TestInstance } from '../test/helpers/test-app.js';
import { createAccountWithAdmin, type AdminLogin } from './helpers/console-browser.js';
import { useChromium, useConsoleServer } from './helpers/per-file-setup.js';

// What a new user meets in the first hour (issue 12, items 1–4), in real Chromium.

const PUBLIC_URL = 'http://localhost:8080';
const CREDENTIAL_LIMIT = 'An account can have at most 3 Connection API credentials. Delete one to add another.';
const URL_RULE = 'must be an https:// URL (http:// is accepted only for localhost, 127.0.0.1 and [::1])';
const PASSWORD = 'correct horse battery staple';

const server = useConsoleServer();
const chromium = useChromium();

async function openPage(baseUrl = server.baseUrl, options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
  const context =
    options.javaScriptEnabled === false
      ? chromium.closeAfterTest(await chromium.browser.newContext({ baseURL: baseUrl, locale: 'en-US', javaScriptEnabled: false }))
      : await chromium.newContext(baseUrl);
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  return page;
}

/**
 * Collects what a strict CSP or a broken page would report, to assert there was nothing. A form
 * answered 400 or 409 on purpose (a field error, the limit) is logged by Chromium too: not counted.
 */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of (400|409) /.test(message.text())) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** Fills and submits the sign-in form on the page that is open (wherever it was reached from). */
async function submitSignIn(page: Page, login: AdminLogin): Promise<void> {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email address').fill(login.email);
  await page.getByLabel('Password').fill(login.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('the first hour in the console, in Chromium', () => {
  it('leads from the server address to the console, and after sign-in to the page that was asked for', async () => {
    const login = await createAccountWithAdmin(server.app, 'Arrivals SaaS', 'ari@example.com');
    const page = await openPage();

    await page.goto('/');
    await page.waitForURL(`${server.baseUrl}/console/sign-in`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    await page.goto('/console/customer-connections?q=acme');
    await page.waitForURL(`${server.baseUrl}/console/sign-in?next=${encodeURIComponent('/console/customer-connections?q=acme')}`);
    await submitSignIn(page, login);
    await page.waitForURL(`${server.baseUrl}/console/customer-connections?q=acme`);
    await expect(page.getByLabel('Search').inputValue()).resolves.toBe('acme');
  });

  it('honours only a same-origin console page as the return path, never another site', async () => {
    const login = await createAccountWithAdmin(server.app, 'Redirects SaaS', 'red@example.com');
    for (const evil of ['//evil.example/console', '/\\evil.example', 'https://evil.example/console', '/console/%2F%2Fevil.example', '/console/%252F%252Fevil.example']) {
      const page = await openPage();
      await page.goto(`/console/sign-in?next=${encodeURIComponent(evil)}`);
      await submitSignIn(page, login);
      await page.waitForURL(`${server.baseUrl}/console/account/integration/connection-api`);
      expect(new URL(page.url()).origin, evil).toBe(server.baseUrl);
    }
    // The same form with a console page as the return path goes there.
    const page = await openPage();
    await page.goto(`/console/sign-in?next=${encodeURIComponent('/console/account/signing-keys')}`);
    await submitSignIn(page, login);
    await page.waitForURL(`${server.baseUrl}/console/account/signing-keys`);
  });

  it('keeps every printed setup link valid until the first admin exists, then says what to do instead', async () => {
    // A second instance on the same database, as behind a load balancer.
    const second: TestInstance = await startInstance(server.instance.location, { clock: server.instance.clock });
    try {
      await second.app.listen({ port: 0, host: '127.0.0.1' });
      const secondUrl = `http://127.0.0.1:${(second.app.server.address() as AddressInfo).port}`;
      const { account } = await server.app.services.accounts.ensureDefaultAccount(operatorActor);
      const fromFirstStart = (await server.app.services.accounts.issueSetupToken(account.id))!;
      const fromSecondInstance = (await second.app.services.accounts.issueSetupToken(account.id))!;
      const fromRestart = (await server.app.services.accounts.issueSetupToken(account.id))!;

      // The link printed first still opens the form after two more were printed.
      const early = await openPage(secondUrl);
      await early.goto(`/console/setup?token=${fromFirstStart}`);
      await early.getByRole('heading', { name: 'Create the first admin' }).waitFor();

      // The second instance's link creates the admin, from the first instance.
      const page = await openPage();
      await page.goto(`/console/setup?token=${fromSecondInstance}`);
      await page.getByRole('heading', { name: 'Create the first admin' }).waitFor();
      await page.getByLabel('Email address').fill('first-admin@example.com');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Confirm password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create admin and sign in' }).click();
      await page.waitForURL('**/console/account/integration/connection-api');

      // The form opened earlier can no longer create a second admin, and says why.
      await early.getByLabel('Email address').fill('second-admin@example.com');
      await early.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await early.getByLabel('Confirm password').fill(PASSWORD);
      await early.getByRole('button', { name: 'Create admin and sign in' }).click();
      await early.getByRole('heading', { name: 'This setup link no longer works' }).waitFor();

      // Every link is void now, on both instances, and the page says what to do.
      for (const [baseUrl, token] of [[server.baseUrl, fromFirstStart], [secondUrl, fromRestart], [secondUrl, fromSecondInstance]] as const) {
        const visitor = await openPage(baseUrl);
        await visitor.goto(`/console/setup?token=${token}`);
        await visitor.getByRole('heading', { name: 'This setup link no longer works' }).waitFor();
        await visitor.getByText('npx ssobridge admin create --email you@example.com').waitFor();
      }
      const visitor = await openPage();
      await visitor.goto(`/console/setup?token=${fromFirstStart}`);
      await visitor.getByRole('link', { name: 'Sign in' }).click();
      await visitor.getByRole('heading', { name: 'Sign in' }).waitFor();
      expect(await server.app.services.accounts.issueSetupToken(account.id)).toBeUndefined();
    } finally {
      await second.close();
    }
  });

  it('explains the credential limit instead of opening a wizard that would fail', async () => {
    const login = await createAccountWithAdmin(server.app, 'Limits SaaS', 'lim@example.com');
    const actor = operatorActor(login.accountId);
    const credentials = server.app.services.credentials;
    for (const description of ['A', 'B']) await credentials.createConnectionApiCredential(actor, { description });
    const page = await openPage();
    const errors = watchErrors(page);
    await page.goto('/console/account/integration/connection-api');
    await submitSignIn(page, login);
    await page.getByText('2 of 3 used.').waitFor();

    // Another admin takes the last place while this page is open.
    const third = await credentials.createConnectionApiCredential(actor, { description: 'C (another admin)' });
    await page.getByRole('button', { name: 'Add Secret' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe(CREDENTIAL_LIMIT);
    await expect(page.getByText('Step 1 of 2').count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Add Secret' }).isDisabled()).resolves.toBe(true);

    // The place goes again while the wizard is open: Done says the same.
    await credentials.deleteConnectionApiCredential(actor, third.credential.id);
    await page.goto('/console/account/integration/connection-api');
    await page.getByRole('button', { name: 'Add Secret' }).click();
    await page.getByText('Step 1 of 2').waitFor();
    await page.getByLabel('Short Description').fill('D');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Step 2 of 2').waitFor();
    await credentials.createConnectionApiCredential(actor, { description: 'E (another admin)' });
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe(CREDENTIAL_LIMIT);
    await expect(page.getByRole('button', { name: 'Add Secret' }).isDisabled()).resolves.toBe(true);
    expect((await credentials.listConnectionApiCredentials(login.accountId)).map((c) => c.description)).toEqual(['A', 'B', 'E (another admin)']);
    expect(errors).toEqual([]);
  });

  it('says what an application needs and why, and shows a developer the sign-in link and token exchange', async () => {
    const login = await createAccountWithAdmin(server.app, 'Apps SaaS', 'appy@example.com');
    const page = await openPage();
    const errors = watchErrors(page);
    await page.goto('/console/applications/new/rest');
    await submitSignIn(page, login);
    await page.waitForURL('**/console/applications/new/rest');

    // Which fields are required, and why the Error URL is.
    await page.getByText('Every field is required unless marked (optional).').waitFor();
    await expect(page.getByLabel('Error URL').evaluate((input: HTMLInputElement) => input.required)).resolves.toBe(true);
    const errorUrlHint = await page.locator('#app-errorUrl-hint').textContent();
    expect(errorUrlHint).toContain('Required because a failed sign-in returns to your application');

    // http:// is accepted for localhost only, and the message says exactly that.
    await page.getByLabel('Name', { exact: true }).fill('Local Billing');
    await page.getByLabel('Default Application URL').fill('http://localhost:3000/sso');
    await page.getByLabel('Error URL').fill('http://billing.example.com/sso/error');
    await page.getByLabel('Hostname/Domain').fill('localhost:3000');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('#app-errorUrl-error').textContent()).resolves.toBe(URL_RULE);
    await page.getByLabel('Error URL').fill('http://localhost:3000/sso/error');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/console/applications?notice=created');

    const [app] = await server.app.services.applications.listApplications(login.accountId);
    const actor = operatorActor(login.accountId);
    const certificate = await idpCertificatePem();
    for (const idpId of ['customer001.com', 'customer002.com']) {
      await server.app.services.customers.putCustomer(actor, idpId, { entityId: `https://idp.${idpId}/saml`, ssoUrl: `https://idp.${idpId}/sso`, certificates: [certificate], applications: [app!.saasid] });
    }

    // The application page: saasid, a sign-in link following the chosen customer, the token exchange.
    await page.getByRole('link', { name: 'Local Billing', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign users in to Local Billing' }).waitFor();
    await expect(page.getByLabel('saasid', { exact: true }).textContent()).resolves.toBe(app!.saasid);
    const link = page.getByLabel('Sign-in link', { exact: true });
    await expect(link.textContent()).resolves.toBe(`${PUBLIC_URL}/sso/sp/initsso?saasid=${app!.saasid}`);
    const pageUrl = page.url();
    await page.getByLabel('Customer', { exact: true }).selectOption('customer002.com');
    const expected = `${PUBLIC_URL}/sso/sp/initsso?saasid=${app!.saasid}&idpid=customer002.com`;
    await page.waitForFunction((text) => document.getElementById('signin-link')?.textContent === text, expected);
    expect(page.url()).toBe(pageUrl);
    await page.getByRole('button', { name: 'Copy Sign-in link' }).click();
    await page.waitForFunction(() => document.querySelector('[aria-label="Copy Sign-in link"]')?.textContent === 'Copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(expected);
    // The copied link starts a sign-in at that customer's IdP.
    const started = await fetch(copied.replace(PUBLIC_URL, server.baseUrl), { redirect: 'manual' });
    expect(started.status).toBe(302);
    expect(started.headers.get('location')).toMatch(/^https:\/\/idp\.customer002\.com\/sso\?SAMLRequest=/);

    await expect(page.getByLabel('Token exchange', { exact: true }).textContent()).resolves.toBe(`curl --user "$APP_CLIENT_ID:$APP_CLIENT_SECRET" "${PUBLIC_URL}/sso/TXS/2.0/1/$TOKENID"`);
    await page.getByRole('link', { name: 'Account › Integration › Application Credentials' }).click();
    await page.waitForURL('**/console/account/integration/application');
    await page.getByRole('heading', { name: 'Application Credentials' }).waitFor();
    expect(errors).toEqual([]);

    // Without JavaScript, Show link re-renders the page with the chosen customer's link.
    const plain = await openPage(server.baseUrl, { javaScriptEnabled: false });
    await plain.goto(`/console/applications/${app!.saasid}`);
    await submitSignIn(plain, login);
    await plain.waitForURL(`**/console/applications/${app!.saasid}`);
    await plain.getByLabel('Customer', { exact: true }).selectOption('customer001.com');
    await plain.getByRole('button', { name: 'Show link' }).click();
    await plain.waitForURL(`**/console/applications/${app!.saasid}?idpid=customer001.com`);
    await expect(plain.getByLabel('Sign-in link', { exact: true }).textContent()).resolves.toBe(`${PUBLIC_URL}/sso/sp/initsso?saasid=${app!.saasid}&idpid=customer001.com`);
  });
});
