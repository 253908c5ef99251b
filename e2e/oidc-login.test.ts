import { inflateRawSync } from 'node:zlib';
import * as client from 'openid-client';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabases } from '../test/helpers/databases.js';
import { customerIdpKey } from '../test/helpers/sso-fixture.js';
import { operatorActor } from '../test/helpers/test-app.js';
import { ALICE_NAME_ID, CUSTOMER_IDP_ID, startOidcJourney, type OidcJourney } from '../test/helpers/oidc-journey.js';
import { requireLasso } from '../test/interop/peers.js';
import { startOidcDemoApp, type OidcDemoApp } from './helpers/oidc-demo-app.js';
import { useChromium } from './helpers/per-file-setup.js';

/**
 * An OIDC app's sign-in in real Chromium, every party a real HTTP server on 127.0.0.1: the
 * provider's demo web app (openid-client on its server side) → our authorization endpoint →
 * (IdP discovery) → the customer's IdP (Lasso, with a sign-in form) → our ACS → the app's
 * callback, where openid-client redeems the code and validates the ID token; and back out through
 * our end-session endpoint. Chromium enforces what app.inject cannot see: our CSP (form-action
 * on the redirects that answer a form, style-src on our pages), so every journey also fails on
 * any console error or CSP violation the browser reports.
 */
const chromium = useChromium();
let demo: OidcDemoApp;
let journey: OidcJourney;

beforeAll(async () => {
  requireLasso();
  // The demo app's port first: the OIDC app registers its redirect and post-logout URIs.
  demo = await startOidcDemoApp();
  journey = await startOidcJourney('sqlite', { redirectUris: [demo.redirectUri], postLogoutRedirectUris: [demo.postLogoutRedirectUri] });
  demo.use(await journey.discover(), ALICE_NAME_ID);
});

afterAll(async () => {
  await journey?.close();
  await demo?.close();
  await dropTestDatabases();
});

/**
 * Runs a journey in a page of a fresh context, and fails it on anything the browser refused or
 * reported: console errors (a CSP violation is one, "Refused to …" / "… violates the following
 * Content Security Policy directive"), uncaught exceptions, every `securitypolicyviolation` event
 * (reported to the console by a script the browser runs before the page's own), and subresources
 * (stylesheets) that failed. A document answering 4xx is not a problem in itself: the error
 * journey expects one. A journey stopped by the browser (a blocked redirect leaves the user where
 * they were) usually fails at a wait: its error then carries what the browser reported.
 */
async function inChromium(journeyOf: (page: Page) => Promise<void>): Promise<void> {
  const context = chromium.closeAfterTest(await chromium.browser.newContext({ locale: 'en-US' }));
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI} on ${event.documentURI}`);
    });
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    // The document's own 4xx is logged as "Failed to load resource"; subresources are checked below with their URL.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400 && response.request().resourceType() !== 'document') problems.push(`${response.status()} ${response.url()}`);
  });
  page.on('requestfailed', (request) => problems.push(`failed: ${request.resourceType()} ${request.url()} ${request.failure()?.errorText ?? ''}`));
  try {
    await journeyOf(page);
  } catch (error) {
    if (problems.length === 0) throw error;
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nat ${page.url()}; the browser reported:\n${problems.join('\n')}`, { cause: error });
  }
  expect(problems).toEqual([]);
}

const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();

