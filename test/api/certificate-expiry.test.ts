import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../../src/saml/signing-key-pair.js';
import { parseCertificate } from '../../src/saml/certificates.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { accountWithCredential, curlBasic, operatorActor, restAppInput, SP_MANAGED, startTestApp, type TestInstance } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';

afterAll(dropTestDatabases);

const DAY = 86_400_000;

describe.each(testDialects)('certificate expiry in the Customer Connection API (%s)', (dialect) => {
  let instance: TestInstance | undefined;
  afterEach(async () => {
    await instance?.close();
    instance = undefined;
  });

  const setUp = async () => {
    const clock = new TestClock();
    instance = await startTestApp(dialect, { clock });
    const { app } = instance;
    const client = await accountWithCredential(app);
    const authorization = curlBasic(client.clientId, client.clientSecret);
    const put = (idpId: string, body: Record<string, unknown>) =>
      app.inject({ method: 'PUT', url: `${SP_MANAGED}/${idpId}`, headers: { authorization, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    const get = (path: string) => app.inject({ method: 'GET', url: `${SP_MANAGED}/${path}`, headers: { authorization } });
    return { app, clock, put, get, accountId: client.accountId };
  };
  const certificateAt = async (name: string, notBefore: number, years: number) => (await generateSigningKeyPair(name, notBefore, years)).certificatePem;

  it('saves an expired IdP certificate but warns, naming it and its notAfter; the customer shows its days left', async () => {
    const { clock, put, get } = await setUp();
    const current = await certificateAt('idp.customer001.com', clock.now() - DAY, 1);
    const expired = await certificateAt('old.customer001.com', Date.parse('2015-01-01T00:00:00Z'), 1);
    const body = { entityId: 'https://idp.customer001.com/saml', ssoUrl: 'https://idp.customer001.com/sso', certificates: [current, expired] };

    const res = await put('customer001.com', body);
    expect(res.statusCode, res.body).toBe(201);
    const expiredInfo = parseCertificate(expired);
    expect(res.json().warnings).toEqual([
      {
        code: 'CERTIFICATE_EXPIRED',
        field: 'certificates.1',
        message: `The IdP certificate "${expiredInfo.subject}" expired on ${expiredInfo.notAfter}. Signatures are still checked against it, but the IdP has probably moved to a new one: ask the customer for its current certificate.`,
        subject: expiredInfo.subject,
        sha256Fingerprint: expiredInfo.sha256Fingerprint,
        notBefore: expiredInfo.notBefore,
        notAfter: expiredInfo.notAfter,
      },
    ]);
    const daysLeftOf = (json: { certificates: { daysLeft: number }[] }) => json.certificates.map((c) => c.daysLeft);
    const expectedDaysLeft = [Math.floor((Date.parse(parseCertificate(current).notAfter) - clock.now()) / DAY), Math.floor((Date.parse(expiredInfo.notAfter) - clock.now()) / DAY)];
    expect(daysLeftOf(res.json())).toEqual(expectedDaysLeft);
    expect(expectedDaysLeft[0]).toBeGreaterThan(360);
    expect(expectedDaysLeft[1]).toBeLessThan(0);

    // A repeated PUT changes nothing, and still says so.
    const again = await put('customer001.com', body);
    expect(again.statusCode).toBe(200);
    expect(again.json().warnings.map((w: { code: string }) => w.code)).toEqual(['CERTIFICATE_EXPIRED']);

    // GET tells the days left as of the moment it answers, also from a cached customer.
    expect(daysLeftOf((await get('customer001.com')).json())).toEqual(expectedDaysLeft);
    clock.advance(10 * DAY);
    expect(daysLeftOf((await get('customer001.com')).json())).toEqual(expectedDaysLeft.map((d) => d - 10));

    // Replaced by valid certificates only: no warnings.
    const fixed = await put('customer001.com', { ...body, certificates: [current] });
    expect(fixed.json().warnings).toEqual([]);
  });

  it('warns about a certificate that is not valid yet', async () => {
    const { clock, put } = await setUp();
    const future = await certificateAt('next.customer002.com', clock.now() + 30 * DAY, 1);
    const res = await put('customer002.com', { entityId: 'https://idp.customer002.com/saml', ssoUrl: 'https://idp.customer002.com/sso', certificates: [future] });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().warnings).toEqual([expect.objectContaining({ code: 'CERTIFICATE_NOT_YET_VALID', field: 'certificates.0', notBefore: parseCertificate(future).notBefore })]);
  });

  it('shows the days left of our signing certificates in idpConfiguration', async () => {
    const { app, clock, put, get, accountId } = await setUp();
    await app.services.applications.createApplication(operatorActor(accountId), restAppInput());
    const current = await certificateAt('idp.customer001.com', clock.now() - DAY, 1);
    await put('customer001.com', { entityId: 'https://idp.customer001.com/saml', ssoUrl: 'https://idp.customer001.com/sso', certificates: [current] });
    const res = await get('customer001.com/idpConfiguration');
    expect(res.statusCode, res.body).toBe(200);
    const [signing] = res.json().configurations[0].signingCertificates;
    expect(signing.daysLeft).toBe(Math.floor((Date.parse(signing.notAfter) - clock.now()) / DAY));
    expect(signing.daysLeft).toBeGreaterThan(3000);
  });
});
