import { createHook } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import type { Database } from '../src/db/database.js';
import { createBackgroundJobs } from '../src/jobs.js';
import { createServices } from '../src/services.js';
import { dropTestDatabases, newDatabaseLocation, openTestDatabase, silentLogger, testDialects, type TestDatabaseLocation } from './helpers/databases.js';
import { withAdminClient } from './helpers/postgres-databases.js';
import { ssoSetUp } from './helpers/sso-fixture.js';
import { accountWithCredential, curlBasic, SP_MANAGED, testConfig } from './helpers/test-app.js';
import { TestClock } from './helpers/test-clock.js';

/**
 * Timers created while `work` runs that are still pending once it has finished: background work.
 * (process.getActiveResourcesInfo() cannot see them: it omits unref'd timers.)
 */
async function timersLeftRunningBy(work: () => Promise<void>): Promise<number> {
  const pending = new Set<number>();
  let watching = true;
  const hook = createHook({
    init(asyncId, type) {
      if (watching && type === 'Timeout') pending.add(asyncId);
    },
    destroy(asyncId) {
      pending.delete(asyncId);
    },
  });
  hook.enable();
  try {
    await work();
    watching = false;
    // Let timers that were only deferring a step (setTimeout 0) fire and be destroyed.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return pending.size;
  } finally {
    hook.disable();
  }
}

/** Opens the database under a name of its own, so its PostgreSQL connections can be told apart in pg_stat_activity. */
function namedLocation(location: TestDatabaseLocation, applicationName: string): TestDatabaseLocation {
  if (!location.url) return location;
  const url = new URL(location.url);
  url.searchParams.set('application_name', applicationName);
  return { ...location, url: url.toString() };
}

async function listenConnections(applicationName: string): Promise<number> {
  return withAdminClient(async (admin) => (await admin.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [`${applicationName}-listen`])).rowCount ?? 0);
}

describe.each(testDialects)('background jobs (%s)', (dialect) => {
  const open: { app?: App; database: Database }[] = [];
  afterEach(async () => {
    for (const { app, database } of open.splice(0)) {
      await app?.close();
      await database.close();
    }
  });
  afterAll(dropTestDatabases);

  const applicationName = `ssobridge-jobs-${randomBytes(4).toString('hex')}`;
  const openDatabase = async () => {
    const database = await openTestDatabase(namedLocation(newDatabaseLocation(dialect), applicationName));
    open.push({ database });
    return database;
  };
  const startApp = async (database: Database, clock: TestClock) => {
    const app = await buildApp({ config: testConfig(), database, clock, logger: silentLogger });
    open.at(-1)!.app = app;
    return app;
  };

  it('building services and an app starts no timer and no change-feed connection', async () => {
    const database = await openDatabase();
    const clock = new TestClock();
    // PostgreSQL's connection pool keeps timers of its own for idle connections; what matters
    // there is the change feed's LISTEN connection, checked below.
    const timers = await timersLeftRunningBy(async () => {
      const services = createServices({ config: testConfig(), database, clock, logger: silentLogger });
      await services.close();
      await (await startApp(database, clock)).ready();
    });
    if (dialect === 'sqlite') expect(timers).toBe(0);
    else expect(await listenConnections(applicationName)).toBe(0);
  });

  it('starts the change feed with the jobs and stops it, and everything else, with them', async () => {
    const database = await openDatabase();
    const app = await startApp(database, new TestClock());
    const jobs = createBackgroundJobs({ services: app.services, changes: database.changes, logger: silentLogger });
    await jobs.start();
    expect(database.changes.isCurrent()).toBe(true);
    if (dialect === 'postgres') expect(await listenConnections(applicationName)).toBe(1);
    const client = await accountWithCredential(app);
    await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: curlBasic(client.clientId, client.clientSecret) } });

    const timers = await timersLeftRunningBy(() => jobs.stop());
    expect(database.changes.isCurrent()).toBe(false);
    if (dialect === 'sqlite') expect(timers).toBe(0);
    else expect(await listenConnections(applicationName)).toBe(0);
    // Stopping writes what the last-used batch still held.
    expect((await app.services.credentials.getConnectionApiCredential(client.accountId, client.credentialId)).lastUsedAt).toEqual(expect.any(Number));
  });

  it('prunes a sign-in request an hour past its expiry when the pruning job is run by hand', async () => {
    const database = await openDatabase();
    const clock = new TestClock();
    const app = await startApp(database, clock);
    const s = await ssoSetUp(app);
    const initsso = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com` });
    expect(initsso.statusCode, initsso.body).toBe(302);
    const requests = async () => (await database.db.selectFrom('sso_transactions').select('id').execute()).length;
    expect(await requests()).toBe(1);

    await app.services.sso.pruneExpiredState();
    expect(await requests()).toBe(1);
    clock.advance(2 * 3600_000);
    await app.services.sso.pruneExpiredState();
    expect(await requests()).toBe(0);
  });

  it('records when a credential was last used when the batching job is run by hand', async () => {
    const database = await openDatabase();
    const app = await startApp(database, new TestClock());
    const client = await accountWithCredential(app);
    await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: curlBasic(client.clientId, client.clientSecret) } });
    const lastUsed = async () => (await app.services.credentials.getConnectionApiCredential(client.accountId, client.credentialId)).lastUsedAt;
    expect(await lastUsed()).toBeNull();
    await app.services.clientAuthenticator.flushLastUsed();
    expect(await lastUsed()).toEqual(expect.any(Number));
  });
});
