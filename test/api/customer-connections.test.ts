import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import {
  accountWithCredential,
  curlBasic,
  idpCertificatePem,
  operatorActor,
  restAppInput,
  samlAppInput,
  SP_MANAGED,
  startInstance,
} from '../helpers/test-app.js';

afterAll(dropTestDatabases);

let certificate: string;
beforeAll(async () => {
  certificate = await idpCertificatePem();
});

describe.each(testDialects)('Customer Connection API (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function setUp() {
    const instance = await apps.start();
    const { app } = instance;
    const client = await accountWithCredential(app);
    const actor = operatorActor(client.accountId);
    const rest = await app.services.applications.createApplication(actor, restAppInput('Billing'));
    const saml = await app.services.applications.createApplication(actor, samlAppInput('Analytics'));
    const authorization = curlBasic(client.clientId, client.clientSecret);
    const call = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
      app.inject({ method, url, headers: { authorization, ...(payload !== undefined && { 'content-type': 'application/json' }) }, ...(payload !== undefined && { payload: JSON.stringify(payload) }) });
    return { app, client, actor, rest, saml, call, authorization };
  }

  const idpBody = (overrides: Record<string, unknown> = {}) => ({
    entityId: 'https://idp.customer001.com/saml',
    ssoUrl: 'https://idp.customer001.com/sso',
    certificates: [certificate],
    contactEmail: 'it@customer001.com',
    emailDomains: ['customer001.com'],
    ...overrides,
  });

  it('creates a customer connected to every enabled application when applications is omitted (201)', async () => {
    const { call, rest, saml, app, actor } = await setUp();
    await app.services.applications.setApplicationEnabled(actor, saml.saasid, false);
    const res = await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody());
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      idpId: 'customer001.com',
      entityId: 'https://idp.customer001.com/saml',
      ssoUrl: 'https://idp.customer001.com/sso',
      ssoBinding: 'redirect',
      emailDomains: ['customer001.com'],
      enabled: true,
      applications: [{ saasid: rest.saasid, name: 'Billing', kind: 'rest', multiplexed: true }],
    });
    expect(body.certificates).toEqual([
      expect.objectContaining({ subject: 'CN=idp.customer.example', notAfter: expect.stringMatching(/^20\d\d-/), sha256Fingerprint: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/) }),
    ]);
  });

  it('changes nothing when the same PUT is repeated: 200, same updatedAt, no audit event, no duplicate connection', async () => {
    const { call, rest, app, client } = await setUp();
    const body = idpBody({ applications: [rest.saasid] });
    const first = await call('PUT', `${SP_MANAGED}/customer001.com`, body);
    const eventsBefore = (await app.services.audit.list(client.accountId, { limit: 100 })).events.length;
    apps.current.clock.advance(10_000);
    const second = await call('PUT', `${SP_MANAGED}/customer001.com`, body);
    expect(second.statusCode).toBe(200);
    expect(second.json().updatedAt).toBe(first.json().updatedAt);
    expect(second.json().applications).toHaveLength(1);
    expect((await app.services.audit.list(client.accountId, { limit: 100 })).events.length).toBe(eventsBefore);
  });

  it('turns IdP-initiated sign-in off and on per customer (default on, kept when an update omits it), audited, and refuses a non-boolean', async () => {
    const { call, app, client } = await setUp();
    const created = await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody());
    expect(created.json().idpInitiatedLogin).toBe(true);
    apps.current.clock.advance(1000);
    const off = await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ idpInitiatedLogin: false }));
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json().idpInitiatedLogin).toBe(false);
    expect((await call('GET', `${SP_MANAGED}/customer001.com`)).json()).toMatchObject({ idpInitiatedLogin: false, enabled: true });
    const [event] = (await app.services.audit.list(client.accountId, { limit: 1 })).events;
    expect(event).toMatchObject({ action: 'customer.updated', details: { idpInitiatedLogin: false } });
    // Left out of an update (a client that predates the field), it stays off.
    apps.current.clock.advance(1000);
    expect((await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ enabled: false }))).json()).toMatchObject({ idpInitiatedLogin: false, enabled: false });
    expect((await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ idpInitiatedLogin: true }))).json().idpInitiatedLogin).toBe(true);
    const wrong = await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ idpInitiatedLogin: 'no' }));
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.fields).toEqual([{ field: 'idpInitiatedLogin', message: 'must be true or false' }]);
  });

  it('shares IdP settings across app connections and keeps multiplexed per connection', async () => {
    const { call, rest, saml } = await setUp();
    await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ applications: [rest.saasid] }));
    const res = await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ ssoUrl: 'https://idp.customer001.com/sso2', applications: [{ saasid: saml.saasid, multiplexed: false }] }));
    expect(res.statusCode).toBe(200);
    expect(res.json().ssoUrl).toBe('https://idp.customer001.com/sso2');
    const apps = res.json().applications as { saasid: string; multiplexed: boolean }[];
    expect(apps.map((a) => [a.saasid, a.multiplexed]).sort()).toEqual([[rest.saasid, true], [saml.saasid, false]].sort());
  });

  it('refuses a non-multiplexed connection to a non-multiplexed application (409) and stores nothing', async () => {
    const { call, app, actor } = await setUp();
    const closed = await app.services.applications.createApplication(actor, samlAppInput('Closed', { multiplexed: false }));
    const res = await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ applications: [{ saasid: closed.saasid, multiplexed: false }] }));
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'MULTIPLEXING_NOT_ALLOWED', fields: [{ field: 'applications.0.multiplexed' }] });
    expect((await call('GET', `${SP_MANAGED}/customer001.com`)).statusCode).toBe(404);
  });

  it('answers 404 naming an unknown saasid in the body, and stores nothing', async () => {
    const { call } = await setUp();
    const res = await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ applications: ['6964005a-6270-4a88-9ddc-0e6a4e05e51d'] }));
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'APPLICATION_NOT_FOUND', fields: [{ field: 'applications.0' }] });
    expect((await call('GET', `${SP_MANAGED}/customer001.com`)).statusCode).toBe(404);
  });

  it.each([
    ['a missing entityId', { entityId: undefined }, 'entityId'],
    ['an http SSO URL', { ssoUrl: 'http://idp.customer001.com/sso' }, 'ssoUrl'],
    ['a certificate that is not one', { certificates: ['not a certificate'] }, 'certificates.0'],
    ['an unknown field', { colour: 'blue' }, 'colour'],
    ['SLO without binding', { sloUrl: 'https://idp.customer001.com/slo' }, 'sloBinding'],
    ['a bad email domain', { emailDomains: ['not a domain'] }, 'emailDomains.0'],
    ['a repeated saasid', { applications: ['6964005a-6270-4a88-9ddc-0e6a4e05e51d', '6964005a-6270-4a88-9ddc-0e6a4e05e51d'] }, 'applications.1'],
  ])('answers 400 naming the field for %s', async (_name, overrides, field) => {
    const { call } = await setUp();
    const res = await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody(overrides));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(res.json().error.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect((await call('GET', `${SP_MANAGED}/customer001.com`)).statusCode).toBe(404);
  });

  it.each([
    ['a slash (encoded)', 'customer%2F001.com', 'must not contain "/"'],
    ['an overlong idpId', 'x'.repeat(256), 'at most 255'],
  ])('refuses an idpId with %s', async (_name, idpId, message) => {
    const { call } = await setUp();
    const res = await call('PUT', `${SP_MANAGED}/${idpId}`, idpBody());
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields).toEqual([{ field: 'idpId', message: expect.stringContaining(message) }]);
  });

  it('accepts an idpId with spaces and non-ASCII, URL-encoded in the path', async () => {
    const { call } = await setUp();
    const idpId = 'Kunde Müller GmbH';
    expect((await call('PUT', `${SP_MANAGED}/${encodeURIComponent(idpId)}`, idpBody())).statusCode).toBe(201);
    expect((await call('GET', `${SP_MANAGED}/${encodeURIComponent(idpId)}`)).json().idpId).toBe(idpId);
  });

  it('answers 415 for a non-JSON body and 413 for an oversized one', async () => {
    const { app, authorization } = await setUp();
    const form = await app.inject({ method: 'PUT', url: `${SP_MANAGED}/x.com`, headers: { authorization, 'content-type': 'text/plain' }, payload: 'entityId=x' });
    expect(form.statusCode).toBe(415);
    expect(form.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const huge = await app.inject({
      method: 'PUT',
      url: `${SP_MANAGED}/x.com`,
      headers: { authorization, 'content-type': 'application/json' },
      payload: JSON.stringify({ metadataXml: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('BODY_TOO_LARGE');
    const broken = await app.inject({ method: 'PUT', url: `${SP_MANAGED}/x.com`, headers: { authorization, 'content-type': 'application/json' }, payload: '{"entityId":' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('MALFORMED_REQUEST');
  });

  it('refuses an email domain that another customer already routes (409), naming it', async () => {
    const { call } = await setUp();
    await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody());
    const res = await call('PUT', `${SP_MANAGED}/other.com`, idpBody({ entityId: 'https://idp.other.com/saml', emailDomains: ['other.com', 'customer001.com'] }));
    expect(res.statusCode).toBe(409);
    expect(res.json().error.fields).toEqual([{ field: 'emailDomains.1', message: expect.stringContaining('customer001.com') }]);
    expect((await call('GET', `${SP_MANAGED}/other.com`)).statusCode).toBe(404);
  });

  it('lists customers with a cursor and filters by application and enabled', async () => {
    const { call, rest, saml } = await setUp();
    for (const [idp, apps, enabled] of [
      ['a.com', [rest.saasid], true],
      ['b.com', [saml.saasid], true],
      ['c.com', [rest.saasid, saml.saasid], false],
    ] as const) {
      expect((await call('PUT', `${SP_MANAGED}/${idp}`, idpBody({ entityId: `https://idp.${idp}/saml`, applications: apps, emailDomains: [], enabled }))).statusCode).toBe(201);
    }
    const first = (await call('GET', `${SP_MANAGED}?limit=2`)).json();
    expect(first.customers.map((c: { idpId: string }) => c.idpId)).toEqual(['a.com', 'b.com']);
    const second = (await call('GET', `${SP_MANAGED}?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second).toMatchObject({ customers: [{ idpId: 'c.com', enabled: false }], nextCursor: null });
    const bySaml = (await call('GET', `${SP_MANAGED}?saasid=${saml.saasid}`)).json();
    expect(bySaml.customers.map((c: { idpId: string }) => c.idpId)).toEqual(['b.com', 'c.com']);
    const enabledOnly = (await call('GET', `${SP_MANAGED}?enabled=true`)).json();
    expect(enabledOnly.customers.map((c: { idpId: string }) => c.idpId)).toEqual(['a.com', 'b.com']);
  });

  it('refuses a second customer with the same IdP entity ID (409), naming the first', async () => {
    const { call } = await setUp();
    await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody());
    const res = await call('PUT', `${SP_MANAGED}/impostor.com`, idpBody({ emailDomains: ['impostor.com'] }));
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'CUSTOMER_CONFLICT', fields: [{ field: 'entityId', message: expect.stringContaining('customer001.com') }] });
    expect((await call('GET', `${SP_MANAGED}/impostor.com`)).statusCode).toBe(404);
  });

  it('removes one app connection, then deletes the customer', async () => {
    const { call, rest, saml } = await setUp();
    await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ applications: [rest.saasid, saml.saasid] }));
    expect((await call('DELETE', `${SP_MANAGED}/customer001.com/applications/${saml.saasid}`)).statusCode).toBe(204);
    expect((await call('GET', `${SP_MANAGED}/customer001.com`)).json().applications.map((a: { saasid: string }) => a.saasid)).toEqual([rest.saasid]);
    expect((await call('DELETE', `${SP_MANAGED}/customer001.com/applications/${saml.saasid}`)).statusCode).toBe(404);
    expect((await call('DELETE', `${SP_MANAGED}/customer001.com`)).statusCode).toBe(204);
    expect((await call('GET', `${SP_MANAGED}/customer001.com`)).statusCode).toBe(404);
    expect((await call('DELETE', `${SP_MANAGED}/customer001.com`)).json().error.code).toBe('CUSTOMER_NOT_FOUND');
  });

  it('tells the IdP admin what to configure, for the shared identity and for a non-multiplexed connection', async () => {
    const { call, rest, saml, client } = await setUp();
    await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ applications: [rest.saasid, { saasid: saml.saasid, multiplexed: false }] }));
    const res = await call('GET', `${SP_MANAGED}/customer001.com/idpConfiguration`);
    expect(res.statusCode).toBe(200);
    const [shared, own] = res.json().configurations;
    expect(shared).toMatchObject({
      multiplexed: true,
      applications: [rest.saasid],
      entityId: `http://localhost:8080/saml/sp/${client.accountId}`,
      acsUrl: 'http://localhost:8080/sso/sp/ACS.saml2',
      acsBinding: 'post',
      requiredAttributes: [{ name: 'email', required: true }],
    });
    expect(own).toMatchObject({ multiplexed: false, applications: [saml.saasid], acsUrl: `http://localhost:8080/sso/sp/ACS.saml2?saasid=${saml.saasid}` });
    expect(own.requiredAttributes).toEqual([{ name: 'email', required: true }, { name: 'department', required: false }]);
    expect(shared.signingCertificates).toHaveLength(1);
    expect(shared.metadataXml).toContain(`entityID="http://localhost:8080/saml/sp/${client.accountId}"`);
    const xml = await call('GET', `${SP_MANAGED}/customer001.com/metadata.xml?saasid=${saml.saasid}`);
    expect(xml.statusCode).toBe(200);
    expect(xml.headers['content-type']).toContain('application/samlmetadata+xml');
    expect(xml.body).toContain('<md:RequestedAttribute Name="department" isRequired="false"/>');
  });

  it("never shows or changes another account's customers (404, and absent from lists)", async () => {
    const { call, app } = await setUp();
    await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody());
    const other = await accountWithCredential(app, 'Other SaaS');
    const otherAuth = curlBasic(other.clientId, other.clientSecret);
    const as = (method: 'GET' | 'DELETE', url: string) => app.inject({ method, url, headers: { authorization: otherAuth } });
    expect((await as('GET', `${SP_MANAGED}/customer001.com`)).statusCode).toBe(404);
    expect((await as('DELETE', `${SP_MANAGED}/customer001.com`)).statusCode).toBe(404);
    expect((await as('GET', SP_MANAGED)).json().customers).toEqual([]);
    expect((await as('GET', '/web-portal/rest/saas/idp/2.0/applications')).json().applications).toEqual([]);
    expect((await call('GET', `${SP_MANAGED}/customer001.com`)).statusCode).toBe(200);
  });

  it('leaves exactly one customer and no duplicate connection when the same PUT races', async () => {
    const { call, rest, saml } = await setUp();
    const body = idpBody({ applications: [rest.saasid, saml.saasid] });
    const results = await Promise.all(Array.from({ length: 8 }, () => call('PUT', `${SP_MANAGED}/customer001.com`, body)));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const list = (await call('GET', SP_MANAGED)).json();
    expect(list.customers).toHaveLength(1);
    expect(list.customers[0].applications.sort()).toEqual([rest.saasid, saml.saasid].sort());
  });

  it('creates only with If-None-Match: *: of racing creates one gets 201, the others 412, and nothing is replaced', async () => {
    const { app, client, authorization } = await setUp();
    const put = (ssoUrl: string) =>
      app.inject({
        method: 'PUT',
        url: `${SP_MANAGED}/customer001.com`,
        headers: { authorization, 'content-type': 'application/json', 'if-none-match': '*' },
        payload: JSON.stringify(idpBody({ ssoUrl })),
      });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => put(`https://idp.customer001.com/sso-${i}`)));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 412, 412, 412, 412, 412]);
    const winner = results.find((r) => r.statusCode === 201)!.json().ssoUrl;
    for (const refused of results.filter((r) => r.statusCode === 412)) {
      expect(refused.json()).toEqual({ error: { code: 'PRECONDITION_FAILED', message: 'A customer with idpId "customer001.com" already exists (If-None-Match: *); nothing was changed.' } });
    }
    expect((await app.inject({ method: 'GET', url: `${SP_MANAGED}/customer001.com`, headers: { authorization } })).json().ssoUrl).toBe(winner);
    const { events } = await app.services.audit.list(client.accountId, { limit: 10 });
    expect(events.filter((e) => e.targetId === 'customer001.com').map((e) => e.action)).toEqual(['customer.created']);
  });

  it('makes the listed applications the exact set with removeUnlistedApplications, in one audited change', async () => {
    const { call, app, client, rest, saml } = await setUp();
    await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ applications: [rest.saasid] }));
    // Without the flag a PUT only adds: Billing stays.
    const added = await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ applications: [saml.saasid] }));
    expect(added.json().applications.map((a: { name: string }) => a.name).sort()).toEqual(['Analytics', 'Billing']);
    const before = (await app.services.audit.list(client.accountId, { limit: 100 })).events.length;

    const exact = await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ applications: [saml.saasid], removeUnlistedApplications: true }));
    expect(exact.statusCode, exact.body).toBe(200);
    expect(exact.json().applications.map((a: { name: string }) => a.name)).toEqual(['Analytics']);
    const { events } = await app.services.audit.list(client.accountId, { limit: 100 });
    expect(events).toHaveLength(before + 1);
    expect(events[0]).toMatchObject({ action: 'customer.updated', targetId: 'customer001.com', details: { applicationsRemoved: rest.saasid } });

    // The same exact set again changes nothing; [] removes every connection.
    await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ applications: [saml.saasid], removeUnlistedApplications: true }));
    expect((await app.services.audit.list(client.accountId, { limit: 100 })).events).toHaveLength(before + 1);
    expect((await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ applications: [], removeUnlistedApplications: true }))).json().applications).toEqual([]);
  });

  it('refuses removeUnlistedApplications without the applications list, changing nothing', async () => {
    const { call, rest } = await setUp();
    await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ applications: [rest.saasid] }));
    const res = await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ removeUnlistedApplications: true }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields).toEqual([{ field: 'applications', message: 'is required with removeUnlistedApplications (the exact list; [] removes every connection)' }]);
    expect((await call('GET', `${SP_MANAGED}/customer001.com`)).json().applications).toHaveLength(1);
  });

  it('records API changes in the audit log with the credential that made them', async () => {
    const { call, app, client } = await setUp();
    await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody());
    await call('DELETE', `${SP_MANAGED}/customer001.com`);
    const { events } = await app.services.audit.list(client.accountId, { limit: 5 });
    expect(events.slice(0, 2).map((e) => [e.action, e.actorKind, e.actorId])).toEqual([
      ['customer.deleted', 'api-client', client.clientId],
      ['customer.created', 'api-client', client.clientId],
    ]);
  });

  it('shows a change made on one instance on another without a restart, and an app rename at once', async () => {
    const { call, app, rest, actor, client } = await setUp();
    await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ applications: [rest.saasid] }));
    const second = await startInstance(apps.current.location);
    try {
      const authorization = curlBasic(client.clientId, client.clientSecret);
      const read = async () => (await second.app.inject({ method: 'GET', url: `${SP_MANAGED}/customer001.com`, headers: { authorization } })).json();
      expect((await read()).ssoUrl).toBe('https://idp.customer001.com/sso');
      await call('PUT', `${SP_MANAGED}/customer001.com`, idpBody({ ssoUrl: 'https://idp.customer001.com/new-sso', applications: [rest.saasid] }));
      // How soon is measured by bench/change-propagation.ts (docs/limits.md promises 1 s); the poll's
      // deadline only keeps a broken change feed from hanging the test.
      await expect.poll(async () => (await read()).ssoUrl, { timeout: 10_000, interval: 20 }).toBe('https://idp.customer001.com/new-sso');
      await app.services.applications.updateApplication(actor, rest.saasid, restAppInput('Billing v2'));
      expect((await call('GET', `${SP_MANAGED}/customer001.com`)).json().applications[0].name).toBe('Billing v2');
    } finally {
      await second.close();
    }
  });

  it('serves an OpenAPI 3.1 document describing every operation', async () => {
    const { app } = await setUp();
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    const paths = Object.keys(doc.paths);
    for (const p of ['/web-portal/rest/saas/idp/2.0/spManaged', '/web-portal/rest/saas/idp/2.0/spManaged/{idpId}', '/web-portal/rest/saas/idp/2.0/spManaged/{idpId}/idpConfiguration', '/web-portal/rest/saas/idp/2.0/applications']) {
      expect(paths).toContain(p);
    }
    expect(Object.keys(doc.paths['/web-portal/rest/saas/idp/2.0/spManaged/{idpId}'])).toEqual(expect.arrayContaining(['get', 'put', 'delete']));
  });
});
