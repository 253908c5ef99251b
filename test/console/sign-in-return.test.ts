import { afterAll, describe, expect, it } from 'vitest';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { ConsoleClient } from '../helpers/console-client.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { operatorActor } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const PASSWORD = 'correct horse battery staple';
const EMAIL = 'admin@example.com';
const DEFAULT_PAGE = '/console/account/integration';

/** The hidden return path the sign-in form carries, as the browser would post it back. */
function nextField(html: string): string | undefined {
  const match = /<input type="hidden" name="next" value="([^"]*)">/.exec(html);
  return match?.[1]?.replace(/&amp;/g, '&');
}

describe.each(testDialects)('arriving at the console (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function withAdmin() {
    const instance = await apps.start();
    const { account } = await instance.app.services.accounts.ensureDefaultAccount(operatorActor);
    await instance.app.services.admins.createAdmin(operatorActor(account.id), account.id, { email: EMAIL, password: PASSWORD });
    return instance.app;
  }

  it('sends a visitor of the server root to the console', async () => {
    const app = await withAdmin();
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/console');
    const head = await app.inject({ method: 'HEAD', url: '/' });
    expect(head.statusCode).toBe(302);
  });

  it('lands the admin on the page they asked for while signed out, query included', async () => {
    const app = await withAdmin();
    const browser = new ConsoleClient(app);
    const asked = '/console/customer-connections?q=acme';
    const redirect = await browser.get(asked);
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe(`/console/sign-in?next=${encodeURIComponent(asked)}`);
    const form = await browser.get(redirect.headers.location!);
    expect(nextField(form.body)).toBe(asked);
    const signedIn = await browser.post('/console/sign-in', { email: EMAIL, password: PASSWORD, next: nextField(form.body)! });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe(asked);
    expect((await browser.get(asked)).statusCode).toBe(200);
  });

  it('keeps the return path through a failed attempt', async () => {
    const app = await withAdmin();
    const browser = new ConsoleClient(app);
    await browser.get('/console/sign-in?next=%2Fconsole%2Fapplications');
    const wrong = await browser.post('/console/sign-in', { email: EMAIL, password: 'not the password', next: '/console/applications' });
    expect(wrong.statusCode).toBe(401);
    expect(nextField(wrong.body)).toBe('/console/applications');
    const right = await browser.post('/console/sign-in', { email: EMAIL, password: PASSWORD, next: nextField(wrong.body)! });
    expect(right.headers.location).toBe('/console/applications');
  });

  it('sends an admin who is already signed in straight on to the requested page', async () => {
    const app = await withAdmin();
    const browser = new ConsoleClient(app);
    await browser.signIn(EMAIL, PASSWORD);
    const res = await browser.get('/console/sign-in?next=%2Fconsole%2Faccount%2Fsigning-keys');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/console/account/signing-keys');
  });

  it.each([
    '//evil.example/',
    '/\\evil.example',
    'https://evil.example/console',
    '/%2F%2Fevil.example',
    '/console/%2F%2Fevil.example',
    '/console/%5C%5Cevil.example',
    '/console/%252F%252Fevil.example',
    '/console/../../evil',
  ])('never redirects to %s, on the form or after sign-in', async (evil) => {
    const app = await withAdmin();
    const browser = new ConsoleClient(app);
    const form = await browser.get(`/console/sign-in?next=${encodeURIComponent(evil)}`);
    expect(form.statusCode).toBe(200);
    expect(nextField(form.body)).toBeUndefined();
    // A forged form field is checked again on the way back.
    const signedIn = await browser.post('/console/sign-in', { email: EMAIL, password: PASSWORD, next: evil });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe(DEFAULT_PAGE);
    const again = await browser.get(`/console/sign-in?next=${encodeURIComponent(evil)}`);
    expect(again.headers.location).toBe(DEFAULT_PAGE);
    // While the same form with a console page goes there.
    const other = new ConsoleClient(app);
    await other.get('/console/sign-in?next=%2Fconsole%2Fapplications');
    const honoured = await other.post('/console/sign-in', { email: EMAIL, password: PASSWORD, next: nextField(other.lastHtml)! });
    expect(honoured.headers.location).toBe('/console/applications');
  });
});