/** Our pages on the way (as e2e/accessibility.test.ts scans the others): no serious or critical axe-core finding. */
async function expectAccessible(page: Page, label: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(' | ')})`);
  expect(serious, label).toEqual([]);
}

/** The AuthnRequest the customer's IdP received: Lasso's sign-in page is the Redirect binding's URL, SAMLRequest deflated. */
function authnRequestAt(page: Page): string {
  const samlRequest = new URL(page.url()).searchParams.get('SAMLRequest');
  expect(samlRequest, page.url()).not.toBeNull();
  return inflateRawSync(Buffer.from(samlRequest!, 'base64')).toString('utf8');
}

/** At Lasso, which verified our signed AuthnRequest: alice signs in, and the demo app's callback shows her claims. */
async function signInAtIdpAndLand(page: Page): Promise<{ authnRequest: string; sub: string }> {
  await page.waitForURL((url) => url.href.startsWith(journey.idp.ssoUrl));
  await expect(page.locator('#sp').textContent()).resolves.toBe(`Sign in to ${journey.base}/saml/sp/${journey.accountId}`);
  const authnRequest = authnRequestAt(page);
  await page.getByLabel('User name').fill('alice');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.href.startsWith(demo.redirectUri));
  await expect(heading(page)).resolves.toBe('Signed in');
  await expect(page.locator('#email').textContent()).resolves.toBe(ALICE_NAME_ID);
  await expect(page.locator('#idp-id').textContent()).resolves.toBe(CUSTOMER_IDP_ID);
  const sub = (await page.locator('#sub').textContent()) ?? '';
  expect(sub).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return { authnRequest, sub };
}

/** A customer connected to the app whose sign-in is switched off. */
const DISABLED_IDP_ID = 'disabled.example';
const FORCE_AUTHN = /\bForceAuthn="(true|1)"/;

describe('OIDC sign-in in Chromium: demo app (openid-client) → ssobridge → Lasso IdP → ssobridge → demo app', () => {
  it('login_hint: straight to the customer IdP sign-in form, and back at the callback with sub, email and pingone.idp.id', async () => {
    await inChromium(async (page) => {
      await page.goto(`${demo.origin}/`);
      await page.getByRole('link', { name: 'Sign in (login_hint)' }).click();
      const { authnRequest } = await signInAtIdpAndLand(page);
      // Not forced: the contrast for the prompt=login journey.
      expect(authnRequest).not.toMatch(FORCE_AUTHN);
    });
  });

  it('no hint: the IdP discovery page, whose form posts to the interaction, takes alice@customer001.com to her IdP and back', async () => {
    await inChromium(async (page) => {
      await page.goto(`${demo.origin}/`);
      await page.getByRole('link', { name: 'Sign in', exact: true }).click();
      await expect(heading(page)).resolves.toBe('Sign in with your company account');
      // The page is the interaction's own URL, and its form posts back to it.
      expect(page.url()).toMatch(new RegExp(`^${journey.base}/sso/as/interaction/${journey.saasid}/[^/]+$`));
      await expect(page.locator('form').evaluate((form: HTMLFormElement) => form.action)).resolves.toBe(page.url());
      await expectAccessible(page, 'IdP discovery page of an OIDC request');
      await page.getByLabel('Work email address').fill(ALICE_NAME_ID);
      // Our page's CSP says form-action 'self': the way on to the IdP (another origin) must not be a redirect Chromium refuses.
      await page.getByRole('button', { name: 'Continue' }).click();
      await signInAtIdpAndLand(page);
    });
  });

  it('prompt=login: signed in already, "Sign in again" makes our AuthnRequest ask the IdP for ForceAuthn, and the sign-in completes', async () => {
    await inChromium(async (page) => {
      await page.goto(`${demo.origin}/`);
      await page.getByRole('link', { name: 'Sign in (login_hint)' }).click();
      const first = await signInAtIdpAndLand(page);
      expect(first.authnRequest).not.toMatch(FORCE_AUTHN);

      await page.getByRole('link', { name: 'Sign in again (prompt=login)' }).click();
      const again = await signInAtIdpAndLand(page);
      expect(again.authnRequest).toMatch(FORCE_AUTHN);
      expect(again.sub).toBe(first.sub);
    });
  });

  it('logout: Sign out → our "Sign out of Dashboard?" page → Yes → the demo app\'s signed-out page', async () => {
    await inChromium(async (page) => {
      await page.goto(`${demo.origin}/`);
      await page.getByRole('link', { name: 'Sign in (login_hint)' }).click();
      await signInAtIdpAndLand(page);

      await page.getByRole('link', { name: 'Sign out' }).click();
      await page.waitForURL((url) => url.href.startsWith(`${journey.base}/${journey.saasid}/session/end`));
      await expect(heading(page)).resolves.toBe('Sign out of Dashboard?');
      await expectAccessible(page, 'sign-out confirmation');
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await page.waitForURL(demo.postLogoutRedirectUri);
      await expect(heading(page)).resolves.toBe('Signed out');
    });
  });

  it('logout once our session has gone: no question to answer, straight to the demo app\'s signed-out page', async () => {
    await inChromium(async (page) => {
      await page.goto(`${demo.origin}/`);
      await page.getByRole('link', { name: 'Sign in (login_hint)' }).click();
      await signInAtIdpAndLand(page);
      // Our sign-in session ends (expired, or cleared by the user); the demo app's own session stays.
      await page.context().clearCookies({ name: /^ssb_oidc_session/ });
      expect((await page.context().cookies()).map((c) => c.name)).toContain('demo_session');

      await page.getByRole('link', { name: 'Sign out' }).click();
      // The library's page posts its form by itself (an inline script our CSP allows by its hash) on to the app.
      await page.waitForURL(demo.postLogoutRedirectUri);
      await expect(heading(page)).resolves.toBe('Signed out');
    });
  });

  it('no hint, a customer whose sign-in is disabled: the app hears access_denied at its callback', async () => {
    const key = await customerIdpKey();
    await journey.app.services.customers.putCustomer(operatorActor(journey.accountId), DISABLED_IDP_ID, {
      entityId: `https://idp.${DISABLED_IDP_ID}/saml`,
      ssoUrl: `https://idp.${DISABLED_IDP_ID}/sso`,
      certificates: [key.certificatePem],
      emailDomains: [DISABLED_IDP_ID],
      applications: [journey.saasid],
      multiplexed: true,
      enabled: false,
    });
    await inChromium(async (page) => {
      await page.goto(`${demo.origin}/`);
      await page.getByRole('link', { name: 'Sign in', exact: true }).click();
      await expect(heading(page)).resolves.toBe('Sign in with your company account');
      await page.getByLabel('Work email address').fill(`alice@${DISABLED_IDP_ID}`);
      // The answer to our form goes to the app (another origin): Chromium must not stop it under form-action 'self'.
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL((url) => url.href.startsWith(demo.redirectUri));
      await expect(heading(page)).resolves.toBe('Sign-in failed');
      await expect(page.locator('#error').textContent()).resolves.toBe('access_denied');
    });
  });

  it('an unregistered redirect_uri: our styled error page, and no redirect anywhere', async () => {
    const config = await journey.discover();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: `${demo.origin}/not-registered`,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: client.randomState(),
      login_hint: ALICE_NAME_ID,
    });
    await inChromium(async (page) => {
      const response = await page.goto(authorizationUrl.href);
      expect(response?.status()).toBe(400);
      expect(response?.request().redirectedFrom()).toBeNull();
      expect(page.url()).toBe(authorizationUrl.href);
      await expect(heading(page)).resolves.toBe('Sign-in failed');
      await expect(page.locator('main code').first().textContent()).resolves.toBe('invalid_redirect_uri');
      // Styled: our stylesheets loaded under our CSP and apply (a blocked sheet has no readable rules).
      const sheets = await page.evaluate(() =>
        [...document.styleSheets].map((sheet) => {
          try {
            return { path: new URL(sheet.href ?? 'about:blank').pathname, rules: sheet.cssRules.length };
          } catch {
            return { path: new URL(sheet.href ?? 'about:blank').pathname, rules: 0 };
          }
        }),
      );
      expect(sheets).toEqual([
        { path: '/public/console.css', rules: expect.any(Number) as number },
        { path: '/public/end-user.css', rules: expect.any(Number) as number },
      ]);
      expect(sheets.every((sheet) => sheet.rules > 0), JSON.stringify(sheets)).toBe(true);
      await expect(page.locator('section.card').evaluate((card) => getComputedStyle(card).paddingTop)).resolves.not.toBe('0px');
      await expectAccessible(page, 'OIDC error page');
    });
  });
});
