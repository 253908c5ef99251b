import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { customerIdpKey } from '../helpers/sso-fixture.js';
import { accountWithCredential, curlBasic, operatorActor, restAppInput, SP_MANAGED, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

/** "café.example" with a precomposed "é" (NFC) and with "e" + U+0301 COMBINING ACUTE ACCENT (NFD). */
const NFC = 'caf\u00e9.example';
const NFD = 'cafe\u0301.example';

describe.each(testDialects)('idpIds in Unicode NFC (%s)', (dialect) => {
  let instance: TestInstance;
  afterEach(async () => instance?.close());

  async function setUp() {
    instance = await startTestApp(dialect);
    const client = await accountWithCredential(instance.app);
    const key = await customerIdpKey();
    const app = await instance.app.services.applications.createApplication(operatorActor(client.accountId), restAppInput('Billing'));
    const authorization = curlBasic(client.clientId, client.clientSecret);
    const put = (idpId: string, entityId: string) =>
      instance.app.inject({
        method: 'PUT',
        url: `${SP_MANAGED}/${encodeURIComponent(idpId)}`,
        headers: { authorization, 'content-type': 'application/json' },
        payload: { entityId, ssoUrl: 'https://idp.cafe.example/sso', certificates: [key.certificatePem], applications: [app.saasid] },
      });
    const call = (method: 'GET' | 'DELETE', idpId: string) => instance.app.inject({ method, url: `${SP_MANAGED}/${encodeURIComponent(idpId)}`, headers: { authorization } });
    return { put, call, authorization, saasid: app.saasid };
  }

  it('makes one customer of an idpId typed in NFC and in NFD, stored in NFC', async () => {
    const { put, call, authorization } = await setUp();
    expect(NFC).not.toBe(NFD);
    const created = await put(NFD, 'https://idp.cafe.example/saml');
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().idpId).toBe(NFC);
    // The same idpId in the other form updates that customer rather than creating a second one.
    const again = await put(NFC, 'https://idp.cafe.example/saml2');
    expect(again.statusCode, again.body).toBe(200);
    const list = await instance.app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } });
    expect(list.json().customers.map((c: { idpId: string }) => c.idpId)).toEqual([NFC]);

    for (const form of [NFC, NFD]) {
      const read = await call('GET', form);
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).toMatchObject({ idpId: NFC, entityId: 'https://idp.cafe.example/saml2' });
    }
    expect((await call('DELETE', NFD)).statusCode).toBe(204);
    expect((await call('GET', NFC)).statusCode).toBe(404);
  });

  it('starts a sign-in for an idpid given in the other form', async () => {
    const { put, saasid } = await setUp();
    expect((await put(NFC, 'https://idp.cafe.example/saml')).statusCode).toBe(201);
    const res = await instance.app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${saasid}&idpid=${encodeURIComponent(NFD)}` });
    expect(res.statusCode, res.body).toBe(302);
    expect(res.headers.location).toMatch(/^https:\/\/idp\.cafe\.example\/sso\?SAMLRequest=/);
  });
});
