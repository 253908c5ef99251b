import { afterAll, describe, expect, it } from 'vitest';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { signedInAdmin } from '../helpers/console-admin.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { restAppInput } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const KEYS = '/console/account/signing-keys';

describe.each(testDialects)('console: Signing keys (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function setUp() {
    const instance = await apps.start();
    return { app: instance.app, ...(await signedInAdmin(instance.app)) };
  }

  const statuses = (html: string) => [...html.matchAll(/<td><span class="badge [a-z]+">([A-Za-z]+)<\/span><\/td>/g)].map((m) => m[1]);

  it('shows the active key generated on first use: status, subject, fingerprint and expiry', async () => {
    const { app, browser, accountId } = await setUp();
    const page = await browser.get(KEYS);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<a href="/console/account/signing-keys" aria-current="page">Signing keys</a>');
    const [active] = await app.services.signingKeys.listKeys(accountId);
    expect(statuses(page.body)).toEqual(['Active']);
    expect(page.body).toContain(active!.certificate.subject);
    expect(page.body).toContain(active!.certificate.sha256Fingerprint);
    expect(page.body).toContain(`<time datetime="${active!.certificate.notAfter}">`);
    expect(page.body).toContain('<button type="submit" class="primary">Add renewal key</button>');
    expect(page.body).not.toContain('Promote renewal key');
  });

  it('adds a renewal key that is published at once, then promotes it after a confirmation', async () => {
    const { app, browser, accountId, actor } = await setUp();
    const billing = await app.services.applications.createApplication(actor, restAppInput('Billing'));
    await app.services.customers.putCustomer(actor, 'customer001.com', {
      entityId: 'https://idp.customer001.com',
      ssoUrl: 'https://idp.customer001.com/sso',
      certificates: [(await app.services.signingKeys.publishedCertificates(accountId))[0]!.pem],
      applications: [billing.saasid],
    });
    await browser.get(KEYS);
    const added = await browser.post(`${KEYS}/renewal`, {});
    expect(added.headers.location).toBe(`${KEYS}?notice=added`);
    const [active, renewal] = await app.services.signingKeys.listKeys(accountId).then((keys) => [keys.find((k) => k.status === 'active')!, keys.find((k) => k.status === 'next')!]);
    expect((await app.services.signingKeys.listKeys(accountId)).map((k) => k.status).sort()).toEqual(['active', 'next']);
    const page = await browser.get(`${KEYS}?notice=added`);
    expect(page.body).toContain('Renewal key added.');
    expect(statuses(page.body)).toEqual(['Active', 'Renewal']);
    expect(page.body).not.toContain('Add renewal key</button>');
    const [configuration] = await app.services.customers.idpConfiguration(accountId, 'customer001.com');
    expect(configuration!.signingCertificates.map((c) => c.sha256Fingerprint)).toEqual([active!.certificate.sha256Fingerprint, renewal!.certificate.sha256Fingerprint]);

    // A second renewal key is refused (the button is gone; a forged or stale post is told why).
    const again = await browser.post(`${KEYS}/renewal`, {});
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('A renewal key already exists. Promote it or delete it first.');

    const confirm = await browser.get(`${KEYS}/promote`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain(renewal!.certificate.sha256Fingerprint);
    expect(confirm.body).toContain('starts signing at once');
    const promoted = await browser.post(`${KEYS}/promote`, {});
    expect(promoted.headers.location).toBe(`${KEYS}?notice=promoted`);
    const keys = await app.services.signingKeys.listKeys(accountId);
    expect(keys.find((k) => k.status === 'active')!.id).toBe(renewal!.id);
    expect(keys.find((k) => k.id === active!.id)!.status).toBe('retired');
    expect(statuses((await browser.get(KEYS)).body)).toEqual(['Active', 'Retired']);
  });

  it('deletes a renewal key after a confirmation, and only a renewal key', async () => {
    const { app, browser, accountId, actor } = await setUp();
    const renewal = await app.services.signingKeys.addRenewalKey(actor);
    const active = (await app.services.signingKeys.listKeys(accountId)).find((k) => k.status === 'active')!;
    expect((await browser.get(`${KEYS}/${active.id}/delete`)).statusCode).toBe(404);
    const confirm = await browser.get(`${KEYS}/${renewal.id}/delete`);
    expect(confirm.statusCode).toBe(200);
    const res = await browser.post(`${KEYS}/${renewal.id}/delete`, {});
    expect(res.headers.location).toBe(`${KEYS}?notice=deleted`);
    expect((await app.services.signingKeys.listKeys(accountId)).map((k) => k.status)).toEqual(['active']);
    expect((await browser.get(`${KEYS}/promote`)).statusCode).toBe(404);
  });

  it('refuses its forms without the CSRF token, and changes nothing', async () => {
    const { app, browser, accountId, actor } = await setUp();
    await browser.get(KEYS);
    expect((await browser.post(`${KEYS}/renewal`, {}, { csrf: null })).statusCode).toBe(403);
    expect((await app.services.signingKeys.listKeys(accountId)).map((k) => k.status)).toEqual(['active']);
    const renewal = await app.services.signingKeys.addRenewalKey(actor);
    expect((await browser.post(`${KEYS}/promote`, {}, { csrf: null })).statusCode).toBe(403);
    expect((await browser.post(`${KEYS}/${renewal.id}/delete`, {}, { csrf: null })).statusCode).toBe(403);
    expect((await app.services.signingKeys.listKeys(accountId)).map((k) => k.status).sort()).toEqual(['active', 'next']);
  });
});
