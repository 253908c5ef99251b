import net, { type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { fieldErrorText, signedInAdmin, unescapeHtml } from '../helpers/console-admin.js';
import { ConsoleClient } from '../helpers/console-client.js';
import { dropTestDatabases, newDatabaseLocation, openTestDatabase, testDialects } from '../helpers/databases.js';
import { idpCertificatePem, operatorActor, restAppInput, startTestApp, testConfig, type TestInstance } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/test-smtp-server.js';

afterAll(dropTestDatabases);

const INVITATION = '/console/customer-connections/invitation';
const FROM = 'Acme SaaS <sso@acme.example>';
const SETUP_LINK = /http:\/\/localhost:8080\/setup\/[A-Za-z0-9_-]{43}/;

/** The setup link shown on the invitation page (in the message text). */
function linkOn(page: string): string {
  const match = SETUP_LINK.exec(page);
  if (!match) throw new Error('no setup link on the page');
  return match[0];
}

function invitationForm(p: { email: string; idpId: string; applications: string[] }): URLSearchParams {
  const form = new URLSearchParams({ email: p.email, idpId: p.idpId });
  for (const saasid of p.applications) form.append('applications', saasid);
  return form;
}

describe.each(testDialects)('Customer Email Invitation (%s)', (dialect) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function smtpServer(options: Parameters<typeof startTestSmtpServer>[0] = {}): Promise<TestSmtpServer> {
    const server = await startTestSmtpServer(options);
    cleanups.push(() => server.close());
    return server;
  }

  /** A console with an admin signed in to "Acme SaaS", which has the applications Billing and Analytics. */
  async function consoleWith(env: Record<string, string> = {}) {
    const instance: TestInstance = await startTestApp(dialect, { env });
    cleanups.push(() => instance.close());
    const { browser, accountId } = await signedInAdmin(instance.app, 'Acme SaaS');
    const apps = instance.app.services.applications;
    const billing = await apps.createApplication(operatorActor(accountId), restAppInput('Billing'));
    const analytics = await apps.createApplication(operatorActor(accountId), restAppInput('Analytics'));
    return { instance, browser, accountId, billing: billing.saasid, analytics: analytics.saasid };
  }

  const auditActions = async (instance: TestInstance, accountId: string) => (await instance.app.services.audit.list(accountId, { limit: 50 })).events;

  it('creates a setup link, sends the invitation through SMTP, and its link opens the setup portal for that customer', async () => {
    const smtp = await smtpServer();
    const { instance, browser, accountId, billing, analytics } = await consoleWith({ SMTP_URL: smtp.url, SMTP_FROM: FROM });

    const list = await browser.get('/console/customer-connections');
    expect(list.body).toContain(`href="${INVITATION}"`);
    const form = await browser.get(INVITATION);
    expect(form.statusCode).toBe(200);
    for (const label of ['Customer Email', 'Customer ID', 'Billing', 'Analytics', 'Create Connection']) expect(form.body).toContain(label);

    const created = await browser.post(INVITATION, invitationForm({ email: 'it-admin@customer.example', idpId: 'customer.example', applications: [billing, analytics] }));
    expect(created.statusCode).toBe(200);
    expect(created.headers['cache-control']).toBe('no-store');
    const page = unescapeHtml(created.body);
    const link = linkOn(page);
    expect(page).toContain('Acme SaaS: connect your identity provider for single sign-on');
    expect(page).toMatch(/ {2}- Billing\n {2}- Analytics\n/);
    expect(page).toContain(`The link works until ${new Date(instance.clock.now() + 7 * 24 * 3600_000).toUTCString()}`);
    expect(page).toContain('Send E-Mail');
    // Nothing is mailed, and the mail server is not even contacted, until the admin sends it.
    expect(smtp.connections()).toBe(0);
    expect(smtp.messages).toHaveLength(0);

    // The link is a real setup link of this customer, for exactly those applications.
    const links = await instance.app.services.setupLinks.listSetupLinks(accountId, 'customer.example');
    expect(links).toEqual([expect.objectContaining({ idpId: 'customer.example', applications: [billing, analytics], revokedAt: null })]);

    const sent = await browser.post(`${INVITATION}/send`, { email: 'it-admin@customer.example', idpId: 'customer.example', url: link });
    expect(sent.statusCode).toBe(200);
    expect(sent.body).toContain('The invitation was sent to it-admin@customer.example.');
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]!;
    expect(mail.from?.value).toEqual([{ name: 'Acme SaaS', address: 'sso@acme.example' }]);
    expect([mail.to].flat().flatMap((to) => to?.value.map((v) => v.address))).toEqual(['it-admin@customer.example']);
    expect(mail.subject).toBe('Acme SaaS: connect your identity provider for single sign-on');
    const mailedLink = linkOn(mail.text ?? '');
    expect(mailedLink).toBe(link);
    expect(mail.text).toContain('Billing');

    // The customer's IT admin follows the mailed link: the portal of this customer opens.
    const itAdmin = new ConsoleClient(instance.app, '198.51.100.20');
    const portal = await itAdmin.get(new URL(mailedLink).pathname);
    expect(portal.statusCode).toBe(200);
    expect(portal.body).toContain('Set up single sign-on for customer.example');
    expect(portal.body).toContain('Our details');

    // Audited with the recipient, never with the link's secret.
    const events = await auditActions(instance, accountId);
    const invitation = events.find((e) => e.action === 'customer_invitation.sent');
    expect(invitation).toMatchObject({ targetKind: 'customer', targetId: 'customer.example', details: expect.objectContaining({ recipient: 'it-admin@customer.example' }) });
    expect(JSON.stringify(events)).not.toContain(link.split('/').at(-1));
  });

  it('adds applications to an existing customer, and refuses one it is already connected to, creating nothing', async () => {
    const smtp = await smtpServer();
    const { instance, browser, accountId, billing, analytics } = await consoleWith({ SMTP_URL: smtp.url, SMTP_FROM: FROM });
    await instance.app.services.customers.putCustomer(operatorActor(accountId), 'customer.example', {
      entityId: 'https://idp.customer.example',
      ssoUrl: 'https://idp.customer.example/sso',
      certificates: [await idpCertificatePem()],
      applications: [billing],
    });

    await browser.get(INVITATION);
    const refused = await browser.post(INVITATION, invitationForm({ email: 'it-admin@customer.example', idpId: 'customer.example', applications: [billing, analytics] }));
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('Customer &quot;customer.example&quot; is already connected to one of the applications you picked');
    expect(fieldErrorText(refused.body, 'applications-error')).toBe('Billing: is already connected to this customer');
    expect(refused.body).not.toMatch(SETUP_LINK);
    expect(await instance.app.services.setupLinks.listSetupLinks(accountId, 'customer.example')).toEqual([]);

    const added = await browser.post(INVITATION, invitationForm({ email: 'it-admin@customer.example', idpId: 'customer.example', applications: [analytics] }));
    expect(added.statusCode).toBe(200);
    expect(unescapeHtml(added.body)).toMatch(/ {2}- Analytics\n\n/);
    expect(await instance.app.services.setupLinks.listSetupLinks(accountId, 'customer.example')).toEqual([expect.objectContaining({ applications: [analytics] })]);
  });

  it('names each field it refuses: no application, a bad address, a bad Customer ID', async () => {
    const { instance, browser, accountId } = await consoleWith();
    await browser.get(INVITATION);
    const refused = await browser.post(INVITATION, invitationForm({ email: 'not-an-address', idpId: ' spaced ', applications: [] }));
    expect(refused.statusCode).toBe(400);
    expect(fieldErrorText(refused.body, 'applications-error')).toBe('pick at least one application');
    expect(fieldErrorText(refused.body, 'email-error')).toBe('must be an email address');
    expect(fieldErrorText(refused.body, 'idpId-error')).toBe('must not start or end with a space');
    expect((await auditActions(instance, accountId)).map((e) => e.action)).not.toContain('setup_link.created');
  });

  it('reports an unreachable mail server clearly and keeps the link and the text to copy', async () => {
    const closed = await startTestSmtpServer();
    await closed.close();
    const { instance, browser, accountId, billing } = await consoleWith({ SMTP_URL: closed.url, SMTP_FROM: FROM });
    await browser.get(INVITATION);
    const created = await browser.post(INVITATION, invitationForm({ email: 'it-admin@customer.example', idpId: 'customer.example', applications: [billing] }));
    const link = linkOn(unescapeHtml(created.body));

    const failed = await browser.post(`${INVITATION}/send`, { email: 'it-admin@customer.example', idpId: 'customer.example', url: link });
    expect(failed.statusCode).toBe(503);
    expect(failed.headers['cache-control']).toBe('no-store');
    const page = unescapeHtml(failed.body);
    expect(page).toContain('The invitation was not sent. The mail server 127.0.0.1:');
    expect(page).toContain('could not be reached or did not answer in time');
    expect(page).toContain('copy the message below and send it yourself');
    expect(linkOn(page)).toBe(link);
    expect(page).not.toContain(closed.password);

    // Nothing lost: the link still opens the portal, and no "sent" event was recorded.
    expect((await new ConsoleClient(instance.app).get(new URL(link).pathname)).statusCode).toBe(200);
    expect((await auditActions(instance, accountId)).map((e) => e.action)).not.toContain('customer_invitation.sent');
  });

  it('gives up on a mail server that accepts the connection but never answers (SMTP_TIMEOUT_MS)', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const { port } = silent.address() as AddressInfo;
    const { browser, billing } = await consoleWith({ SMTP_URL: `smtp://mailer:secret@127.0.0.1:${port}`, SMTP_FROM: FROM, SMTP_TIMEOUT_MS: '200' });
    await browser.get(INVITATION);
    const created = await browser.post(INVITATION, invitationForm({ email: 'it-admin@customer.example', idpId: 'customer.example', applications: [billing] }));
    const failed = await browser.post(`${INVITATION}/send`, { email: 'it-admin@customer.example', idpId: 'customer.example', url: linkOn(unescapeHtml(created.body)) });
    expect(failed.statusCode).toBe(503);
    expect(failed.body).toContain(`The mail server 127.0.0.1:${port} could not be reached or did not answer in time.`);
    expect(sockets.size).toBe(1);
  });

  it('keeps the SMTP password out of the page and the logs when the server refuses our sign-in, even if it echoes the password', async () => {
    const smtp = await smtpServer({ echoPasswordOnRefusal: true });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const database = await openTestDatabase(newDatabaseLocation(dialect));
    const app = await buildApp({ config: testConfig({ SMTP_URL: smtp.url, SMTP_FROM: FROM }), database, clock: new TestClock(), logger: createLogger('trace', sink) });
    cleanups.push(async () => {
      await app.close();
      await database.close();
    });
    const { browser, accountId } = await signedInAdmin(app);
    const billing = await app.services.applications.createApplication(operatorActor(accountId), restAppInput('Billing'));
    await browser.get(INVITATION);
    const created = await browser.post(INVITATION, invitationForm({ email: 'it-admin@customer.example', idpId: 'customer.example', applications: [billing.saasid] }));
    const link = linkOn(unescapeHtml(created.body));

    const failed = await browser.post(`${INVITATION}/send`, { email: 'it-admin@customer.example', idpId: 'customer.example', url: link });
    expect(failed.statusCode).toBe(503);
    expect(failed.body).toContain('refused our sign-in: check the user name and password in SMTP_URL');
    expect(failed.body).not.toContain(smtp.password);
    const log = lines.join('');
    // The server's answer is logged for the operator, with the password cut out of it.
    expect(log).toContain('invitation not sent');
    expect(log).toContain('Authentication failed for password [REDACTED]');
    expect(log).not.toContain(smtp.password);
    expect(log).not.toContain(link.split('/').at(-1));
  });

  it('without a mail server, shows how to configure one and offers the text to copy only', async () => {
    const { browser, billing } = await consoleWith();
    await browser.get(INVITATION);
    const created = await browser.post(INVITATION, invitationForm({ email: 'it-admin@customer.example', idpId: 'customer.example', applications: [billing] }));
    expect(created.statusCode).toBe(200);
    expect(created.body).not.toContain('Send E-Mail');
    expect(created.body).toContain('set <code>SMTP_URL</code>');
    expect(created.body).toMatch(/<textarea id="invitation-text" readonly[^>]*>Hello,/);
    const link = linkOn(unescapeHtml(created.body));

    const send = await browser.post(`${INVITATION}/send`, { email: 'it-admin@customer.example', idpId: 'customer.example', url: link });
    expect(send.statusCode).toBe(412);
    expect(send.body).toContain('No mail server is configured');
  });

  it('refuses both forms without a CSRF token, and mails only links of this customer', async () => {
    const smtp = await smtpServer();
    const { instance, browser, accountId, billing } = await consoleWith({ SMTP_URL: smtp.url, SMTP_FROM: FROM });
    await browser.get(INVITATION);
    const forgedCreate = await browser.post(INVITATION, invitationForm({ email: 'it-admin@customer.example', idpId: 'customer.example', applications: [billing] }), { csrf: null });
    expect(forgedCreate.statusCode).toBe(403);
    expect(await instance.app.services.setupLinks.listSetupLinks(accountId, 'customer.example').catch(() => [])).toEqual([]);

    await browser.get(INVITATION);
    const created = await browser.post(INVITATION, invitationForm({ email: 'it-admin@customer.example', idpId: 'customer.example', applications: [billing] }));
    const link = linkOn(unescapeHtml(created.body));
    const forgedSend = await browser.post(`${INVITATION}/send`, { email: 'it-admin@customer.example', idpId: 'customer.example', url: link }, { csrf: null });
    expect(forgedSend.statusCode).toBe(403);

    // A link of this customer named for another one, a tampered link, any other URL: refused, nothing mailed.
    for (const [idpId, url] of [['other.example', link], ['customer.example', `${link.slice(0, -1)}${link.endsWith('A') ? 'B' : 'A'}`], ['customer.example', 'https://evil.example/phish']] as const) {
      await browser.get(INVITATION);
      const refused = await browser.post(`${INVITATION}/send`, { email: 'it-admin@customer.example', idpId, url });
      expect(refused.statusCode).toBe(404);
      expect(refused.body).toContain('setup link has expired or was revoked');
    }
    expect(smtp.messages).toHaveLength(0);
  });
});

