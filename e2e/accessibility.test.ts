import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_IDP, CUSTOMER_SSO, customerIdpKey, idpResponse } from '../test/helpers/sso-fixture.js';
import { operatorActor, restAppInput, samlAppInput } from '../test/helpers/test-app.js';
import { createDefaultAccountAdmin, launchChromium, newConsoleContext, signIn, startConsoleServer, type AdminLogin, type ConsoleServer } from './helpers/console-browser.js';
import { registeredRoutePatterns } from './helpers/registered-routes.js';
import { oidcAppInput } from '../test/helpers/oidc-app-input.js';

/** An iPhone 12–15 in portrait, and an ordinary laptop. */
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const ACS = 'http://localhost:8080/sso/sp/ACS.saml2';
/** The longest kind of idpId people use: a URL-like name that does not break at spaces. */
const LONG_IDP_ID = 'customer001-production-identity-provider-for-the-emea-region.example.com';
const POST_IDP_ID = 'post-binding.example.org';

/** Console GET routes that answer something other than an HTML page (a file to download). */
const NOT_PAGES = new Set(['/console/customer-connections/idp/:idpId/metadata.xml', '/console/account/audit-log/export']);
/** Pages whose plain URL is an answer other than 200: the setup page without a setup link. */
const STATUS_OF: Record<string, number> = { '/console/setup': 404, '/console/join': 404 };

let server: ConsoleServer;
let browser: Browser;
let login: AdminLogin;
/** Concrete URLs for every parameterised console route, from the data seeded below. */
let urlsOf: Record<string, string[]>;
let discoveryUrl: string;
let postBindingStartUrl: string;
let samlAppSaasid: string;
let oidcAppSaasid: string;
let setupUrl: string;
/** An administrator invitation's page (Account › Administrators). */
let joinUrl: string;
let connectionApiCredentialId: string;
let missingAttributeRequestId: string;
/** The self-service portal of a customer whose IdP is saved (its attribute mapping and certificates shown), and a revoked link. */
let portalPath: string;
let revokedPortalPath: string;

