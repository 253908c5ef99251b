import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLasso, type LassoIdpServer } from '../test/interop/peers.js';
import { launchChromium } from './helpers/console-browser.js';
import { startSsoJourney, type SsoJourney } from './helpers/sso-journey.js';

/**
 * The whole SP-initiated journey in real Chromium, every party a real HTTP server on 127.0.0.1:
 * a demo REST app with a "Sign in with SSO" link → our /sso/sp/initsso → the customer's IdP
 * (Lasso, with a sign-in form) → our ACS → the demo app's landing URL, which exchanges the
 * token server-side over /sso/TXS/2.0/1/{tokenid} and shows the user's attributes.
 */
describe('SSO login in Chromium: demo REST app → ssobridge → Lasso IdP → ssobridge → demo app', () => {
  let browser: Browser | undefined;
  let journey: SsoJourney | undefined;
  const idps: LassoIdpServer[] = [];

  beforeAll(async () => {
    requireLasso();
    browser = await launchChromium();
    journey = await startSsoJourney();
    // Two customers, both on a Lasso IdP over loopback http: one asks for the Redirect binding, one for POST.
    idps.push(await journey.connectLassoCustomer('customer001.com', { ssoBinding: 'redirect' }));
    idps.push(await journey.connectLassoCustomer('customer002.com', { ssoBinding: 'post' }));
  });

  afterAll(async () => {
    await browser?.close();
    await journey?.close();
  });

  it.each([
    ['customer001.com', 'Redirect', 0],
    ['customer002.com', 'POST', 1],
  ] as const)('signs alice@%s in through the %s binding and the app shows her email and groups', async (idpId, _binding, index) => {
    const { demoOrigin, saasid, spEntityId } = journey!;
    const context = await browser!.newContext({ locale: 'en-US' });
    context.setDefaultTimeout(10_000);
    context.setDefaultNavigationTimeout(15_000);
    try {
      const page = await context.newPage();
      await page.goto(`${demoOrigin}/`);
      await page.getByRole('link', { name: `Sign in with SSO (${idpId})` }).click();

      // The customer's IdP (Lasso) has verified our signed AuthnRequest and asks who is signing in.
      await page.waitForURL((url) => url.toString().startsWith(idps[index]!.ssoUrl));
      await expect(page.locator('#sp').textContent()).resolves.toBe(`Sign in to ${spEntityId}`);
      await page.getByLabel('User name').fill('alice');
      await page.getByRole('button', { name: 'Sign in' }).click();

      // Lasso auto-posts to our ACS, which auto-posts the token to the demo app's landing URL.
      await page.waitForURL(`${demoOrigin}/sso/landing`);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Signed in');
      await expect(page.locator('[data-attribute="email"]').textContent()).resolves.toBe(`alice@${idpId}`);
      await expect(page.locator('[data-attribute="groups"]').textContent()).resolves.toBe('admins, staff');
      await expect(page.locator('[data-attribute="pingone.idp.id"]').textContent()).resolves.toBe(idpId);
      await expect(page.locator('[data-attribute="pingone.saas.id"]').textContent()).resolves.toBe(saasid);
      await expect(page.locator('#agent').textContent()).resolves.toBe(saasid);
    } finally {
      await context.close();
    }
  });
});
