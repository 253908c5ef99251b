import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curlBasic, operatorActor } from '../test/helpers/test-app.js';
import { requireLasso } from '../test/interop/peers.js';
import { useChromium } from './helpers/per-file-setup.js';
import { startSsoJourney, type SsoJourney } from './helpers/sso-journey.js';

/**
 * The customer onboarding journey in real Chromium: the provider creates a setup link through the
 * API; the customer's IT admin, in a fresh browser with no console account, opens it, pastes their
 * IdP's metadata (a real Lasso IdP's own), configures that IdP with our metadata from the portal,
 * tries a sign-in through it with "Test sign-in" (the portal shows what the IdP sent) and
 * activates; then a user signs in through initsso and that IdP.
 */
describe('setup portal in Chromium: API link → customer admin connects a Lasso IdP and tests it → a user signs in', () => {
  const chromium = useChromium();
  let journey: SsoJourney | undefined;

  beforeAll(async () => {
    requireLasso();
    journey = await startSsoJourney();
  });
  afterAll(async () => journey?.close());

  it('connects customer005.com through the portal and signs alice in', async () => {
    const { app, accountId, ssoBase, demoOrigin, spEntityId } = journey!;
    const credential = await app.services.credentials.createConnectionApiCredential(operatorActor(accountId), { description: 'provider backend' });
    const created = await fetch(`${ssoBase}/web-portal/rest/saas/idp/2.0/spManaged/customer005.com/setupLink`, {
      method: 'POST',
      headers: { authorization: curlBasic(credential.credential.clientId, credential.clientSecret), 'content-type': 'application/json' },
      body: JSON.stringify({ applications: [journey!.saasid], expiresInMinutes: 60 }),
    });
    expect(created.status).toBe(201);
    const { url } = (await created.json()) as { url: string };
    const idp = await journey!.startUnconnectedLassoIdp('customer005.com');
    const idpMetadata = await (await fetch(`http://127.0.0.1:${idp.port}/metadata`)).text();

    const context = chromium.closeAfterTest(await chromium.browser.newContext({ locale: 'en-US' }));
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto(url);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Set up single sign-on for customer005.com');
    await expect(page.getByText(spEntityId, { exact: true }).first().isVisible()).resolves.toBe(true);

    await page.getByLabel('Metadata XML').fill(idpMetadata);
    await page.getByRole('button', { name: 'Save metadata XML' }).click();
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('Your identity provider was saved.');

    // The admin gives their IdP our metadata, downloaded from the portal.
    const download = await page.request.get(`${url}/metadata.xml`);
    expect(download.status()).toBe(200);
    await idp.configure({
      spMetadata: [await download.text()],
      users: { alice: { nameId: 'alice@customer005.com', nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', attributes: { email: ['alice@customer005.com'] } } },
      sign: 'both',
    });

    // Before activating, the admin tries a sign-in through their IdP; the portal shows what it sent.
    await page.getByRole('button', { name: 'Test sign-in' }).click();
    await page.waitForURL((u) => u.toString().startsWith(idp.ssoUrl));
    await page.getByLabel('User name').fill('alice');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === new URL(url).pathname);
    await expect(page.locator('#test-result').textContent()).resolves.toMatch(/Test sign-in succeeded .*NameID alice@customer005\.com/s);
    await expect(page.getByText('Required attribute "email": present').isVisible()).resolves.toBe(true);

    await page.getByRole('button', { name: 'Activate' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Single sign-on is active');

    // A user of the customer signs in to the demo app through the new connection.
    const user = await chromium.browser.newContext({ locale: 'en-US' });
    chromium.closeAfterTest(user);
    user.setDefaultTimeout(10_000);
    const userPage = await user.newPage();
    await userPage.goto(`${demoOrigin}/`);
    await userPage.getByRole('link', { name: 'Sign in with SSO (customer005.com)' }).click();
    await userPage.waitForURL((u) => u.toString().startsWith(idp.ssoUrl));
    await userPage.getByLabel('User name').fill('alice');
    await userPage.getByRole('button', { name: 'Sign in' }).click();
    await userPage.waitForURL(`${demoOrigin}/sso/landing`);
    await expect(userPage.locator('[data-attribute="email"]').textContent()).resolves.toBe('alice@customer005.com');
  });
});
