import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorActor } from '../test/helpers/test-app.js';
import { signIn } from './helpers/console-browser.js';
import { useChromium } from './helpers/per-file-setup.js';
import { startSsoJourney, type SsoJourney } from './helpers/sso-journey.js';

/**
 * A SaaS developer tests their application before any customer exists: from the console's Test
 * page, through ssobridge's built-in test IdP (a real SAML IdP with its own key), our ACS, to the
 * demo REST app, which exchanges the token server-side and shows what it received.
 */
describe('Built-in test IdP in Chromium: console › application › Test → test IdP → demo app', () => {
  const chromium = useChromium();
  let journey: SsoJourney | undefined;
  const login = { accountId: '', email: 'dev@demo-saas.example', password: 'correct horse dev battery' };

  beforeAll(async () => {
    journey = await startSsoJourney();
    login.accountId = journey.accountId;
    await journey.app.services.admins.createAdmin(operatorActor(journey.accountId), journey.accountId, { email: login.email, password: login.password });
  });

  afterAll(async () => {
    await journey?.close();
  });

  it('signs testuser1 in with the password shown in the console, and the app receives the token with the configured attributes', async () => {
    const { ssoBase, demoOrigin, saasid } = journey!;
    const context = await chromium.newContext(ssoBase);
    const page = await context.newPage();
    await signIn(page, login);

    // Applications › Test IdP: testuser1 gets a groups attribute.
    await page.goto('/console/applications');
    await page.getByRole('link', { name: 'Test IdP' }).click();
    await page.getByLabel('testuser1@example.com').fill('groups=testers');
    await page.getByRole('button', { name: 'Save attributes' }).click();
    await expect(page.getByText('Attributes saved.').count()).resolves.toBe(1);

    // Applications › My Applications › Demo › Test.
    await page.goto('/console/applications');
    await page.getByRole('link', { name: 'Test Demo' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Test Demo');
    const password = (await page.locator('#test-idp-password').textContent()) ?? '';
    expect(password.length).toBeGreaterThan(8);
    await page.getByRole('button', { name: 'Start Single Sign-On' }).click();

    // The test IdP received our signed AuthnRequest and asks which test user signs in.
    await page.waitForURL((url) => url.pathname === `/sso/test-idp/${journey!.accountId}/sso`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Test identity provider');
    await page.getByLabel('testuser1@example.com').check();
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Signed response → our ACS → the token auto-posted to the demo app, which exchanges it.
    await page.waitForURL(`${demoOrigin}/sso/landing`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Signed in');
    await expect(page.locator('[data-attribute="pingone.subject"]').textContent()).resolves.toBe('testuser1@example.com');
    await expect(page.locator('[data-attribute="email"]').textContent()).resolves.toBe('testuser1@example.com');
    await expect(page.locator('[data-attribute="groups"]').textContent()).resolves.toBe('testers');
    await expect(page.locator('[data-attribute="pingone.saas.id"]').textContent()).resolves.toBe(saasid);
  });
});
