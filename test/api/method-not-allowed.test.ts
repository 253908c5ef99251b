import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropTestDatabases } from '../helpers/databases.js';
import { accountWithCredential, curlBasic, SP_MANAGED, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

describe('a method a resource does not have', () => {
  let instance: TestInstance;
  afterEach(async () => instance?.close());

  it('answers PATCH on a customer with 405, Allow listing its methods, in the API error shape', async () => {
    instance = await startTestApp('sqlite');
    const client = await accountWithCredential(instance.app);
    const res = await instance.app.inject({
      method: 'PATCH',
      url: `${SP_MANAGED}/customer001.com`,
      headers: { authorization: curlBasic(client.clientId, client.clientSecret), 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, PUT, DELETE');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({ error: { code: 'METHOD_NOT_ALLOWED', message: expect.stringContaining('GET, HEAD, PUT, DELETE') } });
  });

  it('still asks an unauthenticated caller for credentials first, as for an unknown path', async () => {
    instance = await startTestApp('sqlite');
    const res = await instance.app.inject({ method: 'PATCH', url: `${SP_MANAGED}/customer001.com` });
    expect(res.statusCode).toBe(401);
    expect(res.headers.allow).toBeUndefined();
  });

  it('answers POST on the customer list with 405 and keeps 404 for a path that does not exist', async () => {
    instance = await startTestApp('sqlite');
    const client = await accountWithCredential(instance.app);
    const authorization = curlBasic(client.clientId, client.clientSecret);
    const post = await instance.app.inject({ method: 'POST', url: SP_MANAGED, headers: { authorization } });
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const unknown = await instance.app.inject({ method: 'PATCH', url: `${SP_MANAGED}/customer001.com/no-such-thing`, headers: { authorization } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('ROUTE_NOT_FOUND');
    expect(unknown.headers.allow).toBeUndefined();
  });

  it.each(['1', '2'])('answers POST on the token exchange /%s/{tokenid} with 405 and Allow: GET, HEAD', async (form) => {
    instance = await startTestApp('sqlite');
    const res = await instance.app.inject({ method: 'POST', url: `/sso/TXS/2.0/${form}/some-token` });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.json().error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('answers the ACS with 405 for GET (it takes POST only), and a console page with a 405 page', async () => {
    instance = await startTestApp('sqlite');
    const acs = await instance.app.inject({ method: 'GET', url: '/sso/sp/ACS.saml2' });
    expect(acs.statusCode).toBe(405);
    expect(acs.headers.allow).toBe('POST');
    const page = await instance.app.inject({ method: 'DELETE', url: '/console/sign-in' });
    expect(page.statusCode).toBe(405);
    expect(page.headers.allow).toContain('GET');
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Method not allowed');
  });
});
