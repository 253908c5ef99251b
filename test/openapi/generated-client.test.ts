import createClient from 'openapi-fetch';
import { afterAll, afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { authnRequestFromRedirect, autoPostForm, idpResponse, ssoSetUp } from '../helpers/sso-fixture.js';
import { accountWithCredential, curlBasic, idpCertificatePem, operatorActor, restAppInput, type TestInstance } from '../helpers/test-app.js';
import { fetchServedDocument, generateApiTypes, startListeningApp } from './served-api.js';
// Generated from the served document by openapi-typescript; the first test keeps it identical.
import type { components, paths } from './ssobridge-api.js';

afterAll(dropTestDatabases);

type ApiError = components['schemas']['Error'];

describe('a client generated from /openapi.json', () => {
  const instances: TestInstance[] = [];
  afterEach(async () => {
    for (const instance of instances.splice(0)) await instance.close();
  });
  const serve = async (dialect: (typeof testDialects)[number]) => {
    const served = await startListeningApp(dialect);
    instances.push(served.instance);
    return served;
  };

  it('is the one test/openapi/ssobridge-api.d.ts holds (regenerate with `npx vitest run test/openapi -u`)', async () => {
    const { baseUrl } = await serve('sqlite');
    const generated = await generateApiTypes(await fetchServedDocument(baseUrl));
    // A route schema that changes without the committed types changing fails here; typecheck then
    // checks every use below against the regenerated types.
    await expect(generated).toMatchFileSnapshot('./ssobridge-api.d.ts');
  });

  describe.each(testDialects)('against a real server (%s)', (dialect) => {
    it('creates, reads, lists, disconnects and deletes a customer; refusals come typed as Error', async () => {
      const { instance, baseUrl } = await serve(dialect);
      const { app } = instance;
      // What an operator does in the console first: a Connection API credential and an application.
      const { accountId, clientId, clientSecret } = await accountWithCredential(app);
      const application = await app.services.applications.createApplication(operatorActor(accountId), restAppInput('Billing'));
      const client = createClient<paths>({ baseUrl, headers: { Authorization: curlBasic(clientId, clientSecret) } });
      const customer = { path: { idpId: 'customer001.com' } };

      const body = {
        entityId: 'https://idp.customer001.com/saml',
        ssoUrl: 'https://idp.customer001.com/sso',
        certificates: [await idpCertificatePem()],
        emailDomains: ['customer001.com'],
        applications: [application.saasid],
      };
      const created = await client.PUT('/web-portal/rest/saas/idp/2.0/spManaged/{idpId}', { params: customer, body });
      expect(created.response.status, JSON.stringify(created.error)).toBe(201);
      expect(created.data?.applications.map((a) => a.saasid)).toEqual([application.saasid]);
      const repeated = await client.PUT('/web-portal/rest/saas/idp/2.0/spManaged/{idpId}', { params: customer, body });
      expect(repeated.response.status).toBe(200);

      const read = await client.GET('/web-portal/rest/saas/idp/2.0/spManaged/{idpId}', { params: customer });
      expectTypeOf(read.data).toEqualTypeOf<components['schemas']['Customer'] | undefined>();
      expect(read.data).toMatchObject({ idpId: 'customer001.com', entityId: body.entityId, ssoBinding: 'redirect', enabled: true });
      expect(read.data?.certificates[0]?.subject).toBe('CN=idp.customer.example');

      const page = await client.GET('/web-portal/rest/saas/idp/2.0/spManaged', { params: { query: { limit: 10, saasid: application.saasid } } });
      expect(page.data).toEqual({ customers: [expect.objectContaining({ idpId: 'customer001.com', applications: [application.saasid] })], nextCursor: null });
      const applications = await client.GET('/web-portal/rest/saas/idp/2.0/applications');
      expect(applications.data?.applications.map((a) => a.saasid)).toEqual([application.saasid]);

      const configuration = await client.GET('/web-portal/rest/saas/idp/2.0/spManaged/{idpId}/idpConfiguration', { params: customer });
      expect(configuration.data?.configurations[0]?.acsUrl).toBe(`${instance.config.publicUrl}/sso/sp/ACS.saml2`);
      const metadata = await client.GET('/web-portal/rest/saas/idp/2.0/spManaged/{idpId}/metadata.xml', { params: customer, parseAs: 'text' });
      expectTypeOf(metadata.data).toEqualTypeOf<string | undefined>();
      expect(metadata.response.headers.get('content-type')).toBe('application/samlmetadata+xml; charset=utf-8');
      expect(metadata.data).toContain('<md:EntityDescriptor');

      const removed = await client.DELETE('/web-portal/rest/saas/idp/2.0/spManaged/{idpId}/applications/{saasid}', { params: { path: { idpId: 'customer001.com', saasid: application.saasid } } });
      expect(removed.response.status).toBe(204);
      expect((await client.GET('/web-portal/rest/saas/idp/2.0/spManaged/{idpId}', { params: customer })).data?.applications).toEqual([]);
      const deleted = await client.DELETE('/web-portal/rest/saas/idp/2.0/spManaged/{idpId}', { params: customer });
      expect(deleted.response.status).toBe(204);

      const missing = await client.GET('/web-portal/rest/saas/idp/2.0/spManaged/{idpId}', { params: customer });
      expectTypeOf(missing.error).toEqualTypeOf<ApiError | undefined>();
      expect(missing.response.status).toBe(404);
      expect(missing.error?.error.code).toBe('CUSTOMER_NOT_FOUND');

      const invalid = await client.PUT('/web-portal/rest/saas/idp/2.0/spManaged/{idpId}', { params: customer, body: { ...body, ssoUrl: 'http://idp.customer001.com/sso' } });
      expectTypeOf(invalid.error).toEqualTypeOf<ApiError | undefined>();
      expect(invalid.response.status).toBe(400);
      expect(invalid.error?.error.fields?.map((f) => f.field)).toEqual(['ssoUrl']);

      const stranger = createClient<paths>({ baseUrl, headers: { Authorization: curlBasic(clientId, `${clientSecret}x`) } });
      const refused = await stranger.GET('/web-portal/rest/saas/idp/2.0/spManaged');
      expectTypeOf(refused.error).toEqualTypeOf<ApiError | undefined>();
      expect(refused.response.status).toBe(401);
      expect(refused.response.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(refused.error?.error.code).toBe('INVALID_CREDENTIALS');
    });

    it("exchanges a sign-in's one-time token once; a used token is a typed 404", async () => {
      const { instance, baseUrl } = await serve(dialect);
      const { app } = instance;
      const s = await ssoSetUp(app);
      // The browser side of a sign-in (not part of the API): initsso, then the IdP's answer at the ACS.
      const start = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com` });
      const request = authnRequestFromRedirect(start.headers.location as string);
      const acs = await app.inject({
        method: 'POST',
        url: '/sso/sp/ACS.saml2',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          SAMLResponse: idpResponse(s.idpKey, { destination: `${instance.config.publicUrl}/sso/sp/ACS.saml2`, audience: `${instance.config.publicUrl}/saml/sp/${s.accountId}`, inResponseTo: request.id }),
          RelayState: request.relayState,
        }).toString(),
      });
      const tokenid = autoPostForm(acs.body).fields.tokenid!;

      const restApp = createClient<paths>({ baseUrl, headers: { Authorization: s.appAuthorization } });
      const exchanged = await restApp.GET('/sso/TXS/2.0/1/{tokenid}', { params: { path: { tokenid } } });
      expectTypeOf(exchanged.data).toEqualTypeOf<components['schemas']['TokenAttributes'] | undefined>();
      expect(exchanged.data).toMatchObject({ 'pingone.subject': 'alice@customer001.com', 'pingone.idp.id': 'customer001.com', email: 'alice@customer001.com' });

      const again = await restApp.GET('/sso/TXS/2.0/2/{tokenid}', { params: { path: { tokenid } }, parseAs: 'text' });
      expectTypeOf(again.error).toEqualTypeOf<ApiError | undefined>();
      expect(again.response.status).toBe(404);
      expect(again.error?.error.code).toBe('TOKEN_NOT_FOUND');
    });
  });
});