beforeAll(async () => {
  server = await startConsoleServer();
  browser = await launchChromium();
  const { app } = server;
  login = await createDefaultAccountAdmin(app, 'a11y@example.com');
  const actor = operatorActor(login.accountId);
  const rest = await app.services.applications.createApplication(actor, restAppInput('Billing', { requiredAttributes: [{ name: 'email', required: true }, { name: 'groups', required: false }] }));
  const saml = await app.services.applications.createApplication(actor, samlAppInput('Analytics'));
  samlAppSaasid = saml.saasid;
  // An OIDC app with its two client secrets (the second one deletable, so its confirmation page exists).
  const oidc = await app.services.applications.createApplication(actor, oidcAppInput('Dashboard'));
  await app.services.oidcClientSecrets.addSecret(actor, oidc.saasid);
  oidcAppSaasid = oidc.saasid;
  const connectionApi = await app.services.credentials.createConnectionApiCredential(actor, { description: 'Provisioning backend' });
  connectionApiCredentialId = connectionApi.credential.id;
  const appCredential = await app.services.credentials.createApplicationCredential(actor, { saasid: rest.saasid, description: 'Billing backend' });
  const renewal = await app.services.signingKeys.addRenewalKey(actor);
  // A webhook endpoint (its page shows the delivery log: the customers created below queue deliveries to it).
  const webhook = await app.services.webhooks.createEndpoint(actor, { url: 'https://hooks.example.com/ssobridge', description: 'Billing backend' });
  // An invited customer (a setup link, no IdP saved yet): its row in the customer list and its setup-links page.
  await app.services.setupLinks.createSetupLink(actor, 'invited.example', { contactEmail: 'it-admin@invited.example' });
  const key = await customerIdpKey();
  await app.services.customers.putCustomer(actor, LONG_IDP_ID, {
    entityId: CUSTOMER_IDP,
    ssoUrl: CUSTOMER_SSO,
    certificates: [key.certificatePem],
    emailDomains: ['customer001.com'],
    applications: [rest.saasid, saml.saasid],
    multiplexed: true,
  });
  portalPath = new URL((await app.services.setupLinks.createSetupLink(actor, LONG_IDP_ID, {})).url).pathname;
  const revoked = await app.services.setupLinks.createSetupLink(actor, LONG_IDP_ID, {});
  await app.services.setupLinks.revokeSetupLink(actor, LONG_IDP_ID, revoked.id);
  revokedPortalPath = new URL(revoked.url).pathname;
  await app.services.customers.putCustomer(actor, POST_IDP_ID, {
    entityId: 'https://idp.post-binding.example.org/saml',
    ssoUrl: 'https://idp.post-binding.example.org/sso',
    ssoBinding: 'post',
    certificates: [key.certificatePem],
    applications: [rest.saasid],
  });

  // The sign-in log: a success, a refusal, and a login missing an attribute the app requires.
  const audience = `http://localhost:8080/saml/sp/${login.accountId}`;
  const acs = (samlResponse: string) =>
    app.inject({ method: 'POST', url: `/sso/sp/ACS.saml2?saasid=${rest.saasid}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ SAMLResponse: samlResponse }).toString() });
  const answers = [
    await acs(idpResponse(key, { destination: ACS, audience, inResponseTo: null })),
    await acs(idpResponse(key, { destination: ACS, audience: 'https://someone-else.example.com/sp', inResponseTo: null })),
    await acs(idpResponse(key, { destination: ACS, audience, inResponseTo: null, attributes: { mail: ['alice@customer001.com'] } })),
  ];
  expect(answers.map((a) => a.statusCode), answers.map((a) => a.body.slice(0, 300)).join('\n')).toEqual([200, 303, 303]);
  missingAttributeRequestId = new URL(answers[2]!.headers.location as string).searchParams.get('request_id')!;

  const { account: unclaimed } = await app.services.accounts.createAccount(operatorActor, 'Not yet set up');
  setupUrl = `/console/setup?token=${await app.services.accounts.issueSetupToken(unclaimed.id)}`;
  discoveryUrl = `/sso/sp/initsso?saasid=${rest.saasid}`;
  postBindingStartUrl = `/sso/sp/initsso?saasid=${rest.saasid}&idpid=${POST_IDP_ID}`;

  // A second administrator (their remove and reset pages), and an open invitation for a third.
  const inviter = { kind: 'admin' as const, id: 'a11y', label: login.email, accountId: login.accountId, sourceIp: '127.0.0.1' };
  const secondAdmin = await app.services.admins.createAdmin(actor, login.accountId, { email: 'second-admin@example.com', password: 'correct horse battery staple' });
  joinUrl = new URL((await app.services.admins.inviteAdmin(inviter, { email: 'invited-admin@example.com' })).url).search;
  joinUrl = `/console/join${joinUrl}`;

  const idp = encodeURIComponent(LONG_IDP_ID);
  urlsOf = {
    '/console/account/administrators/:adminId/remove': [`/console/account/administrators/${secondAdmin.id}/remove`],
    '/console/account/administrators/:adminId/reset-mfa': [`/console/account/administrators/${secondAdmin.id}/reset-mfa`],
    '/console/account/integration/connection-api/:id/delete': [`/console/account/integration/connection-api/${connectionApi.credential.id}/delete`],
    '/console/account/integration/application/:id/delete': [`/console/account/integration/application/${appCredential.credential.id}/delete`],
    '/console/account/signing-keys/:id/delete': [`/console/account/signing-keys/${renewal.id}/delete`],
    '/console/account/webhooks/:id': [`/console/account/webhooks/${webhook.endpoint.id}`],
    '/console/account/webhooks/:id/delete': [`/console/account/webhooks/${webhook.endpoint.id}/delete`],
    '/console/applications/new/:kind': ['/console/applications/new/rest', '/console/applications/new/saml', '/console/applications/new/oidc'],
    '/console/applications/:saasid': [`/console/applications/${rest.saasid}`, `/console/applications/${saml.saasid}`, `/console/applications/${oidc.saasid}`],
    '/console/applications/:saasid/secrets/:secretId/delete': [`/console/applications/${oidc.saasid}/secrets/${oidc.firstClientSecret!.view.id}/delete`],
    '/console/applications/:saasid/delete': [`/console/applications/${rest.saasid}/delete`],
    '/console/applications/:saasid/test': [`/console/applications/${rest.saasid}/test`, `/console/applications/${oidc.saasid}/test`],
    '/console/customer-connections/idp/:idpId': [`/console/customer-connections/idp/${idp}`, `/console/customer-connections/idp/${POST_IDP_ID}`],
    '/console/customer-connections/idp/:idpId/sign-in-log': [`/console/customer-connections/idp/${idp}/sign-in-log`],
    '/console/customer-connections/idp/:idpId/edit': [`/console/customer-connections/idp/${idp}/edit`],
    '/console/customer-connections/idp/:idpId/delete': [`/console/customer-connections/idp/${idp}/delete`],
    '/console/customer-connections/idp/:idpId/applications/:saasid/remove': [`/console/customer-connections/idp/${idp}/applications/${rest.saasid}/remove`],
    '/console/customer-connections/idp/:idpId/configuration': [`/console/customer-connections/idp/${idp}/configuration`],
    '/console/customer-connections/idp/:idpId/setup-links': [`/console/customer-connections/idp/${idp}/setup-links`, '/console/customer-connections/idp/invited.example/setup-links'],
  };
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Every console page a signed-in admin can open: each registered GET route, with its parameters filled in. */
function consolePageUrls(): string[] {
  const urls: string[] = [];
  const unfilled: string[] = [];
  for (const pattern of registeredRoutePatterns(server.app, 'GET')) {
    if (!pattern.startsWith('/console') || NOT_PAGES.has(pattern)) continue;
    if (pattern.includes(':') || pattern.includes('*')) {
      const filled = urlsOf[pattern];
      if (filled) urls.push(...filled);
      else unfilled.push(pattern);
    } else urls.push(pattern);
  }
  // A new page with a path parameter needs seeded data here; failing is how the test says so.
  expect(unfilled, 'console routes with parameters that this test does not know how to fill').toEqual([]);
  return urls;
}

/** Each viewport's problems on one page: horizontal overflow (phone only) and serious or critical axe findings. */
async function problemsOf(page: Page, label: string, viewport: { width: number; height: number }): Promise<string[]> {
  const problems: string[] = [];
  if (viewport.width === PHONE.width) {
    const overflow = await page.evaluate((width) => {
      const scrollWidth = document.documentElement.scrollWidth;
      if (scrollWidth <= width) return null;
      // Name the widest culprits, outermost first, so the failure says what to fix.
      const wide = [...document.body.querySelectorAll('*')]
        .filter((e) => e.getBoundingClientRect().right > width + 1 && !e.parentElement?.closest('.table-scroll'))
        .slice(0, 4)
        .map((e) => `${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string' ? `.${e.className.trim().split(/\s+/).join('.')}` : ''} (right edge ${Math.round(e.getBoundingClientRect().right)} px)`);
      return `scrollWidth ${scrollWidth} px > ${width} px: ${wide.join(', ')}`;
    }, viewport.width);
    if (overflow) problems.push(`${label} at ${viewport.width} px: horizontal page scroll, ${overflow}`);
  }
  const results = await new AxeBuilder({ page }).analyze();
  for (const v of results.violations) {
    if (v.impact !== 'serious' && v.impact !== 'critical') continue;
    const targets = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
    problems.push(`${label} at ${viewport.width} px: ${v.id} (${v.impact}) ${v.help}: ${targets}`);
  }
  return problems;
}

/**
 * A fresh context at this size. The phone is emulated as a phone (isMobile), so that a page
 * without `<meta name="viewport">` is laid out 980 px wide and zoomed out, as a real phone would.
 */
async function openPage(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }> {
  const phone = viewport.width === PHONE.width;
  const context = phone
    ? await browser.newContext({ baseURL: server.baseUrl, locale: 'en-US', viewport, isMobile: true, hasTouch: true, deviceScaleFactor: 3 })
    : await newConsoleContext(browser, server.baseUrl);
  if (phone) {
    context.setDefaultTimeout(10_000);
    context.setDefaultNavigationTimeout(15_000);
  }
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  // Nothing leaves the test server. An IdP or app answers 204, which makes a browser stay on the
  // page that sent it there (auto-post, meta refresh), so that page can be checked.
  await page.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => route.fulfill({ status: 204 }));
  return { context, page };
}

