import fs from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateBody } from '../src/saml/certificates.js';
import { curlBasic, idpCertificatePem, operatorActor, SP_MANAGED } from '../test/helpers/test-app.js';
import { createAccountWithAdmin, createDefaultAccountAdmin, signIn } from './helpers/console-browser.js';
import { useChromium, useConsoleServer } from './helpers/per-file-setup.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const server = useConsoleServer();
const chromium = useChromium();
let certificate: string;

beforeAll(async () => {
  certificate = await idpCertificatePem();
});

/** The Customer Connection API as the provider's backend calls it: Node's fetch with curl-style HTTP Basic. */
async function api(method: 'GET' | 'PUT', path: string, authorization: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${server.baseUrl}${SP_MANAGED}${path}`, {
    method,
    headers: { authorization, accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

/** The row of a table whose header cell names this item. */
function row(page: Page, tableName: string, name: string): Locator {
  return page.getByRole('table', { name: tableName }).getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
}

function spMetadataXml(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://analytics.example.com/saml/sp">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="encryption"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${certificateBody(certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://analytics.example.com/saml/slo"/>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://analytics.example.com/saml/acs" index="0" isDefault="true"/>
    <md:AttributeConsumingService index="0" isDefault="true">
      <md:ServiceName xml:lang="en">Analytics</md:ServiceName>
      <md:RequestedAttribute Name="email" isRequired="true"/>
      <md:RequestedAttribute Name="department" isRequired="false"/>
    </md:AttributeConsumingService>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`;
}

