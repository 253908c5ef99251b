import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Database } from '../../src/db/database.js';
import { generateSigningKeyPair } from '../../src/saml/signing-key-pair.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { idpMetadataXml } from '../helpers/idp-metadata-xml.js';
import { startLocalHttpsServer, type LocalHttpsServer } from '../helpers/local-https.js';
import { CUSTOMER_IDP, CUSTOMER_SSO, idpResponse, ssoSetUp } from '../helpers/sso-fixture.js';
import { accountWithCredential, curlBasic, idpCertificatePem, operatorActor, restAppInput } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';

afterAll(dropTestDatabases);

const EVENTS = '/web-portal/rest/saas/idp/2.0/events';
const DAY = 86_400_000;

interface ApiEvent {
  id: string;
  type: string;
  createdAt: string;
  idpId: string | null;
  data: Record<string, unknown>;
}

/** What a polling backend does: pages with the cursor until an empty page; returns every event and the cursor to resume from. */
async function pollAll(app: App, authorization: string, query = '', from?: string): Promise<{ events: ApiEvent[]; cursor: string }> {
  const events: ApiEvent[] = [];
  let cursor = from;
  for (;;) {
    const params = new URLSearchParams(query);
    if (cursor !== undefined) params.set('after', cursor);
    const res = await app.inject({ method: 'GET', url: `${EVENTS}?${params}`, headers: { authorization } });
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json<{ events: ApiEvent[]; nextCursor: string }>();
    expect(typeof page.nextCursor).toBe('string');
    cursor = page.nextCursor;
    if (page.events.length === 0) return { events, cursor };
    events.push(...page.events);
  }
}

/** Makes every audit write fail from now on: a change that records its event before its audit event must leave neither. */
async function failAuditWrites(database: Database): Promise<() => Promise<void>> {
  if (database.dialect === 'sqlite') {
    await sql`create trigger refuse_audit before insert on audit_events begin select raise(abort, 'audit refused by the test'); end`.execute(database.db);
    return async () => void (await sql`drop trigger refuse_audit`.execute(database.db));
  }
  await sql`create function refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit refused by the test'; end $$`.execute(database.db);
  await sql`create trigger refuse_audit before insert on audit_events for each row execute function refuse_audit()`.execute(database.db);
  return async () => {
    await sql`drop trigger refuse_audit on audit_events`.execute(database.db);
    await sql`drop function refuse_audit()`.execute(database.db);
  };
}

