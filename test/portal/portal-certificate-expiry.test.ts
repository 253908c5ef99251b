import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/saml/certificates.js';
import { generateSigningKeyPair } from '../../src/saml/signing-key-pair.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { accountWithCredential, curlBasic, operatorActor, SP_MANAGED, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const DAY = 86_400_000;
const certificateAt = async (name: string, notBefore: number, years: number) => (await generateSigningKeyPair(name, notBefore, years)).certificatePem;
const daysLeftOf = (pem: string, now: number) => Math.floor((Date.parse(parseCertificate(pem).notAfter) - now) / DAY);
const text = (html: string) => html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
/** The portal's text of one verification certificate (its list item). */
const verificationCertificate = (body: string, n: number) => text(new RegExp(`<li aria-label="Verification certificate ${n}">([\\s\\S]*?)</li>`).exec(body)?.[1] ?? '');

describe.each(testDialects)('certificate expiry in the portal (%s)', (dialect) => {
  let instance: TestInstance;
  let accountId: string;
  let auth: string;

  beforeEach(async () => {
    instance = await startTestApp(dialect);
    const account = await accountWithCredential(instance.app);
    accountId = account.accountId;
    auth = curlBasic(account.clientId, account.clientSecret);
  });
  afterEach(async () => instance.close());

  const openPortal = async (idpId: string) => {
    const created = await instance.app.inject({ method: 'POST', url: `${SP_MANAGED}/${idpId}/setupLink`, headers: { authorization: auth } });
    return instance.app.inject({ method: 'GET', url: new URL(created.json<{ url: string }>().url).pathname });
  };

  it("shows each of the customer's verification certificates with its expiry, warning of expired, not yet valid and soon-expiring ones", async () => {
    const now = instance.clock.now();
    const valid = await certificateAt('valid.customer020.com', now - DAY, 1);
    const soon = await certificateAt('soon.customer020.com', now - 345 * DAY, 1);
    const expired = await certificateAt('old.customer020.com', Date.parse('2015-01-01T00:00:00Z'), 1);
    const future = await certificateAt('next.customer020.com', now + 10 * DAY, 1);
    await instance.app.services.customers.putCustomer(operatorActor(accountId), 'customer020.com', {
      entityId: 'https://idp.customer020.com',
      ssoUrl: 'https://idp.customer020.com/sso',
      certificates: [valid, soon, expired, future],
    });

    const page = await openPortal('customer020.com');
    expect(page.statusCode).toBe(200);
    const untilOf = (pem: string) => `valid until ${parseCertificate(pem).notAfter.slice(0, 19).replace('T', ' ')} UTC`;
    expect(verificationCertificate(page.body, 1)).toContain(`${untilOf(valid)} (${daysLeftOf(valid, now)} days left)`);
    expect(daysLeftOf(valid, now)).toBeGreaterThan(300);
    expect(verificationCertificate(page.body, 2)).toContain(`This certificate expires soon: ${untilOf(soon)} (${daysLeftOf(soon, now)} days left). Roll it over in your IdP and save the new certificate here.`);
    expect(daysLeftOf(soon, now)).toBeLessThan(30);
    expect(verificationCertificate(page.body, 3)).toContain(`This certificate has expired (${untilOf(expired)}). Give us the certificate your IdP signs with now.`);
    expect(verificationCertificate(page.body, 4)).toContain('This certificate is not valid yet');
    // The warnings are alerts; the valid certificate's line is not.
    expect(page.body.match(/<p class="banner warning" role="alert">/g)).toHaveLength(3);
  });

  it('shows our signing certificate and a published renewal certificate with their expiry, and warns when ours expires within 30 days', async () => {
    await instance.app.services.signingKeys.addRenewalKey(operatorActor(accountId));
    const [signing, renewal] = await instance.app.services.signingKeys.publishedCertificates(accountId);
    const now = instance.clock.now();
    const page = await openPortal('customer021.com');
    const details = text(/<section aria-labelledby="our-details">([\s\S]*?)<\/section>/.exec(page.body)?.[1] ?? '');
    expect(details).toContain(`Signing certificate`);
    expect(details).toContain(`${signing!.subject}, valid until ${signing!.notAfter.slice(0, 19).replace('T', ' ')} UTC (${daysLeftOf(signing!.pem, now)} days left)`);
    expect(details).toContain('Renewal certificate (will replace it)');
    expect(details).toContain(`${renewal!.subject}, valid until ${renewal!.notAfter.slice(0, 19).replace('T', ' ')} UTC`);

    // Twenty days before our certificate's notAfter, the customer's admin is told to expect the renewal.
    instance.clock.advance(Date.parse(signing!.notAfter) - now - 20 * DAY);
    const later = await openPortal('customer021.com');
    expect(later.statusCode).toBe(200);
    expect(text(later.body)).toContain('This certificate expires soon');
    expect(text(later.body)).toContain('(20 days left). Import our renewal certificate (or our metadata again) when it is published.');
  });
});
