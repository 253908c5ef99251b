import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestApplication, SamlApplication } from '../../src/domain/model.js';
import { certificateBody, parseCertificate } from '../../src/saml/certificates.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { fieldErrorText, inputValue, signedInAdmin, textareaValue, unescapeHtml } from '../helpers/console-admin.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { idpCertificatePem, restAppInput, samlAppInput } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const APPS = '/console/applications';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

let certificate: string;
beforeAll(async () => {
  certificate = await idpCertificatePem();
});

const restForm = (overrides: Record<string, string> = {}) => ({
  name: 'Billing',
  enabled: 'true',
  defaultAppUrl: 'https://billing.example.com/sso',
  errorUrl: 'https://billing.example.com/sso/error',
  hostname: '.example.com',
  tokenBinding: 'query',
  requiredAttributes: 'email\ndepartment,optional\n\n  costCenter , required ',
  ...overrides,
});

const samlForm = (overrides: Record<string, string> = {}) => ({
  name: 'Analytics',
  enabled: 'true',
  acsUrl: 'https://analytics.example.com/saml/acs',
  spEntityId: 'https://analytics.example.com/saml',
  multiplexed: 'true',
  customEntityId: '',
  signingKeyId: '',
  encryptionCertificate: '',
  sloUrl: '',
  sloBinding: '',
  requiredAttributes: 'email',
  ...overrides,
});

