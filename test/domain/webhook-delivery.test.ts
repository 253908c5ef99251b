import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { StoredEvent } from '../../src/domain/events/event-log.js';
import type { EventType } from '../../src/domain/events/event-types.js';
import { RETRY_DELAYS_MS } from '../../src/domain/webhooks/retry-schedule.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { dropTestDatabases, newDatabaseLocation, testDialects } from '../helpers/databases.js';
import { operatorActor, startInstance, type TestInstance } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

afterAll(dropTestDatabases);

const HOUR = 3_600_000;

/** Records an event as a change would: in its own transaction (the outbox). */
async function recordEvent(instance: TestInstance, accountId: string, idpId: string | null, type: EventType = 'connection.updated', data: Record<string, unknown> = {}) {
  return instance.database.db.transaction().execute((trx) => instance.app.services.events.record(trx, { accountId, type, idpId, data: { ...(idpId !== null && { idpId }), ...data } }));
}

/** Runs the worker, moving the clock past each retry, until nothing is pending or `maxMs` passed. */
async function deliverUntilDone(app: App, clock: TestClock, accountId: string, endpointId: string, maxMs = 40 * HOUR, stepMs = 60_000) {
  for (let waited = 0; waited <= maxMs; waited += stepMs) {
    await app.services.webhooks.deliverDue();
    const { deliveries } = await app.services.webhooks.listDeliveries(accountId, endpointId, { limit: 1000 });
    if (deliveries.every((d) => d.status !== 'pending')) return deliveries;
    clock.advance(stepMs);
  }
  throw new Error('deliveries still pending');
}

