import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropTestDatabases } from '../helpers/databases.js';
import { accountWithCredential, curlBasic, SP_MANAGED, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('error responses of every surface', () => {
  let instance: TestInstance;
  afterEach(async () => instance?.close());

  it.each([
    ['an API request without credentials', 'GET', SP_MANAGED, 401, 'application/json'],
    ['an unknown path', 'GET', '/no/such/path', 404, 'application/json'],
    ['an unknown console page', 'GET', '/console/no-such-page', 404, 'text/html'],
    ['a sign-in start without saasid', 'GET', '/sso/sp/initsso', 404, 'text/html'],
    ['an unknown application metadata', 'GET', '/sso/idp/metadata/00000000-0000-4000-8000-000000000000', 404, 'application/json'],
  ])('carry the request ID in X-Request-Id: %s', async (_name, method, url, status, type) => {
    instance = await startTestApp('sqlite');
    const res = await instance.app.inject({ method: method as 'GET', url });
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toContain(type);
    expect(res.headers['x-request-id']).toMatch(REQUEST_ID);
    // Pages show the ID they were answered with.
    if (type === 'text/html') expect(res.body).toContain(String(res.headers['x-request-id']));
  });

  it('answers an idpId longer than the router accepts with 414 in the API error shape, with its headers', async () => {
    instance = await startTestApp('sqlite');
    const client = await accountWithCredential(instance.app);
    const res = await instance.app.inject({ method: 'GET', url: `${SP_MANAGED}/${'x'.repeat(1100)}`, headers: { authorization: curlBasic(client.clientId, client.clientSecret) } });
    expect(res.statusCode).toBe(414);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({ error: { code: 'URI_TOO_LONG', message: expect.stringContaining('255') } });
    expect(res.headers['x-request-id']).toMatch(REQUEST_ID);
    expect(res.headers['content-security-policy']).toBeDefined();
  });

  it('answers a path with broken percent-encoding with 400 in the API error shape', async () => {
    instance = await startTestApp('sqlite');
    const res = await instance.app.inject({ method: 'GET', url: `${SP_MANAGED}/%E0%A4%A` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'MALFORMED_REQUEST', message: expect.any(String) } });
    expect(res.headers['x-request-id']).toMatch(REQUEST_ID);
  });
});
