import { Writable } from 'node:stream';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { ConsoleClient } from '../helpers/console-client.js';
import { dropTestDatabases, newDatabaseLocation } from '../helpers/databases.js';
import { ssoSetUp } from '../helpers/sso-fixture.js';
import { TestClock } from '../helpers/test-clock.js';
import { accountWithCredential, curlBasic, idpCertificatePem, operatorActor, SP_MANAGED, testConfig } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

/**
 * A database that refuses writes while the server runs: every surface answers 503 in its own
 * shape (API JSON, console page, sign-in page), with the request ID in the X-Request-Id header,
 * and the log line for that ID names the database file and SQLite's own error. SQLite's
 * `query_only` switch stands in for a read-only file: it refuses writes with the same
 * SQLITE_READONLY error, and unlike file modes it also binds root.
 */
describe('writes refused by the database (SQLite, in process)', () => {
  let database: Database;
  let app: App;
  let dataDir: string;
  const logLines: string[] = [];

  beforeEach(async () => {
    dataDir = newDatabaseLocation('sqlite').dataDir;
    database = await openDatabase({ dataDir, logger: createLogger('silent') });
    const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _encoding, done) => (logLines.push(chunk.toString('utf8')), done()) }));
    app = await buildApp({ config: testConfig({ LOG_LEVEL: 'info' }), database, clock: new TestClock(), logger });
  });
  afterEach(async () => {
    await app.close();
    await database.close();
    logLines.splice(0);
  });

  const refuseWrites = () => sql`PRAGMA query_only = ON`.execute(database.db);

  const loggedError = (requestId: string) => {
    const line = logLines.find((l) => l.includes(requestId) && l.includes('"err"'));
    expect(line, `a log line for ${requestId}`).toBeDefined();
    return JSON.parse(line!) as { err: { message: string; code: string } };
  };

  it('answers an API write with a JSON 503 naming the fault, and logs the file and the cause', async () => {
    const client = await accountWithCredential(app);
    const authorization = curlBasic(client.clientId, client.clientSecret);
    // Verified once, the credential is served from memory: the write that fails is the customer's, in its transaction.
    expect((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } })).statusCode).toBe(200);
    await refuseWrites();
    const res = await app.inject({
      method: 'PUT',
      url: `${SP_MANAGED}/customer001.com`,
      headers: { authorization },
      payload: { entityId: 'https://idp.customer001.com/saml', ssoUrl: 'https://idp.customer001.com/sso', certificates: [await idpCertificatePem()] },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: { code: 'DATABASE_UNAVAILABLE', message: expect.stringContaining('(read-only)') } });
    expect(res.body).not.toContain(dataDir);
    const requestId = String(res.headers['x-request-id']);
    const logged = loggedError(requestId);
    expect(logged.err.message).toContain(path.join(dataDir, 'ssobridge.sqlite'));
    expect(logged.err.message).toContain('attempt to write a readonly database');
    expect(logged.err.code).toBe('SQLITE_READONLY');
    // Reads still work.
    expect((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization } })).statusCode).toBe(200);
  });

  it('answers a console sign-in with its 503 page showing the request ID it sends in X-Request-Id', async () => {
    const { account } = await app.services.accounts.createAccount(operatorActor, 'Acme SaaS');
    await app.services.admins.createAdmin(operatorActor(account.id), account.id, { email: 'ops@example.com', password: 'correct horse battery staple' });
    await refuseWrites();
    const res = await new ConsoleClient(app).signIn('ops@example.com', 'correct horse battery staple');
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const requestId = String(res.headers['x-request-id']);
    expect(res.body).toContain(requestId);
    expect(res.body).toContain('The database is unavailable (read-only)');
    expect(loggedError(requestId).err.code).toBe('SQLITE_READONLY');
  });

  it('answers a sign-in start (initsso) with the SSO error page and 503, showing the request ID it sends in X-Request-Id', async () => {
    const s = await ssoSetUp(app);
    await refuseWrites();
    const res = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com` });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const requestId = String(res.headers['x-request-id']);
    expect(res.body).toContain(requestId);
    expect(res.body).toContain('DATABASE_UNAVAILABLE');
    expect(loggedError(requestId).err.code).toBe('SQLITE_READONLY');
  });
});