describe.each(testDialects)('Webhook delivery (%s)', (dialect) => {
  const apps = appsPerTest(dialect);
  let receiver: WebhookReceiver | undefined;
  let secret = '';
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  async function setUp(env: Record<string, string> = {}) {
    const clock = new TestClock();
    receiver = await startWebhookReceiver({ secret: () => secret, now: () => clock.now() });
    const instance = await apps.start({ clock, env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_CA_FILE: receiver.caFile, ...env } });
    const { app, database } = instance;
    const { account } = await app.services.accounts.createAccount(operatorActor, 'Acme SaaS');
    const created = await app.services.webhooks.createEndpoint(operatorActor(account.id), { url: receiver.url, description: 'backend' });
    secret = created.secret;
    return { instance, app, database, clock, accountId: account.id, endpoint: created.endpoint, receiver };
  }

  it('delivers each event signed per Standard Webhooks, and every event arrives, in order per customer, after the receiver was down for hours', async () => {
    const { instance, app, clock, accountId, endpoint, receiver } = await setUp();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await receiver.stop();
    const recorded: StoredEvent[] = [];
    for (let i = 0; i < 4; i++) {
      recorded.push(await recordEvent(instance, accountId, 'alpha.example', 'connection.updated', { step: i }));
      recorded.push(await recordEvent(instance, accountId, 'beta.example', 'connection.updated', { step: i }));
    }
    recorded.push(await recordEvent(instance, accountId, null, 'credential.created', { clientId: 'c1' }));

    // Down: only the first event of each customer (and the account-wide one) is tried; later ones wait behind it.
    expect(await app.services.webhooks.deliverDue()).toBe(3);
    const log = await app.services.webhooks.listDeliveries(accountId, endpoint.id, { limit: 100 });
    expect(log.deliveries.filter((d) => d.attempts.length > 0).map((d) => d.attempts[0]!.error)).toEqual(['connection refused', 'connection refused', 'connection refused']);

    // Up again but overloaded (503) for two hours, then healthy.
    await receiver.start();
    receiver.mode = 'unavailable';
    for (let t = 0; t < 2 * HOUR; t += 60_000) {
      clock.advance(60_000);
      await app.services.webhooks.deliverDue();
    }
    expect(receiver.received).toHaveLength(0);
    receiver.mode = 'ok';
    const deliveries = await deliverUntilDone(app, clock, accountId, endpoint.id);

    expect(deliveries.every((d) => d.status === 'delivered')).toBe(true);
    expect(receiver.rejected).toEqual([]);
    const ids = receiver.received.map((r) => r.id);
    expect(new Set(ids)).toEqual(new Set(recorded.map((e) => e.id)));
    for (const customer of ['alpha.example', 'beta.example']) {
      const arrived = receiver.received.filter((r) => r.payload.data.idpId === customer).map((r) => r.payload.data.step);
      expect(arrived).toEqual([0, 1, 2, 3]);
    }
    const first = receiver.received.find((r) => r.id === recorded[0]!.id)!;
    expect(first.payload).toEqual({ type: 'connection.updated', timestamp: new Date(recorded[0]!.createdAt).toISOString(), data: { idpId: 'alpha.example', step: 0 } });
    expect(first.id).toBe(recorded[0]!.id);
    const retried = (await app.services.webhooks.listDeliveries(accountId, endpoint.id, { limit: 100 })).deliveries.find((d) => d.eventId === recorded[0]!.id)!;
    expect(retried.attempts.map((a) => a.statusCode ?? a.error)).toContain(503);
    expect(retried.attempts.at(-1)!.statusCode).toBe(204);
    expect((await app.services.webhooks.getEndpoint(accountId, endpoint.id)).enabled).toBe(true);
  });

  it('sends an endpoint only the event types of its filter, and nothing to a disabled endpoint', async () => {
    const { instance, app, clock, accountId, endpoint, receiver } = await setUp();
    await app.services.webhooks.updateEndpoint(operatorActor(accountId), endpoint.id, { eventTypes: ['credential.created', 'credential.deleted'] });
    const other = await app.services.webhooks.createEndpoint(operatorActor(accountId), { url: receiver.url, enabled: false });
    await recordEvent(instance, accountId, 'alpha.example', 'connection.created');
    const wanted = await recordEvent(instance, accountId, null, 'credential.deleted');
    await deliverUntilDone(app, clock, accountId, endpoint.id);
    expect(receiver.received.map((r) => r.id)).toEqual([wanted.id]);
    expect((await app.services.webhooks.listDeliveries(accountId, other.endpoint.id, { limit: 10 })).deliveries).toEqual([]);
  });

  it('gives a delivery up after its retry schedule (over 24 hours), then turns the failing endpoint off, audited; turned on again it gets what waited', async () => {
    const { instance, app, clock, accountId, endpoint, receiver } = await setUp();
    receiver.mode = 'redirect';
    const first = await recordEvent(instance, accountId, 'alpha.example');
    const started = clock.now();
    let later: Awaited<ReturnType<typeof recordEvent>> | undefined;
    for (let t = 0; t < 45 * HOUR; t += 10 * 60_000) {
      await app.services.webhooks.deliverDue();
      clock.advance(10 * 60_000);
      if (!later && clock.now() - started > 20 * HOUR) later = await recordEvent(instance, accountId, 'beta.example');
    }
    const log = (await app.services.webhooks.listDeliveries(accountId, endpoint.id, { limit: 10 })).deliveries;
    const given = log.find((d) => d.eventId === first.id)!;
    expect(given.status).toBe('failed');
    expect(given.attempts).toHaveLength(RETRY_DELAYS_MS.length + 1);
    expect(given.attempts[0]!.error).toBe('HTTP 302 (redirects are not followed)');
    expect(given.attempts.at(-1)!.attemptedAt - started).toBeGreaterThanOrEqual(24 * HOUR);

    expect(await app.services.webhooks.getEndpoint(accountId, endpoint.id)).toMatchObject({ enabled: false, disabledReason: 'failing' });
    const audit = (await app.services.audit.list(accountId, { limit: 50 })).events.map((e) => e.action);
    expect(audit).toContain('webhook_endpoint.disabled_failing');
    const waiting = log.find((d) => d.eventId === later!.id)!;
    expect(waiting.status).toBe('pending');
    clock.advance(10 * HOUR);
    await app.services.webhooks.deliverDue();
    const stillWaiting = (await app.services.webhooks.listDeliveries(accountId, endpoint.id, { limit: 10 })).deliveries.find((d) => d.eventId === later!.id)!;
    expect(stillWaiting.attempts).toHaveLength(waiting.attempts.length);

    receiver.mode = 'ok';
    await app.services.webhooks.updateEndpoint(operatorActor(accountId), endpoint.id, { enabled: true });
    await deliverUntilDone(app, clock, accountId, endpoint.id);
    expect(receiver.received.map((r) => r.id)).toEqual([later!.id]);
  });

  it('redelivers a delivered event on request, with the same webhook-id', async () => {
    const { instance, app, clock, accountId, endpoint, receiver } = await setUp();
    const event = await recordEvent(instance, accountId, 'alpha.example');
    const [delivery] = await deliverUntilDone(app, clock, accountId, endpoint.id);
    await app.services.webhooks.redeliver(operatorActor(accountId), endpoint.id, delivery!.id);
    await deliverUntilDone(app, clock, accountId, endpoint.id);
    expect(receiver.received.map((r) => r.id)).toEqual([event.id, event.id]);
    await expect(app.services.webhooks.redeliver(operatorActor(accountId), endpoint.id, 'wd_nope')).rejects.toMatchObject({ code: 'WEBHOOK_DELIVERY_NOT_FOUND' });
  });

  it('keeps delivered and failed deliveries in the log for 30 days, pending ones until they are done', async () => {
    const { instance, app, clock, accountId, endpoint, receiver } = await setUp();
    const delivered = await recordEvent(instance, accountId, 'alpha.example');
    await app.services.webhooks.deliverDue();
    receiver.mode = 'unavailable';
    const waiting = await recordEvent(instance, accountId, 'beta.example');
    await app.services.webhooks.deliverDue();
    const logged = async () => (await app.services.webhooks.listDeliveries(accountId, endpoint.id, { limit: 10 })).deliveries.map((d) => d.eventId);
    clock.advance(29 * 24 * HOUR);
    expect(await app.services.webhooks.pruneDeliveryLog()).toBe(0);
    clock.advance(2 * 24 * HOUR);
    expect(await app.services.webhooks.pruneDeliveryLog()).toBe(1);
    expect(await logged()).toEqual([waiting.id]);
    expect(delivered.id).not.toBe(waiting.id);
  });

  it('gives up an attempt the receiver does not answer within WEBHOOK_TIMEOUT_MS, and tries again later', async () => {
    const { instance, app, clock, accountId, endpoint, receiver } = await setUp({ WEBHOOK_TIMEOUT_MS: '300' });
    receiver.mode = 'hang';
    const event = await recordEvent(instance, accountId, 'alpha.example');
    await app.services.webhooks.deliverDue();
    const [delivery] = (await app.services.webhooks.listDeliveries(accountId, endpoint.id, { limit: 10 })).deliveries;
    expect(delivery).toMatchObject({ status: 'pending', attempts: [{ statusCode: null, error: 'no complete answer within 0.3 s' }] });
    receiver.mode = 'ok';
    await deliverUntilDone(app, clock, accountId, endpoint.id);
    expect(receiver.received.map((r) => r.id)).toEqual([event.id]);
  });

  it('refuses to deliver to a loopback address unless WEBHOOK_ALLOW_PRIVATE is set', async () => {
    const { instance, app, accountId, endpoint, receiver } = await setUp({ WEBHOOK_ALLOW_PRIVATE: 'false' });
    await recordEvent(instance, accountId, 'alpha.example');
    await app.services.webhooks.deliverDue();
    const [delivery] = (await app.services.webhooks.listDeliveries(accountId, endpoint.id, { limit: 10 })).deliveries;
    expect(delivery!.attempts[0]!.error).toMatch(/^refused: the host is not a public address/);
    expect(receiver.received).toEqual([]);
  });

  it('a rotated secret signs the next deliveries; the old one no longer verifies', async () => {
    const { instance, app, clock, accountId, endpoint, receiver } = await setUp();
    const old = secret;
    const rotated = await app.services.webhooks.updateEndpoint(operatorActor(accountId), endpoint.id, { rotateSecret: true });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(old);
    await recordEvent(instance, accountId, 'alpha.example');
    await app.services.webhooks.deliverDue();
    expect(receiver.rejected).toHaveLength(1);
    secret = rotated.secret!;
    clock.advance(10_000);
    await deliverUntilDone(app, clock, accountId, endpoint.id);
    expect(receiver.received).toHaveLength(1);
  });

  it('keeps the signing secret only sealed: not in the database in clear', async () => {
    const { app, database, accountId } = await setUp();
    const { secret: second } = await app.services.webhooks.createEndpoint(operatorActor(accountId), { url: 'https://hooks.example.com/in' });
    const rows = await database.db.selectFrom('webhook_endpoints').selectAll().execute();
    const dump = JSON.stringify(rows);
    for (const s of [secret, second]) {
      expect(dump).not.toContain(s);
      expect(dump).not.toContain(s.slice('whsec_'.length));
      expect(dump).not.toContain(Buffer.from(s.slice('whsec_'.length), 'base64').toString('hex'));
    }
    if (dialect === 'sqlite') {
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(database.db);
      const dir = apps.current.location.dataDir;
      for (const file of fs.readdirSync(dir)) {
        const bytes = fs.readFileSync(path.join(dir, file)).toString('latin1');
        for (const s of [secret, second]) expect(bytes).not.toContain(s.slice('whsec_'.length));
      }
    }
  });

  it('holds the limit of 10 endpoints per account under racing creates', async () => {
    const { app, accountId } = await setUp();
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => app.services.webhooks.createEndpoint(operatorActor(accountId), { url: `https://hooks.example.com/${i}` })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(9);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['WEBHOOK_ENDPOINT_LIMIT_REACHED', 'WEBHOOK_ENDPOINT_LIMIT_REACHED', 'WEBHOOK_ENDPOINT_LIMIT_REACHED']);
    expect(await app.services.webhooks.listEndpoints(accountId)).toHaveLength(10);
  });
});