describe('Applications and Customer Connections console in Chromium', () => {
  it('registers a REST and a SAML app, sees an API-created customer, edits it in the console, and the API reads the edit back', async () => {
    const { app } = server;
    const login = await createDefaultAccountAdmin(app, 'carol@example.com');
    const { credential, clientSecret } = await app.services.credentials.createConnectionApiCredential(operatorActor(login.accountId), { description: 'backend' });
    const authorization = curlBasic(credential.clientId, clientSecret);

    const context = await chromium.newContext(server.baseUrl);
    const page = await context.newPage();
    // The strict CSP must not have to refuse anything the console itself ships.
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) consoleErrors.push(`${response.status()} ${response.url()}`);
    });

    await signIn(page, login);

    // 1. Applications › My Applications, empty at first.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applications', exact: true }).click();
    await page.waitForURL('**/console/applications');
    await page.getByRole('heading', { name: 'My Applications' }).waitFor();
    await page.getByText('No applications yet.').waitFor();

    // 2. A REST ("other") application, with its required attributes typed one per line.
    await page.getByRole('link', { name: 'Add REST application' }).click();
    await page.getByRole('heading', { name: 'Add REST application' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Billing');
    await page.getByLabel('Default Application URL').fill('https://billing.example.com/sso/landing');
    await page.getByLabel('Error URL').fill('https://billing.example.com/sso/error');
    await page.getByLabel('Hostname/Domain').fill('.example.com');
    await expect(page.getByRole('radio', { name: /^POST/ }).isChecked()).resolves.toBe(true);
    await page.getByLabel('Attributes').fill('email\ndepartment,optional');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/console/applications?notice=created');
    await expect(page.getByRole('status').textContent()).resolves.toContain('Application created.');
    const billingRow = row(page, 'Applications', 'Billing');
    await expect(billingRow.getByRole('cell').nth(0).textContent()).resolves.toBe('REST');
    const billingSaasid = (await billingRow.locator('code').textContent())!.trim();
    expect(billingSaasid).toMatch(UUID);

    // 3. A SAML application, filled from its SP metadata file (read into the form by console.js).
    await page.getByRole('link', { name: 'Add SAML application' }).click();
    await page.getByRole('heading', { name: 'Add SAML application' }).waitFor();
    await expect(page.getByRole('checkbox', { name: 'Application multiplexing' }).isChecked()).resolves.toBe(true);
    await page.getByLabel('SP metadata file').setInputFiles({ name: 'analytics-sp.xml', mimeType: 'application/xml', buffer: Buffer.from(spMetadataXml()) });
    await page.waitForFunction(() => (document.getElementById('spMetadata') as HTMLTextAreaElement).value.includes('EntityDescriptor'));
    await page.getByRole('button', { name: 'Fill from metadata' }).click();
    await page.getByText('Filled in from the SP metadata. Review the fields, then Save.').waitFor();
    await expect(page.getByLabel('Name', { exact: true }).inputValue()).resolves.toBe('Analytics');
    await expect(page.getByLabel('SP entity ID').inputValue()).resolves.toBe('https://analytics.example.com/saml/sp');
    await expect(page.getByLabel('ACS URL').inputValue()).resolves.toBe('https://analytics.example.com/saml/acs');
    await expect(page.getByLabel('SLO endpoint').inputValue()).resolves.toBe('https://analytics.example.com/saml/slo');
    await expect(page.getByLabel('SLO binding').inputValue()).resolves.toBe('post');
    await expect(page.getByRole('checkbox', { name: 'Encrypt assertions' }).isChecked()).resolves.toBe(true);
    await expect(page.getByLabel('Attributes').inputValue()).resolves.toBe('email\ndepartment,optional');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/console/applications?notice=created');
    const analyticsRow = row(page, 'Applications', 'Analytics');
    await expect(analyticsRow.getByRole('cell').nth(0).textContent()).resolves.toBe('SAML');
    const analyticsSaasid = (await analyticsRow.locator('code').textContent())!.trim();
    expect(analyticsSaasid).toMatch(UUID);
    expect(await app.services.applications.getApplication(login.accountId, analyticsSaasid)).toMatchObject({ kind: 'saml', multiplexed: true, encryptAssertions: true, sloBinding: 'post' });

    // The applications are readable over the API too.
    const apps = await fetch(`${server.baseUrl}/web-portal/rest/saas/idp/2.0/applications`, { headers: { authorization } });
    expect(apps.status).toBe(200);
    const body = (await apps.json()) as { applications: { saasid: string; name: string }[] };
    expect(body.applications.map((a) => [a.name, a.saasid]).sort()).toEqual([['Analytics', analyticsSaasid], ['Billing', billingSaasid]]);

    // 4. The provider's backend creates a customer connection over the API.
    const created = await api('PUT', '/customer001.com', authorization, {
      entityId: 'https://idp.customer001.com/saml',
      ssoUrl: 'https://idp.customer001.com/sso',
      certificates: [certificate],
      contactEmail: 'it@customer001.com',
      emailDomains: ['customer001.com'],
      applications: [billingSaasid, { saasid: analyticsSaasid, multiplexed: true }],
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);

    // 5. It appears in the console list, found by search and by application.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Customer Connections' }).click();
    await page.waitForURL('**/console/customer-connections');
    await row(page, 'Customer connections', 'customer001.com').waitFor();
    await page.getByLabel('Search').fill('customer001');
    await page.getByLabel('Application', { exact: true }).selectOption({ label: 'Analytics' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/q=customer001/);
    const listed = row(page, 'Customer connections', 'customer001.com');
    await expect(listed.getByRole('cell').nth(1).textContent()).resolves.toBe('Analytics, Billing');

    // 6. Its detail page: IdP settings, the certificate's subject, both connections.
    await listed.getByRole('link', { name: 'customer001.com' }).click();
    await page.getByRole('heading', { name: 'customer001.com', level: 1 }).waitFor();
    await page.getByText('https://idp.customer001.com/sso').waitFor();
    await page.getByText('CN=idp.customer.example').first().waitFor();
    await row(page, 'Application connections', 'Billing (REST)').waitFor();
    await row(page, 'Application connections', 'Analytics (SAML)').waitFor();

    // 7. Edit it in the console: a new SSO URL and a second email domain.
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await page.getByRole('heading', { name: 'Edit customer001.com' }).waitFor();
    await expect(page.getByRole('radio', { name: 'The settings entered below' }).isChecked()).resolves.toBe(true);
    // console.js shows only the panel of the chosen source (without JS every panel shows).
    const metadataXml = page.getByLabel('Metadata XML', { exact: true });
    await expect(metadataXml.isVisible()).resolves.toBe(false);
    await page.getByRole('radio', { name: "The IdP's SAML metadata XML" }).check();
    await expect(metadataXml.isVisible()).resolves.toBe(true);
    await expect(page.getByLabel('SSO URL').isVisible()).resolves.toBe(false);
    await page.getByRole('radio', { name: 'The settings entered below' }).check();
    await expect(page.getByLabel('idpId').isEditable()).resolves.toBe(false);
    await page.getByLabel('SSO URL').fill('https://login.customer001.com/saml/sso');
    const domains = page.getByLabel('Email domains');
    await domains.fill(`${await domains.inputValue()}\ncustomer001.net`);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/console\/customer-connections\/idp\/customer001\.com\?notice=saved$/);
    await expect(page.getByRole('status').textContent()).resolves.toContain('Customer connection saved.');
    await page.getByText('https://login.customer001.com/saml/sso').waitFor();

    // 8. The API reads the edit back.
    const read = await api('GET', '/customer001.com', authorization);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({
      idpId: 'customer001.com',
      ssoUrl: 'https://login.customer001.com/saml/sso',
      emailDomains: ['customer001.com', 'customer001.net'],
      contactEmail: 'it@customer001.com',
      enabled: true,
    });
    expect(read.json.applications.map((a: { saasid: string }) => a.saasid).sort()).toEqual([billingSaasid, analyticsSaasid].sort());

    // 9. What the customer's IdP admin configures: the same as the API says, to copy or download.
    await page.getByRole('link', { name: 'What the customer configures' }).click();
    await page.getByRole('heading', { name: 'What the customer configures' }).waitFor();
    const configuration = await api('GET', '/customer001.com/idpConfiguration', authorization);
    expect(configuration.status).toBe(200);
    const [shared] = configuration.json.configurations as { entityId: string; acsUrl: string; metadataXml: string }[];
    await expect(page.getByLabel('SP entity ID', { exact: true }).textContent()).resolves.toBe(shared!.entityId);
    await expect(page.getByLabel('ACS URL', { exact: true }).textContent()).resolves.toBe(shared!.acsUrl);
    await page.getByRole('cell', { name: 'email', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Copy SP metadata XML' }).click();
    await page.waitForFunction(() => document.querySelector('[aria-label="Copy SP metadata XML"]')?.textContent === 'Copied');
    expect((await page.evaluate(() => navigator.clipboard.readText())).trim()).toBe(shared!.metadataXml.trim());
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /^Download metadata XML/ }).click()]);
    expect(download.suggestedFilename()).toBe('sp-metadata-customer001.com.xml');
    expect(fs.readFileSync(await download.path(), 'utf8')).toBe(shared!.metadataXml);

    expect(consoleErrors).toEqual([]);
  });

  it('creates application credentials shown once, and renews the signing key without downtime', async () => {
    const { app } = server;
    const login = await createAccountWithAdmin(app, 'Hooli SaaS', 'hank@example.com');
    const billing = await app.services.applications.createApplication(operatorActor(login.accountId), {
      kind: 'rest',
      name: 'Billing',
      defaultAppUrl: 'https://billing.example.com/sso',
      errorUrl: 'https://billing.example.com/error',
      hostname: 'billing.example.com',
    });
    const context = await chromium.newContext(server.baseUrl);
    const page = await context.newPage();
    await signIn(page, login);

    // Account › Integration › Application Credentials: the third tab.
    await page.getByRole('navigation', { name: 'Integration' }).getByRole('link', { name: 'Application Credentials' }).click();
    await page.waitForURL('**/console/account/integration/application');
    await page.getByText('No application credentials yet.').waitFor();
    await page.getByRole('button', { name: 'Add Application Credentials' }).click();
    await page.getByLabel('Application', { exact: true }).selectOption({ label: 'Billing (REST)' });
    await page.getByLabel('Short Description').fill('Token exchange');
    await page.getByRole('button', { name: 'Create' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('Copy the Client Secret now. It will not be shown again.');
    const clientSecret = (await page.getByLabel('Client Secret', { exact: true }).textContent())!.trim();
    expect(clientSecret).toMatch(/^ssbs_[A-Za-z0-9_-]{43}$/);
    await page.getByRole('button', { name: 'Copy Client Secret' }).click();
    await page.waitForFunction(() => document.querySelector('[aria-label="Copy Client Secret"]')?.textContent === 'Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(clientSecret);
    const [stored] = await app.services.credentials.listApplicationCredentials(login.accountId);
    expect(stored).toMatchObject({ applicationId: billing.saasid, description: 'Token exchange' });
    await page.getByRole('link', { name: 'Back to Application Credentials' }).click();
    expect(await page.content()).not.toContain(clientSecret);

    // Only the description can be edited.
    await page.locator('summary', { hasText: 'Token exchange' }).click();
    await page.getByRole('button', { name: 'Edit' }).click();
    await expect(page.getByLabel('Client ID').isEditable()).resolves.toBe(false);
    await page.getByLabel('Short Description').fill('Token exchange (prod)');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/console/account/integration/application?notice=updated');
    await page.locator('summary', { hasText: 'Token exchange (prod)' }).waitFor();

    // Account › Signing keys: add a renewal key, then promote it after confirming.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Signing keys' }).click();
    await page.waitForURL('**/console/account/signing-keys');
    const statuses = () => page.getByRole('table', { name: 'Signing keys' }).locator('tbody td:first-child').allTextContents();
    await expect(statuses()).resolves.toEqual(['Active']);
    await page.getByRole('button', { name: 'Add renewal key' }).click();
    await page.waitForURL('**/console/account/signing-keys?notice=added');
    await expect(statuses()).resolves.toEqual(['Active', 'Renewal']);
    await page.getByRole('button', { name: 'Promote renewal key' }).click();
    await page.getByRole('heading', { name: 'Promote renewal key' }).waitFor();
    await page.getByRole('button', { name: 'Promote renewal key' }).click();
    await page.waitForURL('**/console/account/signing-keys?notice=promoted');
    await expect(statuses()).resolves.toEqual(['Active', 'Retired']);
  });
});
