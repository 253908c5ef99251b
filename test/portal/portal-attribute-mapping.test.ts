import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ATTRIBUTE_MAPPING_PRESETS } from '../../src/domain/connections/attribute-mapping-presets.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { ConsoleClient } from '../helpers/console-client.js';
import { accountWithCredential, curlBasic, idpCertificatePem, operatorActor, samlAppInput, SP_MANAGED, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const ENTRA_EMAIL = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';
const entraRules = ATTRIBUTE_MAPPING_PRESETS.find((p) => p.id === 'entra-id')!.rules;

/** The value of each `name` input on the page, in order. */
const inputValues = (body: string, name: string) => [...body.matchAll(new RegExp(`name="${name}" value="([^"]*)"`, 'g'))].map((m) => m[1]!.replaceAll('&#x2F;', '/').replaceAll('&#47;', '/'));

describe.each(testDialects)("the portal's attribute mapping (%s)", (dialect) => {
  let instance: TestInstance;
  let accountId: string;
  let portal: string;
  let browser: ConsoleClient;

  beforeEach(async () => {
    instance = await startTestApp(dialect);
    const account = await accountWithCredential(instance.app);
    accountId = account.accountId;
    const analytics = await instance.app.services.applications.createApplication(operatorActor(accountId), samlAppInput('Analytics'));
    const created = await instance.app.inject({
      method: 'POST',
      url: `${SP_MANAGED}/customer010.com/setupLink`,
      headers: { authorization: curlBasic(account.clientId, account.clientSecret) },
      payload: { applications: [analytics.saasid] },
    });
    portal = new URL(created.json<{ url: string }>().url).pathname;
    browser = new ConsoleClient(instance.app, '203.0.113.9');
  });
  afterEach(async () => instance.close());

  const mappingOf = async () => (await instance.app.services.customers.getCustomer(accountId, 'customer010.com')).attributeMapping;
  const saveIdp = async () => {
    await browser.get(portal);
    const saved = await browser.post(`${portal}/identity-provider`, { source: 'manual', entityId: 'https://idp.customer010.com', ssoUrl: 'https://idp.customer010.com/sso', certificate: await idpCertificatePem() });
    expect(saved.statusCode).toBe(303);
  };
  const mappingForm = (preset: string, rows: [string, string][], extra: Record<string, string> = {}) => {
    const form = new URLSearchParams({ mappingPreset: preset, nameIdAttribute: '', ...extra });
    for (const [idp, app] of rows) {
      form.append('mapIdp', idp);
      form.append('mapApp', app);
    }
    return form;
  };

  it('is offered only once the IdP is saved, naming the attributes the applications ask for', async () => {
    const before = await browser.get(portal);
    expect(before.body).not.toContain('Save attribute mapping');
    await saveIdp();
    const page = await browser.get(portal);
    expect(page.body).toContain('<h2 id="attribute-mapping">Attribute mapping</h2>');
    expect(page.body).toMatch(/The applications ask for: <code>email<\/code>, <code>department<\/code> <span class="muted">\(optional\)<\/span>/);
    expect(page.body).toContain('Your IdP&#39;s attribute name');
    // The application column offers the apps' attribute names.
    expect(page.body).toMatch(/<datalist id="app-attribute-names"><option value="email"><\/option><option value="department"><\/option><\/datalist>/);
    for (const preset of ATTRIBUTE_MAPPING_PRESETS) expect(page.body).toContain(`<option value="${preset.id}" >${preset.label}</option>`);
  });

  it('fills rows from the Entra ID preset without saving, then saves the edited rows', async () => {
    await saveIdp();
    await browser.get(portal);
    const filled = await browser.post(`${portal}/attribute-mapping`, mappingForm('entra-id', [], { fillPreset: 'true' }));
    expect(filled.statusCode).toBe(200);
    expect(inputValues(filled.body, 'mapIdp').slice(0, entraRules.length)).toEqual(entraRules.map((r) => r.idpAttribute));
    expect(inputValues(filled.body, 'mapApp').slice(0, entraRules.length)).toEqual(entraRules.map((r) => r.appAttribute));
    expect(await mappingOf()).toEqual({ preset: null, rules: [], nameIdAttribute: null });

    // The admin keeps the e-mail row, renames the department claim and delivers the NameID as userId.
    const saved = await browser.post(
      `${portal}/attribute-mapping`,
      mappingForm('entra-id', [[ENTRA_EMAIL, 'email'], ['http://schemas.microsoft.com/ws/2008/06/identity/claims/department', 'department']], { nameIdAttribute: 'userId' }),
    );
    expect(saved.statusCode).toBe(303);
    const after = await browser.get(saved.headers.location as string);
    expect(after.body).toContain('The attribute mapping was saved.');
    expect(await mappingOf()).toEqual({
      preset: 'entra-id',
      rules: [
        { idpAttribute: ENTRA_EMAIL, appAttribute: 'email' },
        { idpAttribute: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/department', appAttribute: 'department' },
      ],
      nameIdAttribute: 'userId',
    });
    // The rest of the connection is as the IdP form left it.
    const customer = await instance.app.services.customers.getCustomer(accountId, 'customer010.com');
    expect({ entityId: customer.entityId, enabled: customer.enabled, apps: customer.applications.map((a) => a.name) }).toEqual({ entityId: 'https://idp.customer010.com', enabled: false, apps: ['Analytics'] });
    const audit = (await instance.app.services.audit.list(accountId, { limit: 5 })).events[0];
    expect(audit).toMatchObject({ action: 'customer.updated', actorLabel: 'IT admin of customer010.com (setup link)', sourceIp: '203.0.113.9' });
  });

  it('refuses a bad mapping with the row named, a forged form, and a replay after Activate: nothing changes', async () => {
    await saveIdp();
    await browser.get(portal);
    const twice = await browser.post(`${portal}/attribute-mapping`, mappingForm('', [['mail', 'email'], ['upn', 'email']]));
    expect(twice.statusCode).toBe(400);
    expect(twice.body).toContain('Row 2, application attribute: maps a second attribute to &quot;email&quot;');
    // What was typed is shown again to correct.
    expect(inputValues(twice.body, 'mapIdp').slice(0, 2)).toEqual(['mail', 'upn']);
    expect((await mappingOf()).rules).toEqual([]);

    const forged = await browser.post(`${portal}/attribute-mapping`, mappingForm('', [['mail', 'email']]), { csrf: null });
    expect(forged.statusCode).toBe(403);
    expect((await mappingOf()).rules).toEqual([]);

    await browser.get(portal);
    const token = browser.csrfToken();
    expect((await browser.post(`${portal}/activate`, {})).statusCode).toBe(200);
    const replay = await browser.post(`${portal}/attribute-mapping`, mappingForm('', [['mail', 'email']]), { csrf: token });
    expect(replay.statusCode).toBe(412);
    expect(replay.body).toContain('Ask your provider for a new link');
    expect((await mappingOf()).rules).toEqual([]);
  });
});
