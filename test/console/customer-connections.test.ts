import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateBody, parseCertificate } from '../../src/saml/certificates.js';
import { generateSigningKeyPair } from '../../src/saml/signing-key-pair.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import type { ConsoleClient } from '../helpers/console-client.js';
import { fieldErrorText, inputValue, signedInAdmin, textareaValue, unescapeHtml } from '../helpers/console-admin.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { idpCertificatePem, restAppInput, samlAppInput } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const CUSTOMERS = '/console/customer-connections';
const customerUrl = (idpId: string) => `${CUSTOMERS}/idp/${encodeURIComponent(idpId)}`;

let certificate: string;
let rolloverCertificate: string;
beforeAll(async () => {
  certificate = await idpCertificatePem();
  rolloverCertificate = (await generateSigningKeyPair('idp-next.customer.example', Date.now())).certificatePem;
});

const idpSettings = (overrides: Record<string, unknown> = {}) => ({
  entityId: 'https://idp.customer001.com/saml',
  ssoUrl: 'https://idp.customer001.com/sso',
  certificates: [certificate],
  contactEmail: 'it@customer001.com',
  emailDomains: ['customer001.com'],
  ...overrides,
});

describe.each(testDialects)('console: Customer Connections (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function setUp() {
    const instance = await apps.start();
    const admin = await signedInAdmin(instance.app);
    const { app } = instance;
    const billing = await app.services.applications.createApplication(admin.actor, restAppInput('Billing'));
    const analytics = await app.services.applications.createApplication(admin.actor, samlAppInput('Analytics', { multiplexed: false }));
    return { app, ...admin, billing, analytics };
  }

  /** The fields the "Add"/"Edit" form posts for IdP settings entered by hand. */
  const form = (overrides: Record<string, string> = {}, connect: string[] = [], multiplexed: string[] = connect) => {
    const params = new URLSearchParams({
      source: 'fields',
      entityId: 'https://idp.customer001.com/saml',
      ssoUrl: 'https://idp.customer001.com/sso',
      ssoBinding: 'post',
      certificates: `${certificate}\n${rolloverCertificate}`,
      sloUrl: '',
      sloResponseUrl: '',
      sloBinding: '',
      metadataXml: '',
      metadataUrl: '',
      contactEmail: 'it@customer001.com',
      emailDomains: 'customer001.com, Customer001.co.uk',
      enabled: 'true',
      idpInitiatedLogin: 'true',
      ...overrides,
    });
    for (const id of connect) params.append('connect', id);
    for (const id of multiplexed) params.append('multiplexed', id);
    return params;
  };

  const postForm = (url: string, params: URLSearchParams, csrf: string | null) => browserOf().post(url, params, { csrf });
  let browserOf: () => ConsoleClient = () => {
    throw new Error('no browser');
  };
  async function open(browser: ConsoleClient, url: string) {
    browserOf = () => browser;
    return browser.get(url);
  }

  it('lists customers with search, application and status filters, and a cursor to the next page', async () => {
    const { app, browser, actor, billing, analytics } = await setUp();
    for (let i = 1; i <= 27; i++) {
      const idpId = `customer${String(i).padStart(3, '0')}.com`;
      await app.services.customers.putCustomer(actor, idpId, {
        ...idpSettings({ entityId: `https://idp.${idpId}/saml`, emailDomains: [idpId] }),
        applications: i % 3 === 0 ? [billing.saasid, analytics.saasid] : [billing.saasid],
        enabled: i !== 5,
      });
    }
    const first = await browser.get(CUSTOMERS);
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('<a href="/console/customer-connections" aria-current="page">Customer Connections</a>');
    const idpIds = (html: string) => [...html.matchAll(/<th scope="row"><a href="[^"]+">([^<]+)<\/a><\/th>/g)].map((m) => m[1]);
    expect(idpIds(first.body)).toHaveLength(25);
    expect(idpIds(first.body)[0]).toBe('customer001.com');
    const next = /<a href="([^"]+)" rel="next">Next page<\/a>/.exec(first.body)![1]!;
    const second = await browser.get(unescapeHtml(next));
    expect(idpIds(second.body)).toEqual(['customer026.com', 'customer027.com']);
    expect(second.body).not.toContain('rel="next"');
    expect(second.body).toContain('First page');

    const searched = await browser.get(`${CUSTOMERS}?q=customer01`);
    expect(idpIds(searched.body)).toEqual(['customer010.com', 'customer011.com', 'customer012.com', 'customer013.com', 'customer014.com', 'customer015.com', 'customer016.com', 'customer017.com', 'customer018.com', 'customer019.com']);
    expect(inputValue(searched.body, 'q')).toBe('customer01');

    const byApp = await browser.get(`${CUSTOMERS}?saasid=${analytics.saasid}`);
    expect(idpIds(byApp.body)).toHaveLength(9);
    expect(byApp.body).toMatch(new RegExp(`<option value="${analytics.saasid}" selected>Analytics</option>`));
    const disabled = await browser.get(`${CUSTOMERS}?enabled=false`);
    expect(idpIds(disabled.body)).toEqual(['customer005.com']);
    const combined = await browser.get(`${CUSTOMERS}?saasid=${analytics.saasid}&q=customer02`);
    expect(idpIds(combined.body)).toEqual(['customer021.com', 'customer024.com', 'customer027.com']);
    const none = await browser.get(`${CUSTOMERS}?q=nobody`);
    expect(none.body).toContain('No customer connections match.');
    const badCursor = await browser.get(`${CUSTOMERS}?cursor=garbage`);
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.body).toContain('cursor: is not a cursor returned by this API');
  });

  it('adds a customer connection from the form, with several certificates, email domains and chosen connections', async () => {
    const { app, browser, accountId, billing, analytics } = await setUp();
    const page = await open(browser, `${CUSTOMERS}/new`);
    expect(page.body).toMatch(new RegExp(`name="connect" value="${billing.saasid}" id="connect-\\d+" checked`));
    expect(page.body).toContain('This application does not use application multiplexing, so its connection must be multiplexed.');
    const res = await postForm(`${CUSTOMERS}/new`, form({ idpId: 'customer001.com', sloUrl: 'https://idp.customer001.com/slo', sloBinding: 'redirect' }, [billing.saasid, analytics.saasid]), browser.csrfToken());
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${customerUrl('customer001.com')}?notice=created`);
    const customer = await app.services.customers.getCustomer(accountId, 'customer001.com');
    expect(customer).toMatchObject({
      entityId: 'https://idp.customer001.com/saml',
      ssoUrl: 'https://idp.customer001.com/sso',
      ssoBinding: 'post',
      slo: { url: 'https://idp.customer001.com/slo', responseUrl: null, binding: 'redirect' },
      contactEmail: 'it@customer001.com',
      emailDomains: ['customer001.co.uk', 'customer001.com'],
      enabled: true,
    });
    expect(customer.certificates.map((c) => c.subject)).toEqual(['CN=idp.customer.example', 'CN=idp-next.customer.example']);
    expect(customer.applications.map((a) => [a.name, a.multiplexed]).sort()).toEqual([['Analytics', true], ['Billing', true]]);
  });

  it('shows each invalid field next to it, keeps what was typed, and stores nothing', async () => {
    const { app, browser, accountId } = await setUp();
    await open(browser, `${CUSTOMERS}/new`);
    const res = await postForm(
      `${CUSTOMERS}/new`,
      form({
        idpId: 'bad/id',
        entityId: '',
        ssoUrl: 'ftp://idp.customer001.com/sso',
        certificates: `${certificate}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----`,
        emailDomains: 'customer001.com not_a_domain',
        contactEmail: 'not an email',
        sloUrl: 'https://idp.customer001.com/slo',
      }),
      browser.csrfToken(),
    );
    expect(res.statusCode).toBe(400);
    expect(unescapeHtml(fieldErrorText(res.body, 'customer-idpId-error') ?? '')).toBe('must not contain "/"');
    expect(fieldErrorText(res.body, 'customer-entityId-error')).toMatch(/^is required/);
    expect(fieldErrorText(res.body, 'customer-ssoUrl-error')).toBe('must be an https:// URL (http:// is accepted only for localhost, 127.0.0.1 and [::1])');
    expect(unescapeHtml(fieldErrorText(res.body, 'customer-emailDomains-error') ?? '')).toBe('"not_a_domain": must be a domain name such as customer.com');
    expect(fieldErrorText(res.body, 'customer-contactEmail-error')).toBe('must be an email address');
    expect(fieldErrorText(res.body, 'customer-sloBinding-error')).toBe('single logout needs sloUrl and sloBinding together');
    expect(inputValue(res.body, 'customer-ssoUrl')).toBe('ftp://idp.customer001.com/sso');
    expect(textareaValue(res.body, 'customer-emailDomains')).toBe('customer001.com not_a_domain');
    expect((await app.services.customers.listCustomers(accountId, {})).customers).toEqual([]);

    const badCertificate = await postForm(
      `${CUSTOMERS}/new`,
      form({ idpId: 'customer001.com', certificates: `${certificate}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----` }),
      browser.csrfToken(),
    );
    expect(badCertificate.statusCode).toBe(400);
    expect(fieldErrorText(badCertificate.body, 'customer-certificates-error')).toBe('certificate 2: is not a valid X.509 certificate');
    expect((await app.services.customers.listCustomers(accountId, {})).customers).toEqual([]);
  });

  it('puts a refused connection choice next to its application', async () => {
    const { app, browser, accountId, analytics } = await setUp();
    await open(browser, `${CUSTOMERS}/new`);
    const res = await postForm(`${CUSTOMERS}/new`, form({ idpId: 'customer001.com' }, [analytics.saasid], []), browser.csrfToken());
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('is not multiplexed, so its connections must be multiplexed');
    const row = new RegExp(`name="connect" value="${analytics.saasid}" id="(connect-\\d+)"`).exec(res.body)![1]!;
    expect(fieldErrorText(res.body, `${row}-error`)).toBe('must be true for a non-multiplexed application');
    expect((await app.services.customers.listCustomers(accountId, {})).customers).toEqual([]);
  });

  it('refuses to add a customer whose idpId exists, instead of replacing it', async () => {
    const { app, browser, accountId, actor } = await setUp();
    await app.services.customers.putCustomer(actor, 'customer001.com', idpSettings());
    await open(browser, `${CUSTOMERS}/new`);
    const res = await postForm(`${CUSTOMERS}/new`, form({ idpId: 'customer001.com', ssoUrl: 'https://evil.example.com/sso' }), browser.csrfToken());
    expect(res.statusCode).toBe(409);
    expect(fieldErrorText(res.body, 'customer-idpId-error')).toBe('is already used by another customer connection; edit that one instead');
    expect((await app.services.customers.getCustomer(accountId, 'customer001.com')).ssoUrl).toBe('https://idp.customer001.com/sso');
  });

  it('shows a customer: IdP settings, certificates with subject and expiry, connections with their multiplexed flag', async () => {
    const { app, browser, actor, billing, analytics } = await setUp();
    const cn = 'customer 001 & <co>?';
    await app.services.customers.putCustomer(actor, cn, {
      ...idpSettings({ certificates: [certificate, rolloverCertificate] }),
      applications: [{ saasid: billing.saasid, multiplexed: false }, analytics.saasid],
    });
    const page = await browser.get(customerUrl(cn));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>customer 001 &amp; &lt;co&gt;?</h1>');
    expect(page.body).toContain('https://idp.customer001.com/sso');
    expect(page.body).toContain('HTTP-Redirect');
    expect(page.body).toContain('<code>CN=idp.customer.example</code>');
    expect(page.body).toContain('<code>CN=idp-next.customer.example</code>');
    const expiry = parseCertificate(certificate).notAfter;
    expect(page.body).toContain(`<time datetime="${expiry}">`);
    const row = (name: string) => page.body.slice(page.body.indexOf(`>${name}</a> <span class="muted">`)).split('</tr>')[0]!;
    expect(row('Billing')).toContain('<span class="badge off">No</span>');
    expect(row('Analytics')).toContain('<span class="badge ok">Yes</span>');
    expect(row('Billing')).toContain(`${customerUrl(cn)}/applications/${billing.saasid}/remove`);
    expect((await browser.get(customerUrl('nobody.example'))).statusCode).toBe(404);
  });

  it('edits a customer through putCustomer: new SSO URL, another domain, a cleared connection removed', async () => {
    const { app, browser, accountId, actor, billing, analytics } = await setUp();
    await app.services.customers.putCustomer(actor, 'customer001.com', { ...idpSettings(), applications: [billing.saasid, analytics.saasid] });
    const page = await open(browser, `${customerUrl('customer001.com')}/edit`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<input id="customer-idpId" readonly/);
    expect(inputValue(page.body, 'customer-ssoUrl')).toBe('https://idp.customer001.com/sso');
    expect(textareaValue(page.body, 'customer-certificates')).toBe(parseCertificate(certificate).pem.trim());
    expect(textareaValue(page.body, 'customer-emailDomains')).toBe('customer001.com');
    expect(page.body).toMatch(new RegExp(`name="connect" value="${analytics.saasid}" id="connect-\\d+" checked`));

    const res = await postForm(
      `${customerUrl('customer001.com')}/edit`,
      form({ ssoUrl: 'https://login.customer001.com/sso', ssoBinding: 'redirect', certificates: textareaValue(page.body, 'customer-certificates')!, emailDomains: 'customer001.com\ncustomer001.net' }, [billing.saasid]),
      browser.csrfToken(),
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${customerUrl('customer001.com')}?notice=saved`);
    const customer = await app.services.customers.getCustomer(accountId, 'customer001.com');
    expect(customer).toMatchObject({ ssoUrl: 'https://login.customer001.com/sso', emailDomains: ['customer001.com', 'customer001.net'] });
    expect(customer.applications.map((a) => a.name)).toEqual(['Billing']);
    // One change in the audit log, naming the connection it removed.
    const [edit, previous] = (await app.services.audit.list(accountId, { limit: 2 })).events;
    expect(edit).toMatchObject({ action: 'customer.updated', actorKind: 'admin', details: { applicationsRemoved: analytics.saasid } });
    expect(previous).toMatchObject({ action: 'customer.created' });
    expect((await browser.get(`${customerUrl('customer001.com')}?notice=saved`)).body).toContain('Customer connection saved.');

    const invalid = await postForm(`${customerUrl('customer001.com')}/edit`, form({ ssoUrl: 'nope' }, [billing.saasid]), browser.csrfToken());
    expect(invalid.statusCode).toBe(400);
    expect(fieldErrorText(invalid.body, 'customer-ssoUrl-error')).toBe('must be an https:// URL (http:// is accepted only for localhost, 127.0.0.1 and [::1])');
    expect((await app.services.customers.getCustomer(accountId, 'customer001.com')).ssoUrl).toBe('https://login.customer001.com/sso');
  });

  it('turns IdP-initiated sign-in off from the form (on for a new customer) and shows it on the customer page', async () => {
    const { app, browser, accountId, actor, billing } = await setUp();
    const checkbox = /<input type="checkbox" name="idpInitiatedLogin" value="true" ?(checked)?/;
    expect(checkbox.exec((await open(browser, `${CUSTOMERS}/new`)).body)?.[1]).toBe('checked');
    await app.services.customers.putCustomer(actor, 'customer001.com', { ...idpSettings(), applications: [billing.saasid] });
    const page = await open(browser, `${customerUrl('customer001.com')}/edit`);
    expect(checkbox.exec(page.body)?.[1]).toBe('checked');

    const cleared = form({ certificates: textareaValue(page.body, 'customer-certificates')! }, [billing.saasid]);
    cleared.delete('idpInitiatedLogin');
    const res = await postForm(`${customerUrl('customer001.com')}/edit`, cleared, browser.csrfToken());
    expect(res.statusCode, res.body).toBe(303);
    expect((await app.services.customers.getCustomer(accountId, 'customer001.com')).idpInitiatedLogin).toBe(false);
    expect((await browser.get(customerUrl('customer001.com'))).body).toContain('<dt>IdP-initiated sign-in</dt><dd><span class="badge off">Refused</span></dd>');
    expect(checkbox.exec((await browser.get(`${customerUrl('customer001.com')}/edit`)).body)?.[1]).toBeUndefined();
    const [event] = (await app.services.audit.list(accountId, { limit: 1 })).events;
    expect(event).toMatchObject({ action: 'customer.updated', actorKind: 'admin', details: { idpInitiatedLogin: false } });
  });

  it('takes the IdP settings from pasted metadata XML when that source is chosen', async () => {
    const { app, browser, accountId, billing } = await setUp();
    await open(browser, `${CUSTOMERS}/new`);
    const metadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sts.customer002.com/idp">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${certificateBody(rolloverCertificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sts.customer002.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
    // The hand-entered fields are still in the form (a browser without JS shows every panel); the source decides.
    const res = await postForm(`${CUSTOMERS}/new`, form({ idpId: 'customer002.com', source: 'metadataXml', metadataXml: metadata, emailDomains: '' }, [billing.saasid]), browser.csrfToken());
    expect(res.statusCode).toBe(303);
    expect(await app.services.customers.getCustomer(accountId, 'customer002.com')).toMatchObject({
      entityId: 'https://sts.customer002.com/idp',
      ssoUrl: 'https://sts.customer002.com/sso',
      ssoBinding: 'post',
      certificates: [expect.objectContaining({ subject: 'CN=idp-next.customer.example' })],
    });
    const broken = await postForm(`${CUSTOMERS}/new`, form({ idpId: 'customer003.com', source: 'metadataXml', metadataXml: '<md:EntityDescriptor' }), browser.csrfToken());
    expect(broken.statusCode).toBe(400);
    expect(fieldErrorText(broken.body, 'customer-metadataXml-error')).toMatch(/^The metadata /);
    const http = await postForm(`${CUSTOMERS}/new`, form({ idpId: 'customer003.com', source: 'metadataUrl', metadataUrl: 'http://idp.customer003.com/metadata' }), browser.csrfToken());
    expect(http.statusCode).toBe(400);
    expect(fieldErrorText(http.body, 'customer-metadataUrl-error')).toBe('must be an absolute https:// URL');
    expect((await app.services.customers.listCustomers(accountId, {})).customers.map((c) => c.idpId)).toEqual(['customer002.com']);
  });

  it('removes one application connection after a confirmation', async () => {
    const { app, browser, accountId, actor, billing, analytics } = await setUp();
    await app.services.customers.putCustomer(actor, 'customer001.com', { ...idpSettings(), applications: [billing.saasid, analytics.saasid] });
    const confirm = await browser.get(`${customerUrl('customer001.com')}/applications/${analytics.saasid}/remove`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('can no longer sign in to <strong>Analytics</strong>');
    const res = await browser.post(`${customerUrl('customer001.com')}/applications/${analytics.saasid}/remove`, {});
    expect(res.headers.location).toBe(`${customerUrl('customer001.com')}?notice=removed`);
    expect((await app.services.customers.getCustomer(accountId, 'customer001.com')).applications.map((a) => a.name)).toEqual(['Billing']);
  });

  it('deletes a customer after a confirmation', async () => {
    const { app, browser, accountId, actor } = await setUp();
    await app.services.customers.putCustomer(actor, 'customer001.com', idpSettings());
    const confirm = await browser.get(`${customerUrl('customer001.com')}/delete`);
    expect(confirm.body).toContain('This cannot be undone.');
    const res = await browser.post(`${customerUrl('customer001.com')}/delete`, {});
    expect(res.headers.location).toBe(`${CUSTOMERS}?notice=deleted`);
    expect((await app.services.customers.listCustomers(accountId, {})).customers).toEqual([]);
    expect((await browser.get(`${CUSTOMERS}?notice=deleted`)).body).toContain('Customer connection deleted.');
  });

  it('shows what the customer configures: entity ID, ACS URL, signing certificates, attributes and SP metadata to copy or download', async () => {
    const { app, browser, accountId, actor, billing, analytics } = await setUp();
    await app.services.customers.putCustomer(actor, 'customer001.com', { ...idpSettings(), applications: [billing.saasid, { saasid: analytics.saasid, multiplexed: true }] });
    await app.services.customers.putCustomer(actor, 'customer001.com', { ...idpSettings(), applications: [{ saasid: billing.saasid, multiplexed: false }] });
    const [configurations, keys] = await Promise.all([app.services.customers.idpConfiguration(accountId, 'customer001.com'), app.services.signingKeys.listKeys(accountId)]);
    expect(configurations).toHaveLength(2);
    const page = await browser.get(`${customerUrl('customer001.com')}/configuration`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Shared SP identity (multiplexed connections)');
    expect(page.body).toContain('SP identity for Billing (not multiplexed)');
    for (const c of configurations) {
      expect(page.body).toContain(c.entityId);
      expect(page.body).toContain(c.acsUrl.replace(/&/g, '&amp;'));
    }
    expect(page.body).toContain(keys[0]!.certificate.pem.trim());
    expect(page.body).toContain('<code>email</code></td><td>Required');
    expect(page.body).toContain('<code>department</code></td><td>Optional');
    expect(page.body).toContain('aria-label="Copy SP metadata XML"');
    expect(unescapeHtml(page.body)).toContain(configurations[0]!.metadataXml);

    const shared = await browser.get(`${customerUrl('customer001.com')}/metadata.xml`);
    expect(shared.statusCode).toBe(200);
    expect(shared.headers['content-type']).toBe('application/samlmetadata+xml; charset=utf-8');
    expect(shared.headers['content-disposition']).toBe('attachment; filename="sp-metadata-customer001.com.xml"');
    expect(shared.body).toBe(configurations.find((c) => c.multiplexed)!.metadataXml);
    const own = await browser.get(`${customerUrl('customer001.com')}/metadata.xml?saasid=${billing.saasid}`);
    expect(own.body).toBe(configurations.find((c) => !c.multiplexed)!.metadataXml);
    expect((await browser.get(`${customerUrl('customer001.com')}/metadata.xml?saasid=${analytics.saasid}`)).statusCode).toBe(404);
  });

  it('refuses its forms without the CSRF token, and changes nothing', async () => {
    const { app, browser, accountId, actor, billing } = await setUp();
    await app.services.customers.putCustomer(actor, 'customer001.com', { ...idpSettings(), applications: [billing.saasid] });
    await open(browser, `${CUSTOMERS}/new`);
    expect((await postForm(`${CUSTOMERS}/new`, form({ idpId: 'customer002.com' }), null)).statusCode).toBe(403);
    expect((await postForm(`${customerUrl('customer001.com')}/edit`, form({ ssoUrl: 'https://evil.example.com/sso' }), null)).statusCode).toBe(403);
    expect((await browser.post(`${customerUrl('customer001.com')}/delete`, {}, { csrf: null })).statusCode).toBe(403);
    expect((await browser.post(`${customerUrl('customer001.com')}/applications/${billing.saasid}/remove`, {}, { csrf: null })).statusCode).toBe(403);
    const customer = await app.services.customers.getCustomer(accountId, 'customer001.com');
    expect(customer.ssoUrl).toBe('https://idp.customer001.com/sso');
    expect(customer.applications).toHaveLength(1);
    expect((await app.services.customers.listCustomers(accountId, {})).customers).toHaveLength(1);
  });
});