describe('SMTP settings', () => {
  it('are optional, and must come together', () => {
    expect(loadConfig({}).smtp).toBeUndefined();
    expect(() => loadConfig({ SMTP_URL: 'smtp://mail.example.com' })).toThrow(/SMTP_FROM: is required with SMTP_URL/);
    expect(() => loadConfig({ SMTP_FROM: 'sso@example.com' })).toThrow(/SMTP_URL: is required with SMTP_FROM/);
    expect(loadConfig({ SMTP_URL: 'smtps://u:p@mail.example.com', SMTP_FROM: FROM }).smtp).toEqual({ url: 'smtps://u:p@mail.example.com', from: FROM, timeoutMs: 10_000 });
  });

  it('refuse a URL that is not smtp(s) without repeating it (it holds a password)', () => {
    let problem: unknown;
    try {
      loadConfig({ SMTP_URL: 'http://user:hunter2-secret@mail.example.com', SMTP_FROM: 'sso@example.com' });
    } catch (error) {
      problem = error;
    }
    expect(problem).toBeInstanceOf(ConfigError);
    expect(String(problem)).toContain('SMTP_URL: must be an smtp:// or smtps:// URL');
    expect(String(problem)).not.toContain('hunter2-secret');
    expect(() => loadConfig({ SMTP_URL: 'smtp://mail.example.com', SMTP_FROM: 'not an address' })).toThrow(/SMTP_FROM: must be an email address/);
  });
});
