import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTRIBUTE_MAPPING_PRESETS } from '../../src/domain/connections/attribute-mapping-presets.js';
import { parseCertificate } from '../../src/saml/certificates.js';
import { generateSigningKeyPair } from '../../src/saml/signing-key-pair.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { fieldErrorText, inputValue, signedInAdmin, unescapeHtml } from '../helpers/console-admin.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { idpCertificatePem, restAppInput } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const CUSTOMERS = '/console/customer-connections';
const CUSTOMER = `${CUSTOMERS}/idp/customer001.com`;
const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
const entra = ATTRIBUTE_MAPPING_PRESETS.find((p) => p.id === 'entra-id')!;

let certificate: string;
beforeAll(async () => {
  certificate = await idpCertificatePem();
});

/** The text of the page without tags, entities decoded. */
const textOf = (html: string) => unescapeHtml(html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' '));

describe.each(testDialects)('console: attribute mapping and certificate expiry of a customer (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  const setUp = async (certificates = [certificate]) => {
    const { app } = await apps.start();
    const admin = await signedInAdmin(app);
    const billing = await app.services.applications.createApplication(admin.actor, restAppInput('Billing'));
    await app.services.customers.putCustomer(admin.actor, 'customer001.com', {
      entityId: 'https://idp.customer001.com/saml',
      ssoUrl: 'https://idp.customer001.com/sso',
      certificates,
      applications: [billing.saasid],
    });
    /** The edit form as the browser posts it, with these mapping fields. */
    const editForm = (mapping: { preset?: string; rows?: [string, string][]; nameId?: string; fillPreset?: boolean }) => {
      const params = new URLSearchParams({
        source: 'fields',
        entityId: 'https://idp.customer001.com/saml',
        ssoUrl: 'https://idp.customer001.com/sso',
        ssoBinding: 'redirect',
        certificates: certificates.join('\n'),
        enabled: 'true',
        idpInitiatedLogin: 'true',
        connect: billing.saasid,
        multiplexed: billing.saasid,
        mappingPreset: mapping.preset ?? '',
        nameIdAttribute: mapping.nameId ?? '',
      });
      // The rows as typed, then the blank rows the form always offers.
      const rows: [string, string][] = [...(mapping.rows ?? []), ['', ''], ['', ''], ['', '']];
      for (const [idp, appName] of rows) {
        params.append('mapIdp', idp);
        params.append('mapApp', appName);
      }
      if (mapping.fillPreset) params.set('fillPreset', 'true');
      return params;
    };
    return { app, ...admin, editForm };
  };

  it('fills the rows from a preset, saves the edited rows, and shows them on the customer page', async () => {
    const { app, browser, accountId, editForm } = await setUp();
    const form = await browser.get(`${CUSTOMER}/edit`);
    expect(form.body).toContain('<option value="entra-id" >Microsoft Entra ID</option>');
    expect(inputValue(form.body, 'map-idp-0')).toBe('');

    // Without JavaScript: choose the preset, press "Fill rows from preset"; nothing is saved yet.
    const filled = await browser.post(`${CUSTOMER}/edit`, editForm({ preset: 'entra-id', fillPreset: true }));
    expect(filled.statusCode).toBe(200);
    entra.rules.forEach((rule, i) => {
      expect(unescapeHtml(inputValue(filled.body, `map-idp-${i}`)!)).toBe(rule.idpAttribute);
      expect(inputValue(filled.body, `map-app-${i}`)).toBe(rule.appAttribute);
    });
    expect(inputValue(filled.body, `map-idp-${entra.rules.length}`)).toBe('');
    expect((await app.services.customers.getCustomer(accountId, 'customer001.com')).attributeMapping.rules).toEqual([]);

    // The admin renames one target, drops the rest, and saves.
    const saved = await browser.post(`${CUSTOMER}/edit`, editForm({ preset: 'entra-id', rows: [[`${CLAIMS}/emailaddress`, 'mail'], [`${CLAIMS}/givenname`, 'firstName']], nameId: 'userId' }));
    expect(saved.statusCode, saved.body).toBe(303);
    expect((await app.services.customers.getCustomer(accountId, 'customer001.com')).attributeMapping).toEqual({
      preset: 'entra-id',
      rules: [
        { idpAttribute: `${CLAIMS}/emailaddress`, appAttribute: 'mail' },
        { idpAttribute: `${CLAIMS}/givenname`, appAttribute: 'firstName' },
      ],
      nameIdAttribute: 'userId',
    });
    const page = textOf((await browser.get(CUSTOMER)).body);
    expect(page).toContain(`Attribute mapping From the Microsoft Entra ID preset. IdP attribute name Application attribute name ${CLAIMS}/emailaddress mail ${CLAIMS}/givenname firstName`);
    expect(page).toContain('The NameID is also delivered as userId .');

    // The edit form shows the saved rows, and a preset alone (no rows) saves the preset's rows.
    const again = await browser.get(`${CUSTOMER}/edit`);
    expect(inputValue(again.body, 'map-app-0')).toBe('mail');
    expect(await browser.post(`${CUSTOMER}/edit`, editForm({ preset: 'okta' })).then((r) => r.statusCode)).toBe(303);
    expect((await app.services.customers.getCustomer(accountId, 'customer001.com')).attributeMapping.rules).toEqual(ATTRIBUTE_MAPPING_PRESETS.find((p) => p.id === 'okta')!.rules);
  });

  it('refuses two rows for one application attribute, says which row, keeps what was typed, and stores nothing', async () => {
    const { app, browser, accountId, editForm } = await setUp();
    await browser.get(`${CUSTOMER}/edit`);
    const res = await browser.post(`${CUSTOMER}/edit`, editForm({ rows: [['mail', 'email'], ['upn', 'email'], ['given', '']] }));
    expect(res.statusCode).toBe(400);
    expect(unescapeHtml(fieldErrorText(res.body, 'customer-attributeMapping-error')!)).toBe(
      'Row 2, application attribute: maps a second attribute to "email"; Row 3, application attribute: must not be empty',
    );
    expect(inputValue(res.body, 'map-idp-1')).toBe('upn');
    expect((await app.services.customers.getCustomer(accountId, 'customer001.com')).attributeMapping.rules).toEqual([]);
  });

  it('warns after saving an expired certificate, and lists each certificate with its expiry and days left', async () => {
    const expired = (await generateSigningKeyPair('old.customer001.com', Date.parse('2015-01-01T00:00:00Z'), 1)).certificatePem;
    const { browser, editForm } = await setUp([certificate]);
    await browser.get(`${CUSTOMER}/edit`);
    const form = editForm({});
    form.set('certificates', `${certificate}\n${expired}`);
    const saved = await browser.post(`${CUSTOMER}/edit`, form);
    expect(saved.statusCode, saved.body).toBe(303);
    const page = await browser.get(saved.headers.location as string);
    const notAfter = parseCertificate(expired).notAfter;
    expect(page.body).toMatch(/<div class="banner warning" role="status">/);
    expect(textOf(page.body)).toContain(`The IdP certificate "CN=old.customer001.com" expired on ${notAfter}.`);
    expect(textOf(page.body)).not.toContain('CN=idp.customer.example" expired');

    const list = textOf((await browser.get(CUSTOMERS)).body);
    const daysLeft = Math.floor((Date.parse(parseCertificate(certificate).notAfter) - Date.now()) / 86_400_000);
    expect(list).toContain('Certificates expire');
    expect(list).toMatch(new RegExp(`\\(${daysLeft}|${daysLeft - 1} days left\\)`));
    expect(list).toContain('expired');
  });

  it('links the public SP metadata URL from the page of what the customer configures', async () => {
    const { browser, accountId } = await setUp();
    const page = await browser.get(`${CUSTOMER}/configuration`);
    expect(textOf(page.body)).toContain(`SP metadata URL http://localhost:8080/saml/sp/${accountId}`);
  });
});
