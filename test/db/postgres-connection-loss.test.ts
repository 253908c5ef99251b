import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { createServices, type Services } from '../../src/services.js';
import { silentLogger } from '../helpers/databases.js';
import { TEST_KEY_ENCRYPTION_KEY } from '../helpers/key-encryption.js';
import { createTestPostgresDatabase, withAdminClient, type TestPostgresDatabase } from '../helpers/postgres-databases.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { curlBasic, operatorActor, SP_MANAGED } from '../helpers/test-app.js';

/**
 * The real server process on a real PostgreSQL server, under load, while an operator (or a
 * failover) terminates its backends: the process must stay up and answer every request.
 */
const APP_NAME = 'ssobridge-under-test';
const WORKERS = 12;
const CUTS = 3;

interface Outcome {
  surface: 'api' | 'sso';
  status: number;
  contentType: string;
  body: string;
  requestIdHeader: string | undefined;
  /** A transport failure: reset socket, empty reply. */
  failure?: string;
  startedAt: number;
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('losing PostgreSQL connections under load (real server process)', () => {
  let pgDatabase: TestPostgresDatabase;
  let server: ServerProcess;
  let otherInstance: { database: Database; services: Services };
  let client: { id: string; clientId: string; secret: string; accountId: string };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-pgloss-'));

  beforeAll(async () => {
    pgDatabase = await createTestPostgresDatabase();
    const serverUrl = new URL(pgDatabase.url);
    serverUrl.searchParams.set('application_name', APP_NAME);
    server = await startServerProcess({ DATABASE_URL: serverUrl.toString(), DATA_DIR: dataDir, DATABASE_POOL_SIZE: '4' });
    // A second "instance" on the same database makes the credential and, later, edits it.
    const database = await openDatabase({ url: pgDatabase.url, dataDir, logger: silentLogger, poolSize: 2 });
    const services = createServices({ config: loadConfig({ DATABASE_URL: pgDatabase.url, LOG_LEVEL: 'silent', KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY }), database, clock: systemClock, logger: silentLogger });
    otherInstance = { database, services };
    const { account } = await services.accounts.ensureDefaultAccount(operatorActor);
    const created = await services.credentials.createConnectionApiCredential(operatorActor(account.id), { description: 'load' });
    client = { id: created.credential.id, clientId: created.credential.clientId, secret: created.clientSecret, accountId: account.id };
  });

  afterAll(async () => {
    await server?.stop();
    await otherInstance?.services.close();
    await otherInstance?.database.close();
    // DROP DATABASE waits for a checkpoint, which takes a while on a busy server.
    await pgDatabase?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 180_000);

  const backendsOf = (suffix: string) =>
    withAdminClient(async (admin) => {
      const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [pgDatabase.name, `${APP_NAME}-${suffix}`]);
      return rows.length;
    });

  const cut = () =>
    withAdminClient(async (admin) => {
      const { rows } = await admin.query<{ terminated: boolean }>(
        'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE $2',
        [pgDatabase.name, `${APP_NAME}-%`],
      );
      return rows.filter((r) => r.terminated).length;
    });

  const request = async (surface: 'api' | 'sso', secret = client.secret): Promise<Outcome> => {
    const startedAt = performance.now();
    const url = surface === 'api' ? `${server.baseUrl}${SP_MANAGED}` : `${server.baseUrl}/sso/sp/initsso?saasid=00000000-0000-4000-8000-000000000000&idpid=nobody.example`;
    try {
      const res = await fetch(url, { headers: surface === 'api' ? { authorization: curlBasic(client.clientId, secret) } : {}, redirect: 'manual' });
      const body = await res.text();
      return { surface, status: res.status, contentType: res.headers.get('content-type') ?? '', body, requestIdHeader: res.headers.get('x-request-id') ?? undefined, startedAt };
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      return { surface, status: 0, contentType: '', body: '', requestIdHeader: undefined, failure: cause, startedAt };
    }
  };

  /** Whether a reply is one the product may give: a normal answer, or a well-formed 503. */
  const acceptable = (o: Outcome): boolean => {
    if (o.failure) return false;
    if (o.surface === 'api') {
      if (o.status === 200) return true;
      if (o.status !== 503 || !o.contentType.startsWith('application/json')) return false;
      const parsed = JSON.parse(o.body) as { error?: { code?: string; message?: string } };
      return parsed.error?.code === 'DATABASE_UNAVAILABLE' && typeof parsed.error.message === 'string' && o.requestIdHeader !== undefined;
    }
    // The SSO runtime answers an unknown application with its error page; a database fault is a 503 page.
    if (o.status === 503) return o.contentType.startsWith('text/html') && o.requestIdHeader !== undefined && o.body.includes(o.requestIdHeader);
    return o.status >= 400 && o.status < 500 && o.contentType.startsWith('text/html');
  };

  it('stays up, answers every request in flight with a result or a JSON 503, and serves again after each cut', async () => {
    expect((await request('api')).status).toBe(200);
    const outcomes: Outcome[] = [];
    let running = true;
    const workers = Array.from({ length: WORKERS }, async (_, i) => {
      while (running) outcomes.push(await request(i % 4 === 3 ? 'sso' : 'api'));
    });

    try {
      await new Promise((r) => setTimeout(r, 500));
      for (let n = 0; n < CUTS; n++) {
        const cutAt = performance.now();
        expect(await cut(), 'backends terminated by application_name').toBeGreaterThan(0);
        // Recovered: an API request that started after the cut has succeeded (the 20 s bound only stops a hung test).
        for (let waited = 0; !outcomes.some((o) => o.surface === 'api' && o.startedAt > cutAt && o.status === 200); waited += 20) {
          if (!server.alive()) throw new Error(`the server exited after cut ${n + 1}:\n${server.output()}`);
          if (waited > 20_000) throw new Error(`no successful request within 20 s of cut ${n + 1}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        await new Promise((r) => setTimeout(r, 700));
      }
    } finally {
      running = false;
      await Promise.all(workers);
    }

    expect(server.alive(), `the server exited:\n${server.output()}`).toBe(true);
    const bad = outcomes.filter((o) => !acceptable(o));
    expect(bad.map((o) => `${o.surface} ${o.status} ${o.failure ?? o.body.slice(0, 200)}`)).toEqual([]);
    expect(outcomes.filter((o) => o.status === 200).length).toBeGreaterThan(CUTS);
    // How soon it recovers is measured by bench/connection-loss.ts, not asserted here.
  });

  it('re-opens its change feed after a cut, so an edit made by another instance reaches its credential cache', async () => {
    await cut();
    for (let waited = 0; (await backendsOf('listen')) === 0; waited += 50) {
      if (waited > 20_000) throw new Error(`the change feed did not reconnect:\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Let the feed confirm itself current again, then warm the cache with the secret.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await request('api')).status).toBe(200);
    expect((await request('api')).status).toBe(200);

    const updated = await otherInstance.services.credentials.updateConnectionApiCredential(operatorActor(client.accountId), client.id, { generateSecret: true });
    const newSecret = updated.clientSecret!;
    const old = await request('api');
    expect(old.status).toBe(401);
    expect((await request('api', newSecret)).status).toBe(200);
    expect(server.alive()).toBe(true);
  });
});
