import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { AppError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { dropTestDatabases, newDatabaseLocation, openTestDatabase, testDialects } from '../helpers/databases.js';
import { accountWithCredential, curlBasic, idpCertificatePem, operatorActor, restAppInput, samlAppInput, SP_MANAGED, testConfig } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';

afterAll(dropTestDatabases);

let certificate: string;
beforeAll(async () => {
  certificate = await idpCertificatePem();
});

const idpSettings = (overrides: Record<string, unknown> = {}) => ({
  entityId: 'https://idp.customer001.com/saml',
  ssoUrl: 'https://idp.customer001.com/sso',
  certificates: [certificate],
  emailDomains: ['customer001.com'],
  ...overrides,
});

describe.each(testDialects)('customer service (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function setUp() {
    const { app } = await apps.start();
    const { account } = await app.services.accounts.createAccount(operatorActor, 'Acme SaaS');
    const actor = operatorActor(account.id);
    const billing = await app.services.applications.createApplication(actor, restAppInput('Billing'));
    const analytics = await app.services.applications.createApplication(actor, samlAppInput('Analytics'));
    return { app, actor, accountId: account.id, billing, analytics };
  }

  it('creates only once when create-only requests race: one creates, the others get CUSTOMER_EXISTS (409) and change nothing', async () => {
    const { app, actor, accountId } = await setUp();
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        app.services.customers.putCustomer(actor, 'customer001.com', idpSettings({ ssoUrl: `https://idp.customer001.com/sso-${i}` }), { createOnly: true }).then(
          (result) => ({ created: result.created, ssoUrl: result.customer.ssoUrl }),
          (error: unknown) => error,
        ),
      ),
    );
    const created = outcomes.filter((o): o is { created: boolean; ssoUrl: string } => !(o instanceof AppError));
    expect(created).toEqual([{ created: true, ssoUrl: expect.any(String) }]);
    const refused = outcomes.filter((o) => o instanceof AppError);
    expect(refused).toHaveLength(5);
    for (const error of refused) expect(error).toMatchObject({ code: 'CUSTOMER_EXISTS', status: 409, fields: [{ field: 'idpId', message: 'is already used by another customer connection' }] });
    expect((await app.services.customers.getCustomer(accountId, 'customer001.com')).ssoUrl).toBe(created[0]!.ssoUrl);
  });

  it('sets exactly the given app connections, adding and removing, in one transaction with one audit event', async () => {
    const { app, actor, accountId, billing, analytics } = await setUp();
    await app.services.customers.putCustomer(actor, 'customer001.com', idpSettings({ applications: [billing.saasid] }));
    const before = (await app.services.audit.list(accountId, { limit: 100 })).events.length;

    const { customer } = await app.services.customers.putCustomer(actor, 'customer001.com', idpSettings({ applications: [analytics.saasid], removeUnlistedApplications: true }));

    expect(customer.applications.map((a) => a.name)).toEqual(['Analytics']);
    const { events } = await app.services.audit.list(accountId, { limit: 100 });
    expect(events).toHaveLength(before + 1);
    expect(events[0]).toMatchObject({ action: 'customer.updated', details: { applicationsAdded: analytics.saasid, applicationsRemoved: billing.saasid } });
  });

  it('refuses the whole change, removing nothing, when a listed connection is not allowed', async () => {
    const { app, actor, accountId, billing, analytics } = await setUp();
    await app.services.applications.updateApplication(actor, analytics.saasid, samlAppInput('Analytics', { multiplexed: false }));
    await app.services.customers.putCustomer(actor, 'customer001.com', idpSettings({ applications: [billing.saasid] }));
    await expect(
      app.services.customers.putCustomer(actor, 'customer001.com', idpSettings({ applications: [{ saasid: analytics.saasid, multiplexed: false }], removeUnlistedApplications: true, multiplexed: false })),
    ).rejects.toMatchObject({ code: 'MULTIPLEXING_NOT_ALLOWED' });
    expect((await app.services.customers.getCustomer(accountId, 'customer001.com')).applications.map((a) => a.name)).toEqual(['Billing']);
  });
});

describe('IdP settings read from the database', () => {
  it('are parsed, not trusted: a row that does not parse is a 500 whose log names the customer and the field', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const database = await openTestDatabase(newDatabaseLocation('sqlite'));
    const app = await buildApp({ config: testConfig(), database, clock: new TestClock(), logger: createLogger('info', sink) });
    try {
      const client = await accountWithCredential(app);
      await app.services.customers.putCustomer(operatorActor(client.accountId), 'customer001.com', idpSettings());
      // As a hand edit or a bad restore might leave it: the SSO URL is no longer a string.
      const row = await database.db.selectFrom('customers').select(['id', 'settings']).executeTakeFirstOrThrow();
      await database.db
        .updateTable('customers')
        .set({ settings: JSON.stringify({ ...(JSON.parse(row.settings) as Record<string, unknown>), ssoUrl: 42 }) })
        .where('id', '=', row.id)
        .execute();

      const res = await app.inject({ method: 'GET', url: `${SP_MANAGED}/customer001.com`, headers: { authorization: curlBasic(client.clientId, client.clientSecret) } });

      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side. The request ID in the response headers identifies it.' } });
      const logged = lines.map((line) => JSON.parse(line) as { level: number; reqId?: string; detail?: string }).find((l) => l.level === 50);
      expect(logged).toMatchObject({ reqId: res.headers['x-request-id'], detail: expect.stringContaining('customer "customer001.com"') });
      expect(logged?.detail).toContain('settings.ssoUrl');
    } finally {
      await app.close();
      await database.close();
    }
  });
});