describe('every console page and end-user page in Chromium, on a phone and on a desktop', () => {
  for (const viewport of [PHONE, DESKTOP]) {
    it(`console pages at ${viewport.width} px: no horizontal page scroll, no serious or critical axe-core violations`, async () => {
      const problems: string[] = [];
      const visit = async (page: Page, url: string, expectedStatus = 200) => {
        const response = await page.goto(url);
        expect(response?.status(), `GET ${url}`).toBe(expectedStatus);
        expect(response?.headers()['content-type'], `GET ${url}`).toContain('text/html');
        problems.push(...(await problemsOf(page, url, viewport)));
      };

      // Signed out: the sign-in page (also with its error), the setup page and a used setup link.
      const { context: anonymous, page: signedOut } = await openPage(viewport);
      await visit(signedOut, '/console/sign-in');
      await signedOut.getByLabel('Email address').fill(login.email);
      await signedOut.getByLabel('Password').fill('not the password');
      await signedOut.getByRole('button', { name: 'Sign in' }).click();
      await signedOut.getByRole('alert').waitFor();
      problems.push(...(await problemsOf(signedOut, 'sign-in page with an error', viewport)));
      await visit(signedOut, setupUrl);
      await visit(signedOut, '/console/setup?token=used-or-expired', 404);
      await visit(signedOut, joinUrl);
      await visit(signedOut, '/console/join?token=used-or-expired', 404);
      await anonymous.close();

      const { context, page } = await openPage(viewport);
      await signIn(page, login);
      const urls = consolePageUrls();
      expect(urls.length).toBeGreaterThan(25);
      for (const url of urls) await visit(page, url, STATUS_OF[url]);
      // Pages that only a form shows: a credential's edit form, and a form re-rendered with errors.
      await visit(page, `/console/account/integration/connection-api?edit=${connectionApiCredentialId}`);
      await page.goto('/console/applications/new/rest');
      // The server's own messages: past the browser's checks of required fields (noValidate).
      const save = page.locator('form button[type=submit]').last();
      await Promise.all([page.waitForNavigation(), save.evaluate((b) => {
        const button = b as HTMLButtonElement;
        button.form!.noValidate = true;
        button.form!.requestSubmit(button);
      })]);
      await page.getByRole('alert').first().waitFor();
      problems.push(...(await problemsOf(page, 'application form with errors', viewport)));
      await visit(page, '/console/no-such-page', 404);
      await context.close();

      expect(problems).toEqual([]);
    }, 300_000);

    it(`end-user pages at ${viewport.width} px: IdP discovery, SSO error, auto-post, the setup portal`, async () => {
      const problems: string[] = [];
      const { context, page } = await openPage(viewport);
      // The auto-post pages submit themselves through autopost.js; stopping it keeps the page in view.
      await page.route('**/public/autopost.js', (route) => route.fulfill({ contentType: 'text/javascript', body: '' }));

      expect((await page.goto(discoveryUrl))?.status()).toBe(200);
      problems.push(...(await problemsOf(page, 'IdP discovery page', viewport)));
      await page.getByLabel(/email/i).fill('someone@unknown.example');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('alert').waitFor();
      problems.push(...(await problemsOf(page, 'IdP discovery page with an error', viewport)));
      // A known email domain: the page that sends the browser on to the customer's IdP.
      await page.getByLabel(/email/i).fill('someone@customer001.com');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL('**/sso/sp/discover');
      problems.push(...(await problemsOf(page, 'IdP discovery hand-off to the IdP', viewport)));

      expect((await page.goto('/sso/sp/initsso?saasid=00000000-0000-4000-8000-000000000000'))?.status()).toBe(404);
      problems.push(...(await problemsOf(page, 'SSO error page', viewport)));

      // oidc-provider's own error page in our layout: an unregistered redirect_uri, answered without a redirect.
      const oidcError = new URLSearchParams({ client_id: oidcAppSaasid, redirect_uri: 'https://not-registered.example/cb', response_type: 'code', scope: 'openid' });
      expect((await page.goto(`/sso/as/authorization.oauth2?${oidcError.toString()}`))?.status()).toBe(400);
      problems.push(...(await problemsOf(page, 'OIDC error page', viewport)));

      expect((await page.goto(postBindingStartUrl))?.status()).toBe(200);
      await page.locator('form#autopost').waitFor({ state: 'attached' });
      problems.push(...(await problemsOf(page, 'auto-post page to the IdP', viewport)));

      // The auto-post page to a SAML application, after an IdP-initiated sign-in the browser posts.
      const key = await customerIdpKey();
      const samlResponse = idpResponse(key, { destination: ACS, audience: `http://localhost:8080/saml/sp/${login.accountId}`, inResponseTo: null });
      await page.goto('/console/sign-in');
      await Promise.all([
        page.waitForURL(`**/sso/sp/ACS.saml2?saasid=${samlAppSaasid}`),
        page.evaluate(
          ({ action, value }) => {
            const form = document.createElement('form');
            form.method = 'post';
            form.action = action;
            const input = document.createElement('input');
            input.name = 'SAMLResponse';
            input.value = value;
            form.append(input);
            document.body.append(form);
            form.submit();
          },
          { action: `/sso/sp/ACS.saml2?saasid=${samlAppSaasid}`, value: samlResponse },
        ),
      ]);
      await page.locator('form#autopost').waitFor({ state: 'attached' });
      problems.push(...(await problemsOf(page, 'auto-post page to the application', viewport)));

      // The customer admin's self-service portal, and the page a revoked link opens to.
      expect((await page.goto(portalPath))?.status()).toBe(200);
      problems.push(...(await problemsOf(page, 'setup portal', viewport)));
      expect((await page.goto(revokedPortalPath))?.status()).toBe(410);
      problems.push(...(await problemsOf(page, 'revoked setup link page', viewport)));
      await context.close();

      expect(problems).toEqual([]);
    }, 120_000);
  }
});

