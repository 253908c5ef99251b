import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { fieldErrorText, signedInAdmin, unescapeHtml } from '../helpers/console-admin.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { idpCertificatePem, restAppInput, samlAppInput } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const APPS = '/console/applications';
const PUBLIC_URL = 'http://localhost:8080';
const URL_RULE = 'must be an https:// URL (http:// is accepted only for localhost, 127.0.0.1 and [::1])';

let certificate: string;
beforeAll(async () => {
  certificate = await idpCertificatePem();
});

/** The text of the element with this id (a copyable value: `<code id=…>` or `<pre id=…>`). */
function textOf(html: string, id: string): string | undefined {
  const match = new RegExp(`<(?:code|pre) id="${id}"[^>]*>([^<]*)</(?:code|pre)>`).exec(html);
  return match ? unescapeHtml(match[1]!) : undefined;
}

function selectedCustomer(html: string): string | undefined {
  const select = /<select id="signin-idpid"[\s\S]*?<\/select>/.exec(html)?.[0] ?? '';
  return /<option value="([^"]*)" selected>/.exec(select)?.[1];
}

describe.each(testDialects)('console: an application page (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function setUp() {
    const instance = await apps.start();
    const admin = await signedInAdmin(instance.app);
    const services = instance.app.services;
    const rest = await services.applications.createApplication(admin.actor, restAppInput('Billing'));
    const saml = await services.applications.createApplication(admin.actor, samlAppInput('Analytics'));
    const connect = (idpId: string, applications: string[]) =>
      services.customers.putCustomer(admin.actor, idpId, {
        entityId: `https://idp.${idpId}/saml`,
        ssoUrl: `https://idp.${idpId}/sso`,
        certificates: [certificate],
        applications,
      });
    return { ...admin, rest, saml, connect };
  }

  it('marks what is required and says why, including the Error URL', async () => {
    const { browser } = await setUp();
    const form = (await browser.get(`${APPS}/new/rest`)).body;
    expect(form).toContain('Every field is required unless marked');
    for (const field of ['name', 'defaultAppUrl', 'errorUrl', 'hostname']) {
      expect(form).toMatch(new RegExp(`<input id="app-${field}" name="${field}" [^>]*required`));
    }
    const errorHint = unescapeHtml(/<p class="hint" id="app-errorUrl-hint">([^<]*)<\/p>/.exec(form)![1]!);
    expect(errorHint).toContain('Required because a failed sign-in returns to your application');
    expect(errorHint).toContain('?error=<reason>&request_id=<id>');
    expect(errorHint).toContain('Must be an https:// URL (http:// is accepted only for localhost, 127.0.0.1 and [::1]).');
    const saml = (await browser.get(`${APPS}/new/saml`)).body;
    const sloInput = /<input id="app-sloUrl"[^>]*>/.exec(saml)![0];
    expect(sloInput).not.toMatch(/\brequired\b/);
    expect(/<input id="app-acsUrl"[^>]*>/.exec(saml)![0]).toMatch(/\brequired\b/);
    expect(saml).toMatch(/<label for="app-sloUrl">SLO endpoint <span class="muted">\(optional\)<\/span>/);
  });

  it('states the URL rule exactly as it is applied: http only for loopback hosts', async () => {
    const { browser } = await setUp();
    await browser.get(`${APPS}/new/rest`);
    const refused = await browser.post(`${APPS}/new/rest`, {
      submissionKey: /name="submissionKey" value="([^"]+)"/.exec(browser.lastHtml)![1]!,
      name: 'Local',
      defaultAppUrl: 'http://localhost:3000/sso',
      errorUrl: 'http://billing.example.com/sso/error',
      hostname: 'localhost:3000',
      tokenBinding: 'post',
    });
    expect(refused.statusCode).toBe(400);
    expect(fieldErrorText(refused.body, 'app-defaultAppUrl-error')).toBeUndefined();
    expect(unescapeHtml(fieldErrorText(refused.body, 'app-errorUrl-error') ?? '')).toBe(URL_RULE);
  });

  it('shows the saasid, a sign-in link for the chosen connected customer, and the token exchange', async () => {
    const { browser, rest, saml, connect } = await setUp();
    await connect('customer001.com', [rest.saasid]);
    await connect('customer002.com', [rest.saasid, saml.saasid]);
    await connect('unrelated.com', [saml.saasid]);

    const page = (await browser.get(`${APPS}/${rest.saasid}`)).body;
    expect(textOf(page, 'app-saasid')).toBe(rest.saasid);
    const options = [...(/<select id="signin-idpid"[\s\S]*?<\/select>/.exec(page)![0].matchAll(/<option value="([^"]*)"/g))].map((m) => m[1]);
    expect(options).toEqual(['', 'customer001.com', 'customer002.com']);
    expect(textOf(page, 'signin-link')).toBe(`${PUBLIC_URL}/sso/sp/initsso?saasid=${rest.saasid}`);
    // The select is a GET form on this page: it works without JavaScript.
    expect(page).toContain(`<form method="get" action="${APPS}/${rest.saasid}" class="signin-link-form">`);

    const chosen = (await browser.get(`${APPS}/${rest.saasid}?idpid=customer002.com`)).body;
    expect(selectedCustomer(chosen)).toBe('customer002.com');
    expect(textOf(chosen, 'signin-link')).toBe(`${PUBLIC_URL}/sso/sp/initsso?saasid=${rest.saasid}&idpid=customer002.com`);
    expect(textOf(chosen, 'token-exchange-curl')).toBe(`curl --user "$APP_CLIENT_ID:$APP_CLIENT_SECRET" "${PUBLIC_URL}/sso/TXS/2.0/1/$TOKENID"`);
    expect(chosen).toContain('<a href="/console/account/integration/application">Account › Integration › Application Credentials</a>');

    // The link is ready: initsso starts the sign-in at that customer's IdP.
    const started = await apps.current.app.inject({ method: 'GET', url: textOf(chosen, 'signin-link')!.slice(PUBLIC_URL.length) });
    expect(started.statusCode).toBe(302);
    expect(started.headers.location).toMatch(/^https:\/\/idp\.customer002\.com\/sso\?SAMLRequest=/);
  });

  it('does not build a link for a customer that is not connected to the application', async () => {
    const { browser, rest, saml, connect } = await setUp();
    await connect('unrelated.com', [saml.saasid]);
    const page = (await browser.get(`${APPS}/${rest.saasid}?idpid=unrelated.com`)).body;
    expect(textOf(page, 'signin-link')).toBe(`${PUBLIC_URL}/sso/sp/initsso?saasid=${rest.saasid}`);
    expect(fieldErrorText(page, 'signin-idpid-error')).toBe('unrelated.com is not a customer connected to this application.');
    expect(page).toContain('No customer is connected to this application yet');
  });

  it('shows no token exchange on a SAML application page, which receives assertions instead', async () => {
    const { browser, saml, connect } = await setUp();
    await connect('customer001.com', [saml.saasid]);
    const page = (await browser.get(`${APPS}/${saml.saasid}?idpid=customer001.com`)).body;
    expect(textOf(page, 'signin-link')).toBe(`${PUBLIC_URL}/sso/sp/initsso?saasid=${saml.saasid}&idpid=customer001.com`);
    expect(page).not.toContain('token-exchange-curl');
  });
});
