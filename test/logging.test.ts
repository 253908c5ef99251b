import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createLogger, redactUrl } from '../src/logger.js';
import { dropTestDatabases, newDatabaseLocation, openTestDatabase } from './helpers/databases.js';
import { accountWithCredential, curlBasic, SP_MANAGED, testConfig } from './helpers/test-app.js';
import { TestClock } from './helpers/test-clock.js';
import { ConsoleClient } from './helpers/console-client.js';
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

  it('redacts secret-bearing query parameters', () => {
    expect(redactUrl('/console/setup?token=abc&x=1')).toBe('/console/setup?token=[REDACTED]&x=1');
  });
});
