import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { CUSTOMERS_PATH } from '../../src/http/console/pages/customer-pages.js';
import type { SigningKey } from '../../src/saml/response-builder.js';
import { generateSigningKeyPair } from '../../src/saml/signing-key-pair.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { signedInAdmin, unescapeHtml } from '../helpers/console-admin.js';
import { dropTestDatabases, newDatabaseLocation, testDialects } from '../helpers/databases.js';
import { idpMetadataXml } from '../helpers/idp-metadata-xml.js';
import { startLocalHttpsServer, type LocalHttpsServer } from '../helpers/local-https.js';
import { authnRequestFromRedirect, CUSTOMER_IDP, CUSTOMER_SSO, idpResponse, ssoSetUp } from '../helpers/sso-fixture.js';
import { accountWithCredential, curlBasic, operatorActor, SP_MANAGED, startInstance } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';

afterAll(dropTestDatabases);

const BASE = 'http://localhost:8080';
const HOUR = 3600_000;
/** Past the 12-hour interval and its jitter (±10 %). */
const PAST_INTERVAL = 14 * HOUR;

/** What a customer's metadata URL answers; a test changes it as the IdP's admin would. */
type Answer = { status: 200; xml: string } | { status: 500 } | { status: 200; body: string };
/** While set, answers wait a little and count how many requests are being answered at once. */
let answeredSlowly: { now: number; most: number } | undefined;
/** While set, the next answer waits for this (what someone does while the refresh is fetching). */
let whileFetching: (() => Promise<void>) | undefined;
function publish(answers: Map<string, Answer>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const answer = answers.get(new URL(req.url ?? '/', 'https://127.0.0.1').pathname);
    if (!answer) return void res.writeHead(404).end();
    if (answer.status === 500) return void res.writeHead(500).end('internal error');
    const send = () => res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end('xml' in answer ? answer.xml : answer.body);
    const meanwhile = whileFetching;
    whileFetching = undefined;
    if (meanwhile) return void meanwhile().then(send);
    const counter = answeredSlowly;
    if (!counter) return void send();
    counter.most = Math.max(counter.most, ++counter.now);
    setTimeout(() => {
      counter.now--;
      send();
    }, 100);
  };
}