describe.each(testDialects)('Events (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  it('records connection created, updated, activated and deleted with what a backend needs, and nothing for a change that fails', async () => {
    const { app, database } = await apps.start();
    const client = await accountWithCredential(app);
    const auth = curlBasic(client.clientId, client.clientSecret);
    const actor = operatorActor(client.accountId);
    const billing = await app.services.applications.createApplication(actor, restAppInput('Billing'));
    const pem = await idpCertificatePem();
    const { cursor: start } = await pollAll(app, auth);

    const input = { entityId: CUSTOMER_IDP, ssoUrl: CUSTOMER_SSO, certificates: [pem], enabled: false, applications: [billing.saasid] };
    const { customer } = await app.services.customers.putCustomer(actor, 'customer001.com', input);
    const pinned = customer.certificates[0]!;
    // The same settings again change nothing, and say nothing.
    await app.services.customers.putCustomer(actor, 'customer001.com', input);
    await app.services.customers.putCustomer(actor, 'customer001.com', { ...input, enabled: true });
    // Refused changes: invalid input, an entity ID another customer uses, and a failure inside the transaction after the event was written.
    await expect(app.services.customers.putCustomer(actor, 'customer001.com', { ...input, ssoUrl: 'not a url' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(app.services.customers.putCustomer(actor, 'customer002.com', input)).rejects.toMatchObject({ code: 'CUSTOMER_CONFLICT' });
    const restoreAudit = await failAuditWrites(database);
    await expect(app.services.customers.putCustomer(actor, 'customer003.com', { ...input, entityId: 'https://idp.customer003.com/saml' })).rejects.toThrow();
    await expect(app.services.customers.deleteCustomer(actor, 'customer001.com')).rejects.toThrow();
    await restoreAudit();
    await app.services.customers.deleteCustomer(actor, 'customer001.com');

    const { events } = await pollAll(app, auth, '', start);
    expect(events.map((e) => [e.type, e.idpId])).toEqual([
      ['connection.created', 'customer001.com'],
      ['connection.updated', 'customer001.com'],
      ['connection.activated', 'customer001.com'],
      ['connection.deleted', 'customer001.com'],
    ]);
    expect(events[0]!.data).toEqual({
      idpId: 'customer001.com',
      entityId: CUSTOMER_IDP,
      enabled: false,
      saasids: [billing.saasid],
      certificates: [{ subject: pinned.subject, sha256Fingerprint: pinned.sha256Fingerprint, notAfter: pinned.notAfter }],
      metadataUrl: null,
      changedBy: 'operator',
      setupLinkId: null,
    });
    expect(events[2]!.data).toMatchObject({ enabled: true, saasids: [billing.saasid] });
    expect(events[3]!.data).toEqual({ idpId: 'customer001.com', entityId: CUSTOMER_IDP, saasids: [billing.saasid], changedBy: 'operator' });
    expect(Date.parse(events[0]!.createdAt)).toBeGreaterThan(0);
  });

  it("records the customer IT admin's saves and Activate through a setup link", async () => {
    const { app } = await apps.start();
    const client = await accountWithCredential(app);
    const auth = curlBasic(client.clientId, client.clientSecret);
    const actor = operatorActor(client.accountId);
    await app.services.applications.createApplication(actor, restAppInput('Billing'));
    const created = await app.services.setupLinks.createSetupLink(actor, 'customer001.com', {});
    const opened = await app.services.setupLinks.openSetupLink(created.url.split('/').at(-1)!, '192.0.2.1');
    if (!opened.ok) throw new Error(`link refused: ${opened.refusal}`);
    const { cursor: start } = await pollAll(app, auth);

    await app.services.setupLinks.saveIdentityProvider(opened.link, '192.0.2.1', { entityId: CUSTOMER_IDP, ssoUrl: CUSTOMER_SSO, certificates: [await idpCertificatePem()] });
    await app.services.setupLinks.saveAttributeMapping(opened.link, '192.0.2.1', { rules: [{ idpAttribute: 'mail', appAttribute: 'email' }] });
    expect(await app.services.setupLinks.activate(opened.link, '192.0.2.1')).toBe('activated');

    const { events } = await pollAll(app, auth, '', start);
    expect(events.map((e) => [e.type, e.data.action ?? e.data.changedBy])).toEqual([
      ['connection.created', 'customer-admin'],
      ['setup_link.used', 'identity_provider_saved'],
      ['connection.updated', 'customer-admin'],
      ['setup_link.used', 'attribute_mapping_saved'],
      ['setup_link.used', 'activated'],
      ['connection.updated', 'customer-admin'],
      ['connection.activated', 'customer-admin'],
    ]);
    for (const e of events) expect(e.idpId).toBe('customer001.com');
    expect(events[1]!.data).toEqual({ idpId: 'customer001.com', setupLinkId: created.id, action: 'identity_provider_saved' });
    expect(events.at(-1)!.data).toMatchObject({ enabled: true, changedBy: 'customer-admin', setupLinkId: created.id });
    // The link's id, never its secret.
    expect(JSON.stringify(events)).not.toContain(created.url.split('/').at(-1)!);
  });

  it("announces a customer's IdP certificate 30, 7 and 1 days ahead and once expired, each once", async () => {
    const clock = new TestClock();
    const { app } = await apps.start({ clock });
    const client = await accountWithCredential(app);
    const auth = curlBasic(client.clientId, client.clientSecret);
    const certificate = await generateSigningKeyPair('idp.customer.example', clock.now(), 40 / 365.25);
    const saved = await app.services.customers.putCustomer(operatorActor(client.accountId), 'customer.example', {
      entityId: 'https://idp.customer.example/saml',
      ssoUrl: 'https://idp.customer.example/sso',
      certificates: [certificate.certificatePem],
    });
    const pinned = saved.customer.certificates[0]!;
    const notAfter = Date.parse(pinned.notAfter);
    const { cursor: start } = await pollAll(app, auth);

    for (const daysBefore of [30, 7, 1, 0]) {
      clock.advance(notAfter - daysBefore * DAY + 60_000 - clock.now());
      await app.services.expiryNotices.sendDue();
      await app.services.expiryNotices.sendDue();
    }
    const { events } = await pollAll(app, auth, 'type=certificate.expiring,certificate.expired', start);
    const certificateFacts = { idpId: 'customer.example', subject: pinned.subject, sha256Fingerprint: pinned.sha256Fingerprint, notAfter: pinned.notAfter };
    expect(events.map((e) => [e.type, e.idpId, e.data])).toEqual([
      ['certificate.expiring', 'customer.example', { ...certificateFacts, daysLeft: 30, noticeDays: 30 }],
      ['certificate.expiring', 'customer.example', { ...certificateFacts, daysLeft: 7, noticeDays: 7 }],
      ['certificate.expiring', 'customer.example', { ...certificateFacts, daysLeft: 1, noticeDays: 1 }],
      ['certificate.expired', 'customer.example', certificateFacts],
    ]);
  });

  describe('metadata refresh', () => {
    let server: LocalHttpsServer;
    let answer: 'metadata' | 'error' = 'metadata';
    let metadata = '';
    beforeAll(async () => {
      server = await startLocalHttpsServer({
        '/idp.xml': (_req, res) => (answer === 'metadata' ? res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(metadata) : res.writeHead(500).end()),
      });
    });
    afterAll(() => server.close());

    it('announces a scheduled refresh that failed, with its reason, and not one that worked', async () => {
      const clock = new TestClock();
      const { app } = await apps.start({ clock, env: { METADATA_FETCH_CA_FILE: server.caFile, METADATA_FETCH_ALLOW_PRIVATE: 'true' } });
      const s = await ssoSetUp(app);
      const client = await accountWithCredential(app, 'Other');
      metadata = idpMetadataXml(CUSTOMER_IDP, [s.idpKey.certificatePem], CUSTOMER_SSO);
      const metadataUrl = `${server.origin}/idp.xml`;
      await app.services.customers.putCustomer(s.actor, 'customer001.com', { metadataUrl, emailDomains: ['customer001.com'] });
      const credential = await app.services.credentials.createConnectionApiCredential(s.actor, { description: 'poller' });
      const auth = curlBasic(credential.credential.clientId, credential.clientSecret);
      const { cursor: start } = await pollAll(app, auth);

      clock.advance(14 * 3600_000);
      expect(await app.services.metadataRefresh.runDue()).toMatchObject({ attempted: 1, failed: 0 });
      answer = 'error';
      clock.advance(14 * 3600_000);
      expect(await app.services.metadataRefresh.runDue()).toMatchObject({ attempted: 1, failed: 1 });
      answer = 'metadata';

      const { events } = await pollAll(app, auth, '', start);
      expect(events.map((e) => e.type)).toEqual(['metadata_refresh.failed']);
      expect(events[0]).toMatchObject({ idpId: 'customer001.com', data: { idpId: 'customer001.com', metadataUrl, reason: expect.stringMatching(/500/) as unknown } });
      expect(Date.parse(events[0]!.data.nextAttemptAt as string)).toBeGreaterThan(clock.now());
      // Another account hears nothing of it.
      expect((await pollAll(app, curlBasic(client.clientId, client.clientSecret))).events.filter((e) => e.idpId === 'customer001.com')).toEqual([]);
    });
  });

  it("announces a connection's failed sign-ins above the threshold once per window", async () => {
    const clock = new TestClock();
    const { app } = await apps.start({ clock, env: { SIGN_IN_FAILURE_ALERT_THRESHOLD: '3', SIGN_IN_FAILURE_ALERT_WINDOW_MINUTES: '5' } });
    const s = await ssoSetUp(app);
    const credential = await app.services.credentials.createConnectionApiCredential(s.actor, { description: 'poller' });
    const auth = curlBasic(credential.credential.clientId, credential.clientSecret);
    // Align with the start of a window, so that the failures below all fall in one.
    clock.advance(5 * 60_000 - (clock.now() % (5 * 60_000)));
    const { cursor: start } = await pollAll(app, auth);
    const failSignIn = async () => {
      clock.advance(1000);
      const wrongAudience = idpResponse(s.idpKey, { destination: 'http://localhost:8080/sso/sp/ACS.saml2', audience: 'https://someone-else.example.com/sp', inResponseTo: null, now: clock.now() });
      const res = await app.inject({
        method: 'POST',
        url: `/sso/sp/ACS.saml2?saasid=${s.rest.saasid}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ SAMLResponse: wrongAudience }).toString(),
      });
      expect(new URL(res.headers.location as string).searchParams.get('error')).toBe('WRONG_AUDIENCE');
    };

    await failSignIn();
    await failSignIn();
    expect((await pollAll(app, auth, 'type=sign_in.failures_above_threshold', start)).events).toEqual([]);
    for (let i = 0; i < 5; i++) await failSignIn();
    const first = await pollAll(app, auth, 'type=sign_in.failures_above_threshold', start);
    expect(first.events.map((e) => [e.idpId, e.data])).toEqual([
      [
        'customer001.com',
        {
          idpId: 'customer001.com',
          saasid: s.rest.saasid,
          failures: 3,
          threshold: 3,
          windowStart: expect.any(String) as unknown,
          windowEnd: expect.any(String) as unknown,
          lastReason: 'WRONG_AUDIENCE',
        },
      ],
    ]);
    expect(Date.parse(first.events[0]!.data.windowEnd as string) - Date.parse(first.events[0]!.data.windowStart as string)).toBe(5 * 60_000);

    // The next window: its own count, its own event.
    clock.advance(5 * 60_000);
    for (let i = 0; i < 4; i++) await failSignIn();
    const second = await pollAll(app, auth, 'type=sign_in.failures_above_threshold', first.cursor);
    expect(second.events).toHaveLength(1);
    expect(second.events[0]!.data.windowStart).not.toBe(first.events[0]!.data.windowStart);
  });

  it('records credentials created, edited and deleted, never with their secret, its hash or its hint', async () => {
    const { app, database } = await apps.start();
    const client = await accountWithCredential(app);
    const auth = curlBasic(client.clientId, client.clientSecret);
    const actor = operatorActor(client.accountId);
    const { cursor: start } = await pollAll(app, auth);

    const chosenSecret = 'a-chosen-connection-api-secret-0123456789';
    const created = await app.services.credentials.createConnectionApiCredential(actor, { description: 'reporting', clientSecret: chosenSecret });
    const rotated = await app.services.credentials.updateConnectionApiCredential(actor, created.credential.id, { description: 'reporting v2', generateSecret: true });
    const billing = await app.services.applications.createApplication(actor, restAppInput('Billing'));
    const appCredential = await app.services.credentials.createApplicationCredential(actor, { saasid: billing.saasid, description: 'billing backend' });
    await app.services.credentials.updateGlobalCredential(actor, { clientSecret: 'a-chosen-global-secret-0123456789abcdef', enabled: true });
    await app.services.credentials.deleteConnectionApiCredential(actor, created.credential.id);
    await app.services.applications.deleteApplication(actor, billing.saasid);
    await expect(app.services.credentials.createConnectionApiCredential(actor, { description: 'too short', clientSecret: 'short' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });

    const { events } = await pollAll(app, auth, 'type=credential.created&type=credential.updated&type=credential.deleted', start);
    expect(events.map((e) => [e.type, e.data.kind, e.data.clientId, e.idpId])).toEqual([
      ['credential.created', 'connection_api', created.credential.clientId, null],
      ['credential.updated', 'connection_api', created.credential.clientId, null],
      ['credential.created', 'application', appCredential.credential.clientId, null],
      ['credential.updated', 'global', client.globalClientId, null],
      ['credential.deleted', 'connection_api', created.credential.clientId, null],
      ['credential.deleted', 'application', appCredential.credential.clientId, null],
    ]);
    expect(events[0]!.data).toEqual({ id: created.credential.id, kind: 'connection_api', clientId: created.credential.clientId, description: 'reporting', enabled: true, saasid: null });
    expect(events[1]!.data).toMatchObject({ description: 'reporting v2', secretChanged: true });
    expect(events[2]!.data).toMatchObject({ saasid: billing.saasid });

    // No secret, hash or hint anywhere in any event of the account.
    const stored = await database.db.selectFrom('credentials').select(['secret_hash', 'secret_hint']).execute();
    const everything = JSON.stringify((await pollAll(app, auth)).events);
    for (const secret of [chosenSecret, rotated.clientSecret!, appCredential.clientSecret, 'a-chosen-global-secret-0123456789abcdef', created.credential.secretHint!, ...stored.flatMap((r) => [r.secret_hash, r.secret_hint])]) {
      if (secret) expect(everything).not.toContain(secret);
    }
    expect(everything).not.toContain('$argon2');
  });

  it('pages through 250 events oldest first, with no gap or duplicate, while other transactions write events', async () => {
    const { app, database } = await apps.start();
    const client = await accountWithCredential(app);
    const auth = curlBasic(client.clientId, client.clientSecret);
    const { cursor: start } = await pollAll(app, auth);
    const total = 250;
    let written = 0;
    // Writers in separate transactions, each holding its transaction open a little after writing its
    // event, so commits interleave with the reader's pages.
    const writer = async () => {
      while (written < total) {
        const n = written++;
        await database.db.transaction().execute(async (trx) => {
          await app.services.events.record(trx, { accountId: client.accountId, type: 'connection.updated', idpId: `customer${n % 7}.example`, data: { n } });
          await new Promise((resolve) => setTimeout(resolve, n % 3));
        });
      }
    };
    const seen: ApiEvent[] = [];
    let writing = true;
    // A poller: follows the cursor while events are written, until it finds nothing after the last write.
    const reader = async () => {
      let cursor = start;
      for (;;) {
        const stillWriting = writing;
        const res = await app.inject({ method: 'GET', url: `${EVENTS}?limit=7&after=${cursor}`, headers: { authorization: auth } });
        expect(res.statusCode, res.body).toBe(200);
        const page = res.json<{ events: ApiEvent[]; nextCursor: string }>();
        seen.push(...page.events);
        cursor = page.nextCursor;
        if (page.events.length === 0 && !stillWriting) return;
        if (page.events.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
    };
    await Promise.all([
      Promise.all([writer(), writer(), writer(), writer()]).then(() => {
        writing = false;
      }),
      reader(),
    ]);

    const all = (await pollAll(app, auth, '', start)).events;
    expect(all).toHaveLength(total);
    expect(seen.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(new Set(seen.map((e) => e.data.n)).size).toBe(total);
  });

  it('answers the cursor at the end, filters by type, and refuses a cursor or type it does not know', async () => {
    const { app } = await apps.start();
    const client = await accountWithCredential(app);
    const auth = curlBasic(client.clientId, client.clientSecret);
    const get = (query: string) => app.inject({ method: 'GET', url: `${EVENTS}?${query}`, headers: { authorization: auth } });

    const end = (await get('')).json<{ events: ApiEvent[]; nextCursor: string }>();
    const atEnd = await get(`after=${end.nextCursor}`);
    expect(atEnd.json()).toEqual({ events: [], nextCursor: end.nextCursor });
    await app.services.credentials.createConnectionApiCredential(operatorActor(client.accountId), { description: 'second' });
    const resumed = (await get(`after=${end.nextCursor}`)).json<{ events: ApiEvent[]; nextCursor: string }>();
    expect(resumed.events.map((e) => e.type)).toEqual(['credential.created']);
    expect((await get(`after=${end.nextCursor}&type=connection.created`)).json<{ events: ApiEvent[] }>().events).toEqual([]);

    expect((await get('after=bm90LWEtY3Vyc29y')).json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', fields: [{ field: 'after' }] } });
    expect((await get('type=connection.renamed')).json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', fields: [{ field: 'type' }] } });
    expect((await get('limit=1001')).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: EVENTS })).statusCode).toBe(401);
  });
});