describe.each(testDialects)('console: My Applications (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function setUp() {
    const instance = await apps.start();
    const admin = await signedInAdmin(instance.app);
    return { app: instance.app, ...admin };
  }

  /** Opens a form page (for its CSRF token and submission key) and posts it. */
  async function submit(browser: Awaited<ReturnType<typeof setUp>>['browser'], formUrl: string, action: string, form: Record<string, string>) {
    const page = await browser.get(formUrl);
    expect(page.statusCode).toBe(200);
    const submissionKey = /name="submissionKey" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    return browser.post(action, { submissionKey, ...form });
  }

  it('lists applications with name, kind, saasid and status, under Applications in the main navigation', async () => {
    const { app, browser, actor } = await setUp();
    const rest = await app.services.applications.createApplication(actor, restAppInput('Billing'));
    const saml = await app.services.applications.createApplication(actor, samlAppInput('Analytics', { enabled: false }));
    const page = await browser.get(APPS);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<a href="/console/applications" aria-current="page">Applications</a>');
    expect(page.body).toContain('Customer Connections');
    expect(page.body).toContain('Signing keys');
    for (const [a, kind, status] of [[rest, 'REST', 'Enabled'], [saml, 'SAML', 'Disabled']] as const) {
      const row = page.body.slice(page.body.indexOf(`>${a.name}</a></th>`)).split('</tr>')[0]!;
      expect(row).toContain(`<td>${kind}</td>`);
      expect(row).toContain(a.saasid);
      expect(row).toContain(status);
    }
  });

  it('adds a REST application with every field, token delivery by query string when chosen', async () => {
    const { app, browser, accountId } = await setUp();
    const form = await browser.get(`${APPS}/new/rest`);
    expect(form.body).toContain('Default Application URL');
    expect(form.body).toMatch(/name="tokenBinding" value="post" checked/);
    const res = await submit(browser, `${APPS}/new/rest`, `${APPS}/new/rest`, restForm());
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${APPS}?notice=created`);
    const [created] = await app.services.applications.listApplications(accountId);
    expect(created).toMatchObject({
      kind: 'rest',
      name: 'Billing',
      enabled: true,
      defaultAppUrl: 'https://billing.example.com/sso',
      errorUrl: 'https://billing.example.com/sso/error',
      hostname: '.example.com',
      tokenBinding: 'query',
      requiredAttributes: [
        { name: 'email', required: true },
        { name: 'department', required: false },
        { name: 'costCenter', required: true },
      ],
    });
    expect(created!.saasid).toMatch(UUID);
    const list = await browser.get(res.headers.location as string);
    expect(list.body).toContain('Application created.');
    expect(list.body).toContain(created!.saasid);
  });

  it('adds a SAML application with multiplexing on by default, encryption and single logout', async () => {
    const { app, browser, accountId } = await setUp();
    const form = await browser.get(`${APPS}/new/saml`);
    expect(form.body).toMatch(/id="app-multiplexed" name="multiplexed" value="true" checked/);
    expect(form.body).toContain('The active key (follows key renewals)');
    const res = await submit(
      browser,
      `${APPS}/new/saml`,
      `${APPS}/new/saml`,
      samlForm({ customEntityId: 'https://sso.example.net/analytics', encryptAssertions: 'true', encryptionCertificate: certificate, sloUrl: 'https://analytics.example.com/slo', sloBinding: 'post', requiredAttributes: 'email\ngroups,optional' }),
    );
    expect(res.statusCode).toBe(303);
    const [created] = (await app.services.applications.listApplications(accountId)) as SamlApplication[];
    expect(created).toMatchObject({
      kind: 'saml',
      acsUrl: 'https://analytics.example.com/saml/acs',
      spEntityId: 'https://analytics.example.com/saml',
      multiplexed: true,
      customEntityId: 'https://sso.example.net/analytics',
      encryptAssertions: true,
      encryptionCertificate: parseCertificate(certificate).pem,
      sloUrl: 'https://analytics.example.com/slo',
      sloBinding: 'post',
      requiredAttributes: [
        { name: 'email', required: true },
        { name: 'groups', required: false },
      ],
    });
    expect(created!.signingKeyId).toBeUndefined();
  });

  it('pins a signing key chosen in the form', async () => {
    const { app, browser, accountId } = await setUp();
    const [active] = await app.services.signingKeys.listKeys(accountId);
    const form = await browser.get(`${APPS}/new/saml`);
    expect(form.body).toContain(`value="${active!.id}"`);
    const res = await submit(browser, `${APPS}/new/saml`, `${APPS}/new/saml`, samlForm({ signingKeyId: active!.id }));
    expect(res.statusCode).toBe(303);
    const [created] = (await app.services.applications.listApplications(accountId)) as SamlApplication[];
    expect(created!.signingKeyId).toBe(active!.id);
  });

  it('shows each invalid field with its message, keeps what was typed, and stores nothing', async () => {
    const { app, browser, accountId } = await setUp();
    const res = await submit(
      browser,
      `${APPS}/new/saml`,
      `${APPS}/new/saml`,
      samlForm({ name: '', acsUrl: 'http://analytics.example.com/acs', spEntityId: '', sloUrl: 'https://analytics.example.com/slo', requiredAttributes: 'email\n\nfirst name' }),
    );
    expect(res.statusCode).toBe(400);
    expect(fieldErrorText(res.body, 'app-name-error')).toBe('must not be empty');
    expect(fieldErrorText(res.body, 'app-acsUrl-error')).toBe('must be an https:// URL (http:// is accepted only for localhost, 127.0.0.1 and [::1])');
    expect(fieldErrorText(res.body, 'app-spEntityId-error')).toBe('must not be empty');
    expect(unescapeHtml(fieldErrorText(res.body, 'app-requiredAttributes-error') ?? '')).toBe('line 3: must not contain spaces or the characters < > & " \'');
    expect(res.body).toMatch(/id="app-acsUrl"[^>]*aria-describedby="app-acsUrl-error[^"]*"[^>]*aria-invalid="true"/);
    expect(inputValue(res.body, 'app-acsUrl')).toBe('http://analytics.example.com/acs');
    expect(textareaValue(res.body, 'app-requiredAttributes')).toBe('email\n\nfirst name');
    expect(await app.services.applications.listApplications(accountId)).toEqual([]);
  });

  it('names the line of a malformed attribute marker before asking the service', async () => {
    const { app, browser, accountId } = await setUp();
    const res = await submit(browser, `${APPS}/new/rest`, `${APPS}/new/rest`, restForm({ requiredAttributes: 'email\ndepartment,maybe' }));
    expect(res.statusCode).toBe(400);
    expect(unescapeHtml(fieldErrorText(res.body, 'app-requiredAttributes-error') ?? '')).toBe('line 2: after the comma write "optional" or "required", not "maybe"');
    expect(await app.services.applications.listApplications(accountId)).toEqual([]);
  });

  it('refuses a second application with the same SP entity ID, next to that field', async () => {
    const { app, browser, accountId, actor } = await setUp();
    await app.services.applications.createApplication(actor, samlAppInput('First', { spEntityId: 'https://analytics.example.com/saml' }));
    const res = await submit(browser, `${APPS}/new/saml`, `${APPS}/new/saml`, samlForm({ name: 'Second' }));
    expect(res.statusCode).toBe(409);
    expect(fieldErrorText(res.body, 'app-spEntityId-error')).toBe('is already used by another application in this account');
    expect((await app.services.applications.listApplications(accountId)).map((a) => a.name)).toEqual(['First']);
  });

  it('fills the SAML form from pasted SP metadata without saving anything', async () => {
    const { app, browser, accountId } = await setUp();
    await browser.get(`${APPS}/new/saml`);
    const metadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://crm.example.com/sp">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="encryption"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${certificateBody(certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://crm.example.com/slo"/>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://crm.example.com/acs" index="0"/>
    <md:AttributeConsumingService index="0"><md:ServiceName xml:lang="en">CRM</md:ServiceName>
      <md:RequestedAttribute Name="email" isRequired="true"/><md:RequestedAttribute Name="title"/>
    </md:AttributeConsumingService>
  </md:SPSSODescriptor>
</md:EntityDescriptor>`;
    const res = await browser.post(`${APPS}/new/saml/metadata`, { spMetadata: metadata });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Filled in from the SP metadata. Review the fields, then Save.');
    expect(inputValue(res.body, 'app-name')).toBe('CRM');
    expect(inputValue(res.body, 'app-spEntityId')).toBe('https://crm.example.com/sp');
    expect(inputValue(res.body, 'app-acsUrl')).toBe('https://crm.example.com/acs');
    expect(inputValue(res.body, 'app-sloUrl')).toBe('https://crm.example.com/slo');
    expect(res.body).toMatch(/<option value="redirect" selected>HTTP-Redirect<\/option>/);
    expect(res.body).toMatch(/id="app-encryptAssertions" name="encryptAssertions" value="true" checked/);
    expect(textareaValue(res.body, 'app-encryptionCertificate')).toContain('-----BEGIN CERTIFICATE-----');
    expect(textareaValue(res.body, 'app-requiredAttributes')).toBe('email\ntitle,optional');
    expect(await app.services.applications.listApplications(accountId)).toEqual([]);

    // The filled form saves as it is.
    const submissionKey = /name="submissionKey" value="([^"]+)"/.exec(res.body)![1]!;
    const form = {
      submissionKey,
      name: inputValue(res.body, 'app-name')!,
      enabled: 'true',
      acsUrl: inputValue(res.body, 'app-acsUrl')!,
      spEntityId: inputValue(res.body, 'app-spEntityId')!,
      multiplexed: 'true',
      encryptAssertions: 'true',
      encryptionCertificate: textareaValue(res.body, 'app-encryptionCertificate')!,
      sloUrl: inputValue(res.body, 'app-sloUrl')!,
      sloBinding: 'redirect',
      requiredAttributes: textareaValue(res.body, 'app-requiredAttributes')!,
    };
    expect((await browser.post(`${APPS}/new/saml`, form)).statusCode).toBe(303);
    expect(await app.services.applications.listApplications(accountId)).toEqual([
      expect.objectContaining({ name: 'CRM', spEntityId: 'https://crm.example.com/sp', sloBinding: 'redirect', encryptAssertions: true }),
    ]);
  });

  it('says why SP metadata cannot be used, next to the metadata field', async () => {
    const { browser } = await setUp();
    await browser.get(`${APPS}/new/saml`);
    const res = await browser.post(`${APPS}/new/saml/metadata`, { spMetadata: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' });
    expect(res.statusCode).toBe(400);
    expect(fieldErrorText(res.body, 'spMetadata-error')).toMatch(/contains a DTD/);
    const empty = await browser.post(`${APPS}/new/saml/metadata`, { spMetadata: '  ' });
    expect(fieldErrorText(empty.body, 'spMetadata-error')).toBe('paste the metadata XML first');
  });

  it('edits an application in place: same saasid, new settings', async () => {
    const { app, browser, accountId, actor } = await setUp();
    const rest = await app.services.applications.createApplication(actor, restAppInput('Billing'));
    const page = await browser.get(`${APPS}/${rest.saasid}`);
    expect(page.statusCode).toBe(200);
    expect(inputValue(page.body, 'app-defaultAppUrl')).toBe((rest as RestApplication).defaultAppUrl);
    expect(textareaValue(page.body, 'app-requiredAttributes')).toBe('email');
    const res = await browser.post(`${APPS}/${rest.saasid}`, restForm({ name: 'Billing v2', tokenBinding: 'post' }));
    expect(res.statusCode).toBe(303);
    expect(await app.services.applications.getApplication(accountId, rest.saasid)).toMatchObject({ saasid: rest.saasid, name: 'Billing v2', tokenBinding: 'post', hostname: '.example.com' });
    const stored = () => app.services.applications.getApplication(accountId, rest.saasid) as Promise<RestApplication>;
    const invalid = await browser.post(`${APPS}/${rest.saasid}`, restForm({ hostname: 'not a host' }));
    expect(invalid.statusCode).toBe(400);
    expect(fieldErrorText(invalid.body, 'app-hostname-error')).toMatch(/must be a host name/);
    expect((await stored()).hostname).toBe('.example.com');
  });

  it('fills an existing SAML application from metadata, keeping what the metadata does not cover', async () => {
    const { app, browser, actor } = await setUp();
    const saml = await app.services.applications.createApplication(actor, samlAppInput('Analytics', { multiplexed: false }));
    await browser.get(`${APPS}/${saml.saasid}`);
    const res = await browser.post(`${APPS}/${saml.saasid}/metadata`, {
      spMetadata: `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://new.example.com/sp"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://new.example.com/acs"/></md:SPSSODescriptor></md:EntityDescriptor>`,
    });
    expect(res.statusCode).toBe(200);
    expect(inputValue(res.body, 'app-name')).toBe('Analytics');
    expect(inputValue(res.body, 'app-spEntityId')).toBe('https://new.example.com/sp');
    expect(res.body).not.toMatch(/name="multiplexed" value="true" checked/);
    expect(textareaValue(res.body, 'app-requiredAttributes')).toBe('email\ndepartment,optional');
  });

  it('disables and enables an application from the list', async () => {
    const { app, browser, accountId, actor } = await setUp();
    const rest = await app.services.applications.createApplication(actor, restAppInput('Billing'));
    await browser.get(APPS);
    const off = await browser.post(`${APPS}/${rest.saasid}/enabled`, { enabled: 'false' });
    expect(off.headers.location).toBe(`${APPS}?notice=disabled`);
    expect((await app.services.applications.getApplication(accountId, rest.saasid)).enabled).toBe(false);
    const list = await browser.get(`${APPS}?notice=disabled`);
    expect(list.body).toContain('Application disabled.');
    expect(list.body).toMatch(/Enable<span class="visually-hidden"> Billing<\/span>/);
    await browser.post(`${APPS}/${rest.saasid}/enabled`, { enabled: 'true' });
    expect((await app.services.applications.getApplication(accountId, rest.saasid)).enabled).toBe(true);
  });

  it('deletes an application after a confirmation that counts its customers and credentials', async () => {
    const { app, browser, accountId, actor } = await setUp();
    const rest = await app.services.applications.createApplication(actor, restAppInput('Billing'));
    await app.services.credentials.createApplicationCredential(actor, { saasid: rest.saasid, description: 'token exchange' });
    await app.services.customers.putCustomer(actor, 'customer001.com', {
      entityId: 'https://idp.customer001.com',
      ssoUrl: 'https://idp.customer001.com/sso',
      certificates: [certificate],
    });
    const confirm = await browser.get(`${APPS}/${rest.saasid}/delete`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('connections to 1 customer and its 1 application credential');
    expect(await app.services.applications.listApplications(accountId)).toHaveLength(1);
    const res = await browser.post(`${APPS}/${rest.saasid}/delete`, {});
    expect(res.headers.location).toBe(`${APPS}?notice=deleted`);
    expect(await app.services.applications.listApplications(accountId)).toEqual([]);
    expect(await app.services.credentials.listApplicationCredentials(accountId)).toEqual([]);
    expect((await browser.get(`${APPS}/${rest.saasid}`)).statusCode).toBe(404);
  });

  it('does not add the application twice when the form is posted again', async () => {
    const { app, browser, accountId } = await setUp();
    const page = await browser.get(`${APPS}/new/rest`);
    const submissionKey = /name="submissionKey" value="([^"]+)"/.exec(page.body)![1]!;
    const csrf = browser.csrfToken();
    expect((await browser.post(`${APPS}/new/rest`, { submissionKey, ...restForm() }, { csrf })).statusCode).toBe(303);
    const again = await browser.post(`${APPS}/new/rest`, { submissionKey, ...restForm() }, { csrf });
    expect(again.headers.location).toBe(`${APPS}?notice=repeated`);
    expect(await app.services.applications.listApplications(accountId)).toHaveLength(1);
  });

  it('refuses every application form without the CSRF token, and changes nothing', async () => {
    const { app, browser, accountId, actor } = await setUp();
    const rest = await app.services.applications.createApplication(actor, restAppInput('Billing'));
    await browser.get(APPS);
    for (const [url, form] of [
      [`${APPS}/new/rest`, restForm({ name: 'Forged' })],
      [`${APPS}/${rest.saasid}`, restForm({ name: 'Forged' })],
      [`${APPS}/${rest.saasid}/enabled`, { enabled: 'false' }],
      [`${APPS}/${rest.saasid}/delete`, {}],
    ] as const) {
      expect((await browser.post(url, form, { csrf: null })).statusCode, url).toBe(403);
    }
    expect(await app.services.applications.listApplications(accountId)).toEqual([expect.objectContaining({ name: 'Billing', enabled: true })]);
  });

  it("never shows or changes another account's application", async () => {
    const { app, browser } = await setUp();
    const other = await signedInAdmin(app, 'Other SaaS');
    const theirs = await app.services.applications.createApplication(other.actor, restAppInput('Theirs'));
    expect((await browser.get(`${APPS}/${theirs.saasid}`)).statusCode).toBe(404);
    expect((await browser.get(APPS)).body).not.toContain(theirs.saasid);
    await browser.get(APPS);
    expect((await browser.post(`${APPS}/${theirs.saasid}/delete`, {})).statusCode).toBe(404);
    expect(await app.services.applications.listApplications(other.accountId)).toHaveLength(1);
  });
});