describe.runIf(testDialects.includes('postgres'))('Webhook delivery by two instances (postgres)', () => {
  const apps = appsPerTest('postgres');

  it('two instances share the outbox: every event arrives, none is attempted by both at once, order per customer holds', async () => {
    let secret = '';
    const clock = new TestClock();
    const receiver = await startWebhookReceiver({ secret: () => secret, now: () => clock.now(), holdMs: 5 });
    try {
      const location = newDatabaseLocation('postgres');
      const env = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_CA_FILE: receiver.caFile };
      const one = await startInstance(location, { clock, env });
      const two = await startInstance(location, { clock, env });
      apps.closeAfterTest(one, two);
      const { account } = await one.app.services.accounts.createAccount(operatorActor, 'Acme SaaS');
      const created = await one.app.services.webhooks.createEndpoint(operatorActor(account.id), { url: receiver.url });
      secret = created.secret;
      const recorded: StoredEvent[] = [];
      for (let i = 0; i < 120; i++) recorded.push(await recordEvent(i % 2 ? one : two, account.id, `customer-${i % 6}.example`, 'connection.updated', { step: i }));
      // Both workers at once, a few rounds each, as two servers' jobs would run.
      const drain = async (app: App) => {
        for (let round = 0; round < 2000 && receiver.received.length < recorded.length; round++) {
          if ((await app.services.webhooks.deliverDue()) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        }
      };
      await Promise.all([drain(one.app), drain(two.app), drain(one.app), drain(two.app)]);

      expect(receiver.rejected).toEqual([]);
      expect(receiver.maxConcurrentPerId()).toBe(1);
      expect(new Set(receiver.received.map((r) => r.id))).toEqual(new Set(recorded.map((e) => e.id)));
      expect(receiver.received).toHaveLength(recorded.length);
      for (let c = 0; c < 6; c++) {
        const steps = receiver.received.filter((r) => r.payload.data.idpId === `customer-${c}.example`).map((r) => r.payload.data.step as number);
        expect(steps).toEqual([...steps].sort((a, b) => a - b));
        expect(steps).toHaveLength(20);
      }
    } finally {
      await receiver.close();
    }
  });
});
