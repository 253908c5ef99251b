import { afterAll, describe, expect, it } from 'vitest';
import { ATTRIBUTE_MAPPING_PRESETS } from '../../src/domain/connections/attribute-mapping-presets.js';
import type { App } from '../../src/app.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { autoPostForm, CUSTOMER_IDP, CUSTOMER_SSO, idpResponse, ssoSetUp } from '../helpers/sso-fixture.js';
import { curlBasic, restAppInput, SP_MANAGED } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const ACS = 'http://localhost:8080/sso/sp/ACS.saml2';
const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
/** What Microsoft Entra ID sends by default (plus the object ID and groups claims). */
const ENTRA_ATTRIBUTES = {
  [`${CLAIMS}/emailaddress`]: ['alice@customer001.com'],
  [`${CLAIMS}/givenname`]: ['Alice'],
  [`${CLAIMS}/surname`]: ['Liddell'],
  [`${CLAIMS}/name`]: ['alice@customer001.onmicrosoft.com'],
  'http://schemas.microsoft.com/identity/claims/objectidentifier': ['0f8fad5b-d9cb-469f-a165-70867728950e'],
  'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['admins', 'staff'],
};

describe.each(testDialects)('attribute mapping per customer connection (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  /** An HR REST app wanting app-style names, connected to customer001.com, and a Connection API client. */
  const setUp = async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app);
    const hr = await app.services.applications.createApplication(
      s.actor,
      restAppInput('HR', {
        requiredAttributes: [
          { name: 'email', required: true },
          { name: 'firstName', required: true },
          { name: 'lastName', required: false },
          { name: 'userId', required: false },
          { name: 'groups', required: false },
        ],
      }),
    );
    const hrCredential = await app.services.credentials.createApplicationCredential(s.actor, { saasid: hr.saasid, description: 'hr backend' });
    const api = await app.services.credentials.createConnectionApiCredential(s.actor, { description: 'backend' });
    const authorization = curlBasic(api.credential.clientId, api.clientSecret);
    const put = (body: Record<string, unknown>) =>
      app.inject({ method: 'PUT', url: `${SP_MANAGED}/customer001.com`, headers: { authorization, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    const baseBody = { entityId: CUSTOMER_IDP, ssoUrl: CUSTOMER_SSO, certificates: [s.idpKey.certificatePem], emailDomains: ['customer001.com'], applications: [s.rest.saasid, s.saml.saasid, hr.saasid] };
    const get = () => app.inject({ method: 'GET', url: `${SP_MANAGED}/customer001.com`, headers: { authorization } });
    const signIn = (attributes: Record<string, string[]>) =>
      app.inject({
        method: 'POST',
        url: `/sso/sp/ACS.saml2?saasid=${hr.saasid}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ SAMLResponse: idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null, attributes }) }).toString(),
      });
    const exchange = (app2: App, tokenid: string) =>
      app2.inject({ method: 'GET', url: `/sso/TXS/2.0/1/${tokenid}`, headers: { authorization: curlBasic(hrCredential.credential.clientId, hrCredential.clientSecret) } });
    return { app, s, hr, put, baseBody, get, signIn, exchange };
  };

  /** What a SAML app receives: the attribute names and values of the assertion we sign for it. */
  const samlAttributesOf = (html: string) => {
    const xml = Buffer.from(autoPostForm(html).fields.SAMLResponse!, 'base64').toString('utf8');
    return [...xml.matchAll(/<saml:Attribute Name="([^"]+)"[^>]*>([\s\S]*?)<\/saml:Attribute>/g)].map((m) => [m[1], [...m[2]!.matchAll(/>([^<]+)<\/saml:AttributeValue>/g)].map((v) => v[1])]);
  };

  it('delivers an Entra ID assertion to a REST app under the app names, with the Entra ID preset set through the API', async () => {
    const { app, put, baseBody, signIn, exchange } = await setUp();
    expect((await put(baseBody)).statusCode).toBe(200);
    // Without a mapping, Entra's claim URIs do not satisfy the app's "email".
    const before = await signIn(ENTRA_ATTRIBUTES);
    expect(new URL(before.headers.location as string).searchParams.get('error')).toBe('REQUIRED_ATTRIBUTE_MISSING');

    const saved = await put({ ...baseBody, attributeMapping: { preset: 'entra-id' } });
    expect(saved.statusCode, saved.body).toBe(200);
    const login = await signIn(ENTRA_ATTRIBUTES);
    expect(login.statusCode, login.body).toBe(200);
    const token = await exchange(app, autoPostForm(login.body).fields.tokenid!);
    expect(token.statusCode, token.body).toBe(200);
    const attributes = token.json<Record<string, unknown>>();
    expect(attributes).toMatchObject({
      email: 'alice@customer001.com',
      firstName: 'Alice',
      lastName: 'Liddell',
      userId: '0f8fad5b-d9cb-469f-a165-70867728950e',
      groups: ['admins', 'staff'],
      subject: 'alice@customer001.com',
    });
    // Only the app's names reach the app, never the IdP's.
    expect(Object.keys(attributes).filter((k) => k.startsWith('http'))).toEqual([]);
  });

  it('treats attribute names such as constructor and __proto__ as attributes like any other', async () => {
    const { app, put, baseBody, signIn, exchange } = await setUp();
    // A rule whose app name is "__proto__", and an IdP that sends "constructor" and "toString".
    const mapping = { rules: [{ idpAttribute: 'mail', appAttribute: 'email' }, { idpAttribute: 'given', appAttribute: 'firstName' }, { idpAttribute: 'constructor', appAttribute: '__proto__' }] };
    expect((await put({ ...baseBody, attributeMapping: mapping })).statusCode).toBe(200);
    const login = await signIn({ mail: ['alice@customer001.com'], given: ['Alice'], constructor: ['c'], toString: ['t'] });
    expect(login.statusCode, login.body).toBe(200);
    const token = await exchange(app, autoPostForm(login.body).fields.tokenid!);
    expect(token.statusCode, token.body).toBe(200);
    expect(token.json<Record<string, unknown>>()).toMatchObject({ email: 'alice@customer001.com', firstName: 'Alice' });
    // Not sent: "lastName" is optional and stays absent rather than turning into a prototype member.
    expect(Object.keys(token.json<Record<string, unknown>>())).not.toContain('lastName');
  });

  it('delivers an Entra ID assertion to a SAML app under the app names', async () => {
    const { app, s, put, baseBody } = await setUp();
    expect((await put({ ...baseBody, attributeMapping: { preset: 'entra-id' } })).statusCode).toBe(200);
    const login = await app.inject({
      method: 'POST',
      url: `/sso/sp/ACS.saml2?saasid=${s.saml.saasid}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ SAMLResponse: idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null, attributes: ENTRA_ATTRIBUTES }) }).toString(),
    });
    expect(login.statusCode, login.body).toBe(200);
    expect(samlAttributesOf(login.body)).toEqual([
      ['email', ['alice@customer001.com']],
      ['pingone.idp.id', ['customer001.com']],
    ]);
  });

  it('delivers the NameID under an app attribute when asked', async () => {
    const { app, put, baseBody, signIn, exchange } = await setUp();
    const saved = await put({ ...baseBody, attributeMapping: { rules: [{ idpAttribute: 'mail', appAttribute: 'email' }, { idpAttribute: 'fn', appAttribute: 'lastName' }], nameIdAttribute: 'firstName' } });
    expect(saved.statusCode, saved.body).toBe(200);
    const login = await signIn({ mail: ['alice@customer001.com'] });
    expect(login.statusCode, login.body).toBe(200);
    expect((await exchange(app, autoPostForm(login.body).fields.tokenid!)).json()).toMatchObject({ email: 'alice@customer001.com', firstName: 'alice@customer001.com' });
  });

  it("names the IdP attribute a missing required attribute is mapped from in the sign-in log", async () => {
    const { app, s, put, baseBody, signIn } = await setUp();
    expect((await put({ ...baseBody, attributeMapping: { preset: 'entra-id' } })).statusCode).toBe(200);
    const { [`${CLAIMS}/emailaddress`]: _email, ...withoutEmail } = ENTRA_ATTRIBUTES;
    const refused = await signIn(withoutEmail);
    expect(new URL(refused.headers.location as string).searchParams.get('error')).toBe('REQUIRED_ATTRIBUTE_MISSING');
    const [event] = (await app.services.ssoLog.list(s.accountId, {})).events;
    expect(event!.detail).toMatch(new RegExp(`^Required attribute "email" \\(mapped from the IdP's "${CLAIMS}/emailaddress"\\) was not sent\\. The identity provider sent 5 attributes: `));
    expect(event!.detail).not.toContain('Alice');
  });

  it('round-trips the mapping through the API: a preset fills the rules, an omitted mapping is kept, a conflicting one is refused', async () => {
    const { put, baseBody, get } = await setUp();
    const fresh = await get();
    expect(fresh.json().attributeMapping).toEqual({ preset: null, rules: [], nameIdAttribute: null });

    const saved = await put({ ...baseBody, attributeMapping: { preset: 'adfs', nameIdAttribute: 'subjectId' } });
    expect(saved.statusCode, saved.body).toBe(200);
    const adfs = ATTRIBUTE_MAPPING_PRESETS.find((p) => p.id === 'adfs')!;
    const expected = { preset: 'adfs', rules: adfs.rules, nameIdAttribute: 'subjectId' };
    expect(saved.json().attributeMapping).toEqual(expected);
    expect((await get()).json().attributeMapping).toEqual(expected);

    // A client that does not know the field does not erase it.
    expect((await put({ ...baseBody, contactEmail: 'it@customer001.com' })).json().attributeMapping).toEqual(expected);

    const conflicting = await put({ ...baseBody, attributeMapping: { preset: 'nope', rules: [{ idpAttribute: 'a', appAttribute: 'email' }, { idpAttribute: 'b', appAttribute: 'email' }] } });
    expect(conflicting.statusCode).toBe(400);
    expect(conflicting.json().error.fields).toEqual(
      expect.arrayContaining([
        { field: 'attributeMapping.preset', message: expect.stringContaining('must be one of okta, entra-id') },
        { field: 'attributeMapping.rules.1.appAttribute', message: 'maps a second attribute to "email"' },
      ]),
    );
    expect((await get()).json().attributeMapping).toEqual(expected);

    // Explicit rules replace the preset's.
    const custom = await put({ ...baseBody, attributeMapping: { preset: 'okta', rules: [{ idpAttribute: 'mail', appAttribute: 'email' }] } });
    expect(custom.json().attributeMapping).toEqual({ preset: 'okta', rules: [{ idpAttribute: 'mail', appAttribute: 'email' }], nameIdAttribute: null });
  });
});
