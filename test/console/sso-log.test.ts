import { afterAll, describe, expect, it } from 'vitest';
import { ssoReasonDescriptions } from '../../src/domain/sso/sso-reasons.js';
import { escapeHtml } from '../../src/http/views/html.js';
import { samlChecks } from '../../src/saml/saml-checks.js';
import type { App } from '../../src/app.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { ConsoleClient } from '../helpers/console-client.js';
import { signedInAdmin, unescapeHtml } from '../helpers/console-admin.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { authnRequestFromRedirect, CUSTOMER_IDP, CUSTOMER_SSO, idpResponse, ssoSetUp } from '../helpers/sso-fixture.js';
import { operatorActor } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const ACS = 'http://localhost:8080/sso/sp/ACS.saml2';
const CUSTOMER_LOG = '/console/customer-connections/idp/customer001.com/sign-in-log';
const ACCOUNT_LOG = '/console/account/sign-in-log';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** An admin of the account ssoSetUp made, signed in through the console's form. */
async function adminOf(app: App, accountId: string): Promise<ConsoleClient> {
  const email = `admin-${accountId.slice(0, 8)}@example.com`;
  await app.services.admins.createAdmin(operatorActor(accountId), accountId, { email, password: 'correct horse battery staple' });
  const browser = new ConsoleClient(app);
  const res = await browser.signIn(email, 'correct horse battery staple');
  expect(res.statusCode).toBe(303);
  return browser;
}

/** The rows of the sign-in log table, as text cells (Copy buttons left out, tags stripped, entities decoded). */
function logRows(html: string): string[][] {
  const table = /<table class="data sign-in-log"[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) =>
      unescapeHtml(cell[1]!.replace(/<button[\s\S]*?<\/button>/g, '').replace(/<br>/g, ' ').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim()),
    ),
  );
}

const assertionIdOf = (samlResponse: string) => /<saml:Assertion [^>]*ID="([^"]+)"/.exec(Buffer.from(samlResponse, 'base64').toString('utf8'))![1]!;

