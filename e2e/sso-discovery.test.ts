import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorActor } from '../test/helpers/test-app.js';
import { requireLasso, type LassoIdpServer } from '../test/interop/peers.js';
import { launchChromium } from './helpers/console-browser.js';
import { startSsoJourney, type SsoJourney } from './helpers/sso-journey.js';

/**
 * IdP discovery in real Chromium: the demo app links to /sso/sp/initsso without an idpid, the user
 * types a work email address, and ssobridge sends the browser on to that company's IdP (Lasso),
 * whose answer reaches the demo app through our ACS. Every page of ours forbids forms from
 * posting anywhere but our own origin (CSP form-action 'self'), and Chromium applies that to the
 * redirects that answer a form submission too: this journey is what proves the email form still
 * gets the user to an IdP on another origin.
 */
describe('IdP discovery in Chromium: demo app → email page → customer IdP → ssobridge → demo app', () => {
  let browser: Browser | undefined;
  let journey: SsoJourney | undefined;
  const idps = new Map<string, LassoIdpServer>();

  beforeAll(async () => {
    requireLasso();
    browser = await launchChromium();
    journey = await startSsoJourney();
    idps.set('customer001.com', await journey.connectLassoCustomer('customer001.com', { ssoBinding: 'redirect', emailDomains: ['customer001.com'] }));
    idps.set('customer002.com', await journey.connectLassoCustomer('customer002.com', { ssoBinding: 'post', emailDomains: ['customer002.com'] }));
    // Claims no domain: reached only as the account's default IdP.
    idps.set('fallback.example', await journey.connectLassoCustomer('fallback.example', { ssoBinding: 'redirect' }));
  });

  afterAll(async () => {
    await browser?.close();
    await journey?.close();
  });

  async function withPage(run: (page: Page) => Promise<void>): Promise<void> {
    const context: BrowserContext = await browser!.newContext({ locale: 'en-US' });
    context.setDefaultTimeout(10_000);
    context.setDefaultNavigationTimeout(15_000);
    try {
      await run(await context.newPage());
    } finally {
      await context.close();
    }
  }

  /** From the demo app's discovery link to the email page. */
  async function openEmailPage(page: Page): Promise<void> {
    await page.goto(`${journey!.demoOrigin}/`);
    await page.getByRole('link', { name: 'Sign in with your company account' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in with your company account');
  }

  async function submitEmail(page: Page, email: string): Promise<void> {
    await page.getByLabel('Work email address').fill(email);
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  /** At the customer's IdP (which verified our signed AuthnRequest), alice signs in; the demo app shows who she is. */
  async function signInAtIdpAndLand(page: Page, idpId: string): Promise<void> {
    await page.waitForURL((url) => url.toString().startsWith(idps.get(idpId)!.ssoUrl));
    await expect(page.locator('#sp').textContent()).resolves.toBe(`Sign in to ${journey!.spEntityId}`);
    await page.getByLabel('User name').fill('alice');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${journey!.demoOrigin}/sso/landing`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Signed in');
    await expect(page.locator('[data-attribute="pingone.idp.id"]').textContent()).resolves.toBe(idpId);
    await expect(page.locator('[data-attribute="email"]').textContent()).resolves.toBe(`alice@${idpId}`);
    await expect(page.locator('[data-attribute="pingone.saas.id"]').textContent()).resolves.toBe(journey!.saasid);
  }

  it.each([
    ['customer001.com', 'Redirect'],
    ['customer002.com', 'POST'],
  ] as const)("takes alice@%s from the email page to her company IdP (%s binding) and into the app", async (idpId, _binding) => {
    await withPage(async (page) => {
      await openEmailPage(page);
      await submitEmail(page, `Alice@${idpId.toUpperCase()}`);
      await signInAtIdpAndLand(page, idpId);
    });
  });

  it('tells the user that sign-on is not set up for an unknown domain, and lets them try another address', async () => {
    await withPage(async (page) => {
      await openEmailPage(page);
      await submitEmail(page, 'bob@nowhere.example');
      await expect(page.getByRole('alert').textContent()).resolves.toBe('Single sign-on is not set up for nowhere.example.');
      await expect(page.getByLabel('Work email address').isVisible()).resolves.toBe(true);
      await submitEmail(page, 'alice@customer001.com');
      await signInAtIdpAndLand(page, 'customer001.com');
    });
  });

  it("sends an address whose domain no customer claims to the account's default IdP", async () => {
    const { app, accountId } = journey!;
    await app.services.customers.setDefaultIdp(operatorActor(accountId), 'fallback.example', true);
    try {
      await withPage(async (page) => {
        await openEmailPage(page);
        await submitEmail(page, 'alice@unclaimed.example');
        await signInAtIdpAndLand(page, 'fallback.example');
      });
    } finally {
      await app.services.customers.setDefaultIdp(operatorActor(accountId), 'fallback.example', false);
    }
  });
});