describe.each(testDialects)('Scheduled metadata refresh (%s)', (dialect) => {
  const apps = appsPerTest(dialect);
  let server: LocalHttpsServer;
  const answers = new Map<string, Answer>();
  let nextKey: SigningKey;
  const env = () => ({ METADATA_FETCH_CA_FILE: server.caFile, METADATA_FETCH_ALLOW_PRIVATE: 'true' });
  const url = (path: string) => `${server.origin}${path}`;

  beforeAll(async () => {
    const routes = Object.fromEntries(['/idp.xml', '/down.xml', '/garbled.xml', ...Array.from({ length: 10 }, (_, i) => `/idp${i}.xml`)].map((p) => [p, publish(answers)]));
    server = await startLocalHttpsServer(routes);
    nextKey = await generateSigningKeyPair('idp.customer001.com renewed', Date.now());
  });
  afterAll(() => server.close());

  /** A sign-in through our ACS with a response signed by `key`: 200 when the connection verifies it. */
  async function signIn(app: App, s: Awaited<ReturnType<typeof ssoSetUp>>, key: SigningKey, now: number) {
    const init = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com` });
    const request = authnRequestFromRedirect(init.headers.location as string);
    const payload = new URLSearchParams({
      SAMLResponse: idpResponse(key, { destination: `${BASE}/sso/sp/ACS.saml2`, audience: `${BASE}/saml/sp/${s.accountId}`, inResponseTo: request.id, now }),
      RelayState: request.relayState,
    }).toString();
    return app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
  }

  it('picks up the IdP’s new signing certificate: after a refresh run the connection verifies it, with one audit event', async () => {
    const clock = new TestClock();
    const { app } = await apps.start({ clock, env: env() });
    const s = await ssoSetUp(app);
    answers.set('/idp.xml', { status: 200, xml: idpMetadataXml(CUSTOMER_IDP, [s.idpKey.certificatePem], CUSTOMER_SSO) });
    await app.services.customers.putCustomer(s.actor, 'customer001.com', { metadataUrl: url('/idp.xml'), emailDomains: ['customer001.com'] });
    expect((await signIn(app, s, s.idpKey, clock.now())).statusCode).toBe(200);

    // The IdP's admin rolls the signing key; its metadata URL now publishes only the new certificate.
    answers.set('/idp.xml', { status: 200, xml: idpMetadataXml(CUSTOMER_IDP, [nextKey.certificatePem], CUSTOMER_SSO) });
    expect((await signIn(app, s, nextKey, clock.now())).statusCode).toBe(303);
    // Not due yet: a run before the interval fetches nothing.
    await app.services.metadataRefresh.runDue();
    expect(server.hits.get('/idp.xml')).toBe(1);

    clock.advance(PAST_INTERVAL);
    const eventsBefore = (await app.services.audit.list(s.accountId, { limit: 100 })).events.length;
    expect(await app.services.metadataRefresh.runDue()).toEqual({ attempted: 1, changed: 1, failed: 0 });

    const signedWithNewKey = await signIn(app, s, nextKey, clock.now());
    expect(signedWithNewKey.statusCode, signedWithNewKey.body).toBe(200);
    expect((await signIn(app, s, s.idpKey, clock.now())).statusCode).toBe(303);
    const events = (await app.services.audit.list(s.accountId, { limit: 100 })).events;
    expect(events.length - eventsBefore).toBe(1);
    expect(events[0]).toMatchObject({ action: 'customer.updated', targetId: 'customer001.com', actorLabel: 'scheduled metadata refresh' });

    // Unchanged metadata on the next run: fetched again, nothing written, no audit event.
    clock.advance(PAST_INTERVAL);
    expect(await app.services.metadataRefresh.runDue()).toEqual({ attempted: 1, changed: 0, failed: 0 });
    expect((await app.services.audit.list(s.accountId, { limit: 100 })).events.length).toBe(events.length);
  });

  it('never puts back what an admin changed while it was fetching: a connection disabled meanwhile stays disabled', async () => {
    const clock = new TestClock();
    const { app } = await apps.start({ clock, env: env() });
    const s = await ssoSetUp(app);
    answers.set('/idp.xml', { status: 200, xml: idpMetadataXml(CUSTOMER_IDP, [s.idpKey.certificatePem], CUSTOMER_SSO) });
    await app.services.customers.putCustomer(s.actor, 'customer001.com', { metadataUrl: url('/idp.xml'), emailDomains: ['customer001.com'] });
    clock.advance(PAST_INTERVAL);
    answers.set('/idp.xml', { status: 200, xml: idpMetadataXml(CUSTOMER_IDP, [nextKey.certificatePem], CUSTOMER_SSO) });
    // The admin turns the connection off (a compromised IdP, say) while the refresh is fetching.
    whileFetching = async () => {
      await app.services.customers.setCustomerEnabled(s.actor, 'customer001.com', false);
    };
    expect(await app.services.metadataRefresh.runDue()).toMatchObject({ attempted: 1, changed: 0, failed: 1 });
    const after = await app.services.customers.getCustomer(s.accountId, 'customer001.com');
    expect(after.enabled).toBe(false);
    expect(after.metadataRefresh?.lastError?.reason).toMatch(/changed while/);
  });

  it('keeps the last good settings when the URL answers 500 or invalid XML, and shows the failure in the API and the console', async () => {
    const clock = new TestClock();
    // The console session outlives the clock's jumps past the refresh interval.
    const { app } = await apps.start({ clock, env: { ...env(), SESSION_TTL_HOURS: '72' } });
    const { browser, accountId } = await signedInAdmin(app);
    const actor = operatorActor(accountId);
    const credential = await app.services.credentials.createConnectionApiCredential(actor, { description: 'backend' });
    const authorization = curlBasic(credential.credential.clientId, credential.clientSecret);
    const key = await generateSigningKeyPair('idp.example', clock.now());
    answers.set('/down.xml', { status: 200, xml: idpMetadataXml('https://down.example/idp', [key.certificatePem], CUSTOMER_SSO) });
    answers.set('/garbled.xml', { status: 200, xml: idpMetadataXml('https://garbled.example/idp', [key.certificatePem], CUSTOMER_SSO) });
    await app.services.customers.putCustomer(actor, 'down.example', { metadataUrl: url('/down.xml') });
    await app.services.customers.putCustomer(actor, 'garbled.example', { metadataUrl: url('/garbled.xml') });
    const get = async (idpId: string) => (await app.inject({ method: 'GET', url: `${SP_MANAGED}/${idpId}`, headers: { authorization } })).json<Record<string, unknown>>();
    const before = { down: await get('down.example'), garbled: await get('garbled.example') };
    expect(before.down.metadataRefresh).toEqual({ lastRefreshedAt: null, lastError: null, nextRefreshAt: null });

    answers.set('/down.xml', { status: 500 });
    // The new certificate would be picked up if the document were usable: it is not.
    answers.set('/garbled.xml', { status: 200, body: `${idpMetadataXml('https://garbled.example/idp', [nextKey.certificatePem], CUSTOMER_SSO).slice(0, 200)}` });
    clock.advance(PAST_INTERVAL);
    expect(await app.services.metadataRefresh.runDue()).toEqual({ attempted: 2, changed: 0, failed: 2 });

    const after = { down: await get('down.example'), garbled: await get('garbled.example') };
    /** What a failed refresh must not touch. */
    const settingsOf = (body: Record<string, unknown>) => ({
      entityId: body.entityId,
      ssoUrl: body.ssoUrl,
      certificates: (body.certificates as { sha256Fingerprint: string }[]).map((c) => c.sha256Fingerprint),
      updatedAt: body.updatedAt,
    });
    for (const name of ['down', 'garbled'] as const) {
      expect(settingsOf(after[name])).toEqual(settingsOf(before[name]));
      expect(after[name].metadataRefresh).toMatchObject({ lastRefreshedAt: null, lastError: { at: new Date(clock.now()).toISOString() } });
    }
    expect(after.down.metadataRefresh).toMatchObject({ lastError: { reason: expect.stringMatching(/HTTP 500/) } });
    expect(after.garbled.metadataRefresh).toMatchObject({ lastError: { reason: expect.stringMatching(/not well-formed XML/) } });
    // A failed refresh is tried again within the hour, not only after the next interval.
    const retryAt = Date.parse((after.down.metadataRefresh as { nextRefreshAt: string }).nextRefreshAt);
    expect(retryAt - clock.now()).toBeLessThanOrEqual(1.1 * HOUR);

    const page = unescapeHtml((await browser.get(`${CUSTOMERS_PATH}/idp/down.example`)).body);
    expect(page).toContain('Last refresh error');
    expect(page).toMatch(/HTTP 500/);
    expect(page).toContain('keeps the settings of the last good metadata');

    // The IdP comes back: the next run succeeds and the error is gone.
    answers.set('/down.xml', { status: 200, xml: idpMetadataXml('https://down.example/idp', [key.certificatePem], CUSTOMER_SSO) });
    clock.advance(2 * HOUR);
    await app.services.metadataRefresh.runDue();
    expect((await get('down.example')).metadataRefresh).toMatchObject({ lastRefreshedAt: new Date(clock.now()).toISOString(), lastError: null });
    expect(unescapeHtml((await browser.get(`${CUSTOMERS_PATH}/idp/down.example`)).body)).not.toMatch(/HTTP 500/);
  });

  it('follows the connection: a new metadata URL replaces the old one, and the IdP given by fields is not refreshed', async () => {
    const clock = new TestClock();
    const { app } = await apps.start({ clock, env: env() });
    const { accountId } = await accountWithCredential(app);
    const actor = operatorActor(accountId);
    const key = await generateSigningKeyPair('idp.example', clock.now());
    answers.set('/idp8.xml', { status: 200, xml: idpMetadataXml('https://moving.example/saml', [key.certificatePem], CUSTOMER_SSO) });
    answers.set('/idp9.xml', { status: 200, xml: idpMetadataXml('https://moving.example/saml', [key.certificatePem], CUSTOMER_SSO) });
    await app.services.customers.putCustomer(actor, 'moving.example', { metadataUrl: url('/idp8.xml') });
    await app.services.metadataRefresh.runDue();
    await app.services.customers.putCustomer(actor, 'moving.example', { metadataUrl: url('/idp9.xml') });
    const hits = () => [server.hits.get('/idp8.xml') ?? 0, server.hits.get('/idp9.xml') ?? 0];
    const before = hits();

    clock.advance(PAST_INTERVAL);
    expect(await app.services.metadataRefresh.runDue()).toMatchObject({ attempted: 1 });
    expect(hits()).toEqual([before[0], before[1]! + 1]);

    await app.services.customers.putCustomer(actor, 'moving.example', { entityId: 'https://moving.example/saml', ssoUrl: CUSTOMER_SSO, certificates: [key.certificatePem] });
    clock.advance(PAST_INTERVAL);
    expect(await app.services.metadataRefresh.runDue()).toMatchObject({ attempted: 0 });
    expect((await app.services.customers.getCustomer(accountId, 'moving.example')).metadataRefresh).toBeNull();
  });

  it('fetches at most METADATA_REFRESH_CONCURRENCY URLs at once', async () => {
    const clock = new TestClock();
    const { app } = await apps.start({ clock, env: { ...env(), METADATA_REFRESH_CONCURRENCY: '2' } });
    const { accountId } = await accountWithCredential(app);
    const key = await generateSigningKeyPair('idp.example', clock.now());
    for (let i = 0; i < 6; i++) {
      answers.set(`/idp${i}.xml`, { status: 200, xml: idpMetadataXml(`https://idp${i}.example/saml`, [key.certificatePem], CUSTOMER_SSO) });
      await app.services.customers.putCustomer(operatorActor(accountId), `customer${i}.example`, { metadataUrl: url(`/idp${i}.xml`) });
    }
    const seen = { now: 0, most: 0 };
    answeredSlowly = seen;
    clock.advance(PAST_INTERVAL);
    try {
      expect(await app.services.metadataRefresh.runDue()).toMatchObject({ attempted: 6, failed: 0 });
    } finally {
      answeredSlowly = undefined;
    }
    expect(seen.most).toBe(2);
  });

  it('fetches each URL once when two instances run the job at the same time', async () => {
    const clock = new TestClock();
    const location = newDatabaseLocation(dialect);
    const first = await startInstance(location, { clock, env: env() });
    const second = await startInstance(location, { clock, env: env() });
    apps.closeAfterTest(first, second);
    const { accountId } = await accountWithCredential(first.app);
    const key = await generateSigningKeyPair('idp.example', clock.now());
    for (let i = 0; i < 10; i++) {
      answers.set(`/idp${i}.xml`, { status: 200, xml: idpMetadataXml(`https://idp${i}.example/saml`, [key.certificatePem], CUSTOMER_SSO) });
      await first.app.services.customers.putCustomer(operatorActor(accountId), `customer${i}.example`, { metadataUrl: url(`/idp${i}.xml`) });
    }
    const hitsBefore = Array.from({ length: 10 }, (_, i) => server.hits.get(`/idp${i}.xml`) ?? 0);

    clock.advance(PAST_INTERVAL);
    const runs = await Promise.all([first.app.services.metadataRefresh.runDue(), second.app.services.metadataRefresh.runDue()]);

    expect(Array.from({ length: 10 }, (_, i) => (server.hits.get(`/idp${i}.xml`) ?? 0) - hitsBefore[i]!)).toEqual(Array(10).fill(1));
    expect(runs[0].attempted + runs[1].attempted).toBe(10);
  });
});