describe('Account › Sign-in log in Chromium', () => {
  it('cuts long IDs to one line with an ellipsis, copies their full value, and names the missing attribute', async () => {
    const { context, page } = await openPage(DESKTOP);
    await signIn(page, login);
    await page.goto('/console/account/sign-in-log');
    const failure = page.getByRole('table', { name: 'Sign-in attempts' }).getByRole('row').filter({ hasText: 'REQUIRED_ATTRIBUTE_MISSING' });
    await expect(failure.textContent()).resolves.toContain('Required attribute "email" was not sent. The identity provider sent 1 attribute: "mail".');

    for (const [name, value] of [['idpId', LONG_IDP_ID], ['request ID', missingAttributeRequestId]] as const) {
      const shown = failure.locator(`[title="${value}"]`);
      // The full value is the element's text (screen readers, selection), cut on screen to one line.
      await expect(shown.textContent()).resolves.toBe(value);
      const box = await shown.evaluate((e) => ({ cut: e.scrollWidth > e.clientWidth, ellipsis: getComputedStyle(e).textOverflow, oneLine: e.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(e).fontSize) * 1.5 }));
      expect(box, name).toEqual({ cut: true, ellipsis: 'ellipsis', oneLine: true });
      const button = failure.getByRole('button', { name: `Copy ${name}`, exact: true });
      await button.click();
      await button.evaluate((b) => new Promise<void>((resolve) => (b.textContent === 'Copied' ? resolve() : new MutationObserver(() => b.textContent === 'Copied' && resolve()).observe(b, { childList: true }))));
      await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(value);
    }
    await context.close();
  });
});