describe.each(testDialects)('console: sign-in log (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function setUp() {
    const instance = await apps.start();
    const s = await ssoSetUp(instance.app);
    const browser = await adminOf(instance.app, s.accountId);
    return { app: instance.app, clock: instance.clock, s, browser };
  }

  const post = (app: App, url: string, fields: Record<string, string>) =>
    app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(fields) });

  it("shows a customer's logins with time, outcome, reason, application, assertion ID and request ID, and never the SAML message", async () => {
    const { app, s, browser } = await setUp();
    const audience = `http://localhost:8080/saml/sp/${s.accountId}`;

    // An IdP-initiated login for the wrong audience: refused, sent to the app's error URL.
    const wrong = idpResponse(s.idpKey, { destination: ACS, audience: 'https://someone-else.example.com/sp', inResponseTo: null });
    const refused = await post(app, `/sso/sp/ACS.saml2?saasid=${s.rest.saasid}`, { SAMLResponse: wrong });
    expect(refused.statusCode).toBe(303);
    const refusedAt = new URL(refused.headers.location as string);
    expect(refusedAt.searchParams.get('error')).toBe('WRONG_AUDIENCE');
    const refusedRequestId = refusedAt.searchParams.get('request_id')!;

    // An SP-initiated login that succeeds.
    const started = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com` });
    const request = authnRequestFromRedirect(started.headers.location as string);
    const good = idpResponse(s.idpKey, { destination: ACS, audience, inResponseTo: request.id });
    const accepted = await post(app, '/sso/sp/ACS.saml2', { SAMLResponse: good, RelayState: request.relayState });
    expect(accepted.statusCode, accepted.body).toBe(200);

    const detail = await browser.get('/console/customer-connections/idp/customer001.com');
    expect(detail.body).toContain(`<a href="${CUSTOMER_LOG}" class="button">Sign-in log</a>`);
    expect(detail.body).toContain(`href="${escapeHtml(`${CUSTOMER_LOG}?saasid=${s.rest.saasid}`)}"`);

    const page = await browser.get(CUSTOMER_LOG);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>Sign-in log of customer001.com</h1>');
    const rows = logRows(page.body);
    expect(rows).toHaveLength(2);
    // Newest first: the success, then the refusal.
    const [success, failure] = rows;
    expect(success![1]).toBe('Success');
    expect(success![2]).toBe(`OK ${ssoReasonDescriptions.OK}`);
    expect(success![3]).toBe('Billing');
    expect(success![4]).toBe(assertionIdOf(good));
    expect(success![5]).toMatch(/^[0-9a-f-]{36}$/);
    expect(success![0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(failure![1]).toBe('Failure');
    // The admin sees which rule of the SAML specification the response broke.
    const audienceRule = samlChecks.find((check) => check.reason === 'WRONG_AUDIENCE')!.rule;
    expect(failure![2]).toBe(`WRONG_AUDIENCE ${ssoReasonDescriptions.WRONG_AUDIENCE} Rule: ${audienceRule}.`);
    expect(failure![3]).toBe('Billing');
    // Its signature never verified, so its assertion ID is not trusted enough to show.
    expect(failure![4]).toBe('none');
    expect(failure![5]).toBe(refusedRequestId);

    // What the IdP sent stays out of the log: no SAMLResponse, no assertion XML, no user data.
    for (const body of [page.body, (await browser.get(ACCOUNT_LOG)).body]) {
      for (const samlResponse of [wrong, good]) {
        expect(body).not.toContain(samlResponse.slice(0, 40));
        expect(body).not.toContain(samlResponse.slice(-60, -20));
      }
      expect(body).not.toMatch(/saml:Assertion|saml:Subject|SAMLResponse|AttributeValue|X509Certificate/);
      expect(body).not.toContain('alice@customer001.com');
      expect(body).not.toContain('admins');
    }
  });

  it('filters by application and outcome, on the customer page and on Account › Sign-in log', async () => {
    const { app, s, browser } = await setUp();
    const audience = `http://localhost:8080/saml/sp/${s.accountId}`;
    // Success to the SAML app, success and failure to the REST app, and a refusal before any IdP was known.
    expect((await post(app, `/sso/sp/ACS.saml2?saasid=${s.saml.saasid}`, { SAMLResponse: idpResponse(s.idpKey, { destination: ACS, audience, inResponseTo: null }) })).statusCode).toBe(200);
    expect((await post(app, `/sso/sp/ACS.saml2?saasid=${s.rest.saasid}`, { SAMLResponse: idpResponse(s.idpKey, { destination: ACS, audience, inResponseTo: null }) })).statusCode).toBe(200);
    const expired = idpResponse(s.idpKey, { destination: ACS, audience, inResponseTo: null, now: Date.now() - 60 * 60_000 });
    expect(new URL((await post(app, `/sso/sp/ACS.saml2?saasid=${s.rest.saasid}`, { SAMLResponse: expired })).headers.location as string).searchParams.get('error')).toBe('EXPIRED');
    const badAppUrl = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&appurl=${encodeURIComponent('https://evil.example.net/')}` });
    expect(new URL(badAppUrl.headers.location as string).searchParams.get('error')).toBe('INVALID_APP_URL');

    const account = await browser.get(ACCOUNT_LOG);
    expect(account.statusCode).toBe(200);
    expect(account.body).toContain(`<a href="${ACCOUNT_LOG}" aria-current="page">Sign-in log</a>`);
    const all = logRows(account.body);
    // Time, outcome, reason, customer, application, assertion ID, request ID.
    expect(all.map((r) => [r[1], r[2]!.split(' ')[0], r[3], r[4]])).toEqual([
      ['Failure', 'INVALID_APP_URL', 'not known', 'Billing'],
      ['Failure', 'EXPIRED', 'customer001.com', 'Billing'],
      ['Success', 'OK', 'customer001.com', 'Billing'],
      ['Success', 'OK', 'customer001.com', 'Analytics'],
    ]);
    expect(account.body).toMatch(/<a href="\/console\/customer-connections\/idp\/customer001\.com" class="log-id" id="log-\d+-idpid" title="customer001\.com">customer001\.com<\/a>/);

    const failures = await browser.get(`${ACCOUNT_LOG}?outcome=failure&saasid=${s.rest.saasid}`);
    expect(logRows(failures.body).map((r) => r[2]!.split(' ')[0])).toEqual(['INVALID_APP_URL', 'EXPIRED']);
    expect(failures.body).toMatch(new RegExp(`<option value="${s.rest.saasid}" selected>Billing</option>`));
    expect(failures.body).toContain('<option value="failure" selected>Failures</option>');
    expect(failures.body).toContain(`<a href="${ACCOUNT_LOG}" class="button">Clear</a>`);
    const samlSuccesses = await browser.get(`${ACCOUNT_LOG}?outcome=success&saasid=${s.saml.saasid}`);
    expect(logRows(samlSuccesses.body).map((r) => r[4])).toEqual(['Analytics']);

    // The customer page shows only attempts through that customer, and can narrow to one connection.
    const customer = await browser.get(`${CUSTOMER_LOG}?saasid=${s.rest.saasid}`);
    expect(logRows(customer.body).map((r) => [r[1], r[2]!.split(' ')[0], r[3]])).toEqual([
      ['Failure', 'EXPIRED', 'Billing'],
      ['Success', 'OK', 'Billing'],
    ]);
    const none = await browser.get(`${CUSTOMER_LOG}?saasid=${s.saml.saasid}&outcome=failure`);
    expect(none.body).toContain('No sign-in attempts match.');
  });

  it('pages through older events with the filters kept', async () => {
    const { app, s, browser } = await setUp();
    // A disabled customer refuses each sign-in at once: 53 quick, real failures through customer001.com.
    await app.services.customers.putCustomer(s.actor, 'customer001.com', { entityId: CUSTOMER_IDP, ssoUrl: CUSTOMER_SSO, certificates: [s.idpKey.certificatePem], enabled: false, applications: [s.rest.saasid] });
    for (let i = 0; i < 53; i++) {
      const res = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com` });
      expect(new URL(res.headers.location as string).searchParams.get('error')).toBe('IDP_DISABLED');
    }
    const first = await browser.get(`${CUSTOMER_LOG}?outcome=failure`);
    expect(logRows(first.body)).toHaveLength(50);
    expect(first.body).not.toContain('Newest events');
    const older = /<a href="([^"]+)" rel="next">Older events<\/a>/.exec(first.body)![1]!;
    expect(unescapeHtml(older)).toMatch(new RegExp(`^${CUSTOMER_LOG}\\?outcome=failure&before=\\d+$`));
    const second = await browser.get(unescapeHtml(older));
    const rows = logRows(second.body);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r[2]!.startsWith('IDP_DISABLED '))).toBe(true);
    expect(second.body).not.toContain('rel="next"');
    expect(second.body).toContain(`<a href="${CUSTOMER_LOG}?outcome=failure">Newest events</a>`);
    // No event is shown twice or skipped.
    const requestIds = [...logRows(first.body), ...rows].map((r) => r[5]);
    expect(new Set(requestIds).size).toBe(53);
  });

  it('answers 404 for an unknown customer, explains a garbled filter, and shows one account only', async () => {
    const { app, s, browser } = await setUp();
    await post(app, `/sso/sp/ACS.saml2?saasid=${s.rest.saasid}`, { SAMLResponse: idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null }) });

    const unknown = await browser.get('/console/customer-connections/idp/nobody.example/sign-in-log');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('No customer with idpId &quot;nobody.example&quot; in this account.');
    const garbled = await browser.get(`${ACCOUNT_LOG}?outcome=maybe&before=abc`);
    expect(garbled.statusCode).toBe(400);
    expect(garbled.body).toContain('Outcome: must be &quot;success&quot; or &quot;failure&quot;');
    expect(garbled.body).toContain('Older events cursor: must be a number');

    // Another account's admin sees none of it, and cannot open this account's customer.
    const other = await signedInAdmin(app, 'Other SaaS');
    expect((await other.browser.get(ACCOUNT_LOG)).body).toContain('No sign-in attempts yet.');
    expect((await other.browser.get(CUSTOMER_LOG)).statusCode).toBe(404);
    // Signed-out visitors are sent to sign in.
    const anonymous = await app.inject({ method: 'GET', url: ACCOUNT_LOG });
    expect(anonymous.statusCode).toBe(302);
    expect(anonymous.headers.location).toMatch(/^\/console\/sign-in(\?|$)/);
  });

  it('says which required attribute was missing and which attribute names the IdP sent, bounded, never their values', async () => {
    const { app, s, browser } = await setUp();
    const audience = `http://localhost:8080/saml/sp/${s.accountId}`;
    const acs = async (attributes: Record<string, string[]>) => {
      const res = await post(app, `/sso/sp/ACS.saml2?saasid=${s.rest.saasid}`, { SAMLResponse: idpResponse(s.idpKey, { destination: ACS, audience, inResponseTo: null, attributes }) });
      expect(new URL(res.headers.location as string).searchParams.get('error')).toBe('REQUIRED_ATTRIBUTE_MISSING');
      // The app's error URL gets the reason and the request ID only, not the detail.
      expect([...new URL(res.headers.location as string).searchParams.keys()].sort()).toEqual(['error', 'request_id']);
    };
    // "mail" where the app wants "email": the classic mapping mistake.
    await acs({ mail: ['alice.secret@customer001.com'], groups: ['payroll-admins'] });
    // Sent, but empty.
    await acs({ email: [], groups: ['payroll-admins'] });
    // 25 long names: 20 are named, each cut to 100 characters.
    const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`urn:example:claims:${String(i).padStart(2, '0')}:${'x'.repeat(150)}`, [`value-${i}`]]));
    await acs(many);

    const body = (await browser.get(ACCOUNT_LOG)).body;
    const reasons = logRows(body).map((r) => r[2]!);
    const description = ssoReasonDescriptions.REQUIRED_ATTRIBUTE_MISSING;
    const cut = (i: number) => `"${`urn:example:claims:${String(i).padStart(2, '0')}:${'x'.repeat(150)}`.slice(0, 99)}…"`;
    expect(reasons).toEqual([
      `REQUIRED_ATTRIBUTE_MISSING ${description} Required attribute "email" was not sent. The identity provider sent 25 attributes: ${Array.from({ length: 20 }, (_, i) => cut(i)).join(', ')} and 5 more.`,
      `REQUIRED_ATTRIBUTE_MISSING ${description} Required attribute "email" was sent without a value. The identity provider sent 2 attributes: "email", "groups".`,
      `REQUIRED_ATTRIBUTE_MISSING ${description} Required attribute "email" was not sent. The identity provider sent 2 attributes: "mail", "groups".`,
    ]);
    for (const value of ['alice.secret@customer001.com', 'payroll-admins', 'value-0', 'value-24']) expect(body).not.toContain(value);
  });

  it('shows long IDs on one line with the full value in the element, its title and its Copy button', async () => {
    const { app, s, browser } = await setUp();
    const good = idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null });
    expect((await post(app, `/sso/sp/ACS.saml2?saasid=${s.rest.saasid}`, { SAMLResponse: good })).statusCode).toBe(200);
    const body = (await browser.get(ACCOUNT_LOG)).body;
    const assertionId = assertionIdOf(good);
    const requestId = logRows(body)[0]![6]!;
    for (const [label, value] of [['assertion ID', assertionId], ['request ID', requestId], ['idpId', 'customer001.com']] as const) {
      const element = new RegExp(`<(code|a)[^>]* class="log-id" id="(log-\\d+-[a-z]+)" title="${value}">${value}</\\1><button type="button" class="copy" data-copy="\\2" data-copied="${label} copied" aria-label="Copy ${label}">Copy</button>`);
      expect(body, label).toMatch(element);
    }
    // The table scrolls in its own labelled, focusable region, not the page.
    expect(body).toContain('<div class="table-scroll" role="region" aria-label="Sign-in attempts" tabindex="0"><table class="data sign-in-log"');
  });

  it('keeps the log of a deleted customer and application, marked as deleted', async () => {
    const { app, s, browser } = await setUp();
    await post(app, `/sso/sp/ACS.saml2?saasid=${s.saml.saasid}`, { SAMLResponse: idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null }) });
    await app.services.customers.deleteCustomer(s.actor, 'customer001.com');
    await app.services.applications.deleteApplication(s.actor, s.saml.saasid);
    const rows = logRows((await browser.get(ACCOUNT_LOG)).body);
    expect(rows).toHaveLength(1);
    expect(rows[0]![3]).toBe('deleted customer');
    expect(rows[0]![4]).toBe(`${s.saml.saasid} (deleted)`);
  });
});
