import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createLogger, redactUrl } from '../src/logger.js';
import { dropTestDatabases, newDatabaseLocation, openTestDatabase } from './helpers/databases.js';
import { accountWithCredential, curlBasic, SP_MANAGED, testConfig } from './helpers/test-app.js';
import { TestClock } from './helpers/test-clock.js';
import { ConsoleClient } from './helpers/console-client.js';
import { autoPostForm, idpResponse, ssoSetUp } from './helpers/sso-fixture.js';
import { operatorActor } from './helpers/test-app.js';

afterAll(dropTestDatabases);

describe('logs', () => {
  it('never contain a client secret, an Authorization header, a password or a setup token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('trace', sink);
    const database = await openTestDatabase(newDatabaseLocation('sqlite'));
    const app = await buildApp({ config: testConfig(), database, clock: new TestClock(), logger });
    try {
      const client = await accountWithCredential(app, 'Acme', 'logged-secret-must-not-appear');
      await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: curlBasic(client.clientId, client.clientSecret) } });
      await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: curlBasic(client.clientId, 'wrong-secret-must-not-appear') } });
      const token = await app.services.accounts.issueSetupToken(client.accountId);
      const browser = new ConsoleClient(app);
      await browser.get(`/console/setup?token=${token}`);
      await browser.post('/console/setup', { token: token!, email: 'a@example.com', password: 'password-must-not-appear', confirm: 'password-must-not-appear' });
      await app.services.admins.createAdmin(operatorActor(client.accountId), client.accountId, { email: 'b@example.com', password: 'another-password-hidden' });
      await browser.signIn('b@example.com', 'another-password-hidden');
    } finally {
      await app.close();
      await database.close();
    }
    const text = lines.join('');
    expect(text).toContain('"url"');
    for (const secret of ['logged-secret-must-not-appear', 'wrong-secret-must-not-appear', 'password-must-not-appear', 'another-password-hidden', 'Basic ']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('token=[REDACTED]');
  });

  it('never contain the single-use token of a token exchange, in either form', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const database = await openTestDatabase(newDatabaseLocation('sqlite'));
    const app = await buildApp({ config: testConfig(), database, clock: new TestClock(), logger: createLogger('info', sink) });
    const tokens: string[] = [];
    try {
      const s = await ssoSetUp(app);
      for (const form of ['1', '2']) {
        const samlResponse = idpResponse(s.idpKey, { destination: 'http://localhost:8080/sso/sp/ACS.saml2', audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null });
        const acs = await app.inject({
          method: 'POST',
          url: `/sso/sp/ACS.saml2?saasid=${s.rest.saasid}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ SAMLResponse: samlResponse }).toString(),
        });
        const token = autoPostForm(acs.body).fields.tokenid!;
        tokens.push(token);
        const exchange = await app.inject({ method: 'GET', url: `/sso/TXS/2.0/${form}/${token}`, headers: { authorization: s.appAuthorization } });
        expect(exchange.statusCode, exchange.body).toBe(200);
        // A second try (refused) and a method the path does not have are logged as well.
        await app.inject({ method: 'GET', url: `/sso/TXS/2.0/${form}/${token}`, headers: { authorization: s.appAuthorization } });
        await app.inject({ method: 'POST', url: `/sso/TXS/2.0/${form}/${token}` });
      }
    } finally {
      await app.close();
      await database.close();
    }
    const text = lines.join('');
    expect(text).toContain('/sso/TXS/2.0/1/[REDACTED]');
    expect(text).toContain('/sso/TXS/2.0/2/[REDACTED]');
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(text).not.toContain(token);
    }
  });

  it('redacts secret-bearing query parameters', () => {
    expect(redactUrl('/console/setup?token=abc&x=1')).toBe('/console/setup?token=[REDACTED]&x=1');
    expect(redactUrl('/sso/TXS/2.0/2/abc?x=1')).toBe('/sso/TXS/2.0/2/[REDACTED]?x=1');
    expect(redactUrl('/sso/txs/2.0/1/abc/def')).toBe('/sso/txs/2.0/1/[REDACTED]');
  });

  it('hides a 43-character bearer secret under any spelling of its path that the router accepts', () => {
    const secret = 'Zq3v_9kLmN0pQrStUvWxYz-AbCdEfGhIjKlMnOpQrSt';
    expect(secret).toHaveLength(43);
    for (const url of [`/%73etup/${secret}`, `/./setup/${secret}/activate`, `/x/../setup/${secret}`, `/setup%2F${secret}`, `;/setup/${secret}`, `/sso/%54XS/2.0/1/${secret}`]) {
      expect(redactUrl(url)).not.toContain(secret);
    }
    // Shorter words and IDs stay readable.
    expect(redactUrl('/console/customer-connections/idp/customer001.com')).toBe('/console/customer-connections/idp/customer001.com');
  });
});
