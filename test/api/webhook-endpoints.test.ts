import { afterAll, describe, expect, it } from 'vitest';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { accountWithCredential, curlBasic } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

afterAll(dropTestDatabases);

const ENDPOINTS = '/web-portal/rest/saas/idp/2.0/webhookEndpoints';

describe.each(testDialects)('Webhook endpoints API (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function setUp(env: Record<string, string> = {}, clock = new TestClock()) {
    const { app } = await apps.start({ clock, env });
    const client = await accountWithCredential(app);
    const authorization = curlBasic(client.clientId, client.clientSecret);
    const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path = '', payload?: unknown) =>
      app.inject({ method, url: `${ENDPOINTS}${path}`, headers: { authorization }, ...(payload !== undefined && { payload: payload as object }) });
    return { app, client, call };
  }

  it('creates an endpoint and returns its signing secret once; list, get, update and delete never show it; every change is audited', async () => {
    const { app, client, call } = await setUp();
    const created = await call('POST', '', { url: 'https://hooks.example.com/ssobridge', description: 'billing backend', eventTypes: ['connection.created', 'connection.deleted'] });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const body = created.json<{ id: string; secret: string; secretHint: string; eventTypes: string[]; enabled: boolean }>();
    expect(body.secret).toMatch(/^whsec_/);
    expect(body).toMatchObject({ url: 'https://hooks.example.com/ssobridge', description: 'billing backend', eventTypes: ['connection.created', 'connection.deleted'], enabled: true, disabledReason: null });
    expect(body.secretHint).toBe(`whsec_…${body.secret.slice(-4)}`);

    const list = await call('GET');
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(body.secret);
    expect(list.json<{ webhookEndpoints: { id: string }[] }>().webhookEndpoints.map((e) => e.id)).toEqual([body.id]);
    const one = await call('GET', `/${body.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).not.toHaveProperty('secret');

    const patched = await call('PATCH', `/${body.id}`, { eventTypes: null, enabled: false });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ eventTypes: null, enabled: false, description: 'billing backend' });
    expect(patched.json()).not.toHaveProperty('secret');

    const replaced = await call('PUT', `/${body.id}`, { url: 'http://localhost:4000/hooks', rotateSecret: true });
    expect(replaced.statusCode, replaced.body).toBe(200);
    const r = replaced.json<{ secret: string; description: string; enabled: boolean; url: string }>();
    expect(r).toMatchObject({ url: 'http://localhost:4000/hooks', description: '', enabled: true });
    expect(r.secret).toMatch(/^whsec_/);
    expect(r.secret).not.toBe(body.secret);

    expect((await call('DELETE', `/${body.id}`)).statusCode).toBe(204);
    const gone = await call('GET', `/${body.id}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ error: { code: 'WEBHOOK_ENDPOINT_NOT_FOUND' } });

    const actions = (await app.services.audit.list(client.accountId, { limit: 50 })).events.filter((e) => e.targetKind === 'webhook_endpoint');
    expect(actions.map((e) => e.action).reverse()).toEqual(['webhook_endpoint.created', 'webhook_endpoint.updated', 'webhook_endpoint.secret_rotated', 'webhook_endpoint.deleted']);
    expect(JSON.stringify(actions)).not.toContain(body.secret.slice(6));
    expect(JSON.stringify(actions)).not.toContain(r.secret.slice(6));
  });

  it('refuses a plain-http URL other than localhost and an unknown event type, naming each field', async () => {
    const { call } = await setUp();
    const res = await call('POST', '', { url: 'http://hooks.example.com/in', eventTypes: ['connection.created', 'connection.exploded'], colour: 'red' });
    expect(res.statusCode).toBe(400);
    const fields = res.json<{ error: { code: string; fields: { field: string }[] } }>().error;
    expect(fields.code).toBe('VALIDATION_FAILED');
    expect(fields.fields.map((f) => f.field)).toEqual(expect.arrayContaining(['url', 'eventTypes.1']));
  });

  it('refuses an eleventh endpoint', async () => {
    const { call } = await setUp();
    for (let i = 0; i < 10; i++) expect((await call('POST', '', { url: `https://hooks.example.com/${i}` })).statusCode).toBe(201);
    const eleventh = await call('POST', '', { url: 'https://hooks.example.com/10' });
    expect(eleventh.statusCode).toBe(409);
    expect(eleventh.json()).toMatchObject({ error: { code: 'WEBHOOK_ENDPOINT_LIMIT_REACHED' } });
  });

  it("shows an endpoint's delivery log and redelivers a delivery", async () => {
    const clock = new TestClock();
    let secret = '';
    const receiver = await startWebhookReceiver({ secret: () => secret, now: () => clock.now() });
    try {
      const { app, client, call } = await setUp({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_CA_FILE: receiver.caFile }, clock);
      const created = (await call('POST', '', { url: receiver.url })).json<{ id: string; secret: string }>();
      secret = created.secret;
      receiver.mode = 'unavailable';
      const event = await apps.current.database.db
        .transaction()
        .execute((trx) => app.services.events.record(trx, { accountId: client.accountId, type: 'connection.created', idpId: 'customer.example', data: { idpId: 'customer.example' } }));
      await app.services.webhooks.deliverDue();
      const log = await call('GET', `/${created.id}/deliveries`);
      expect(log.statusCode, log.body).toBe(200);
      const [delivery] = log.json<{ deliveries: { id: string; eventId: string; status: string; idpId: string; attempts: { statusCode: number; error: string }[]; nextAttemptAt: string }[] }>().deliveries;
      expect(delivery).toMatchObject({ eventId: event.id, status: 'pending', idpId: 'customer.example', attempts: [{ statusCode: 503, error: 'HTTP 503' }] });
      expect(log.body).not.toContain(secret.slice(6));

      receiver.mode = 'ok';
      const redeliver = await call('POST', `/${created.id}/deliveries/${delivery!.id}/redeliver`);
      expect(redeliver.statusCode, redeliver.body).toBe(202);
      await app.services.webhooks.deliverDue();
      expect(receiver.received.map((r) => r.id)).toEqual([event.id]);
      const after = (await call('GET', `/${created.id}/deliveries`)).json<{ deliveries: { status: string; attempts: unknown[] }[] }>();
      expect(after.deliveries[0]).toMatchObject({ status: 'delivered' });
      expect(after.deliveries[0]!.attempts).toHaveLength(2);
      expect((await call('POST', `/${created.id}/deliveries/wd_unknown/redeliver`)).json()).toMatchObject({ error: { code: 'WEBHOOK_DELIVERY_NOT_FOUND' } });
    } finally {
      await receiver.close();
    }
  });

  it("does not show or change another account's endpoint", async () => {
    const { app, call } = await setUp();
    const created = (await call('POST', '', { url: 'https://hooks.example.com/a' })).json<{ id: string }>();
    const other = await accountWithCredential(app, 'Other SaaS');
    const otherAuth = curlBasic(other.clientId, other.clientSecret);
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await app.inject({ method, url: `${ENDPOINTS}/${created.id}`, headers: { authorization: otherAuth } });
      expect(res.statusCode).toBe(404);
    }
    const list = await app.inject({ method: 'GET', url: ENDPOINTS, headers: { authorization: otherAuth } });
    expect(list.json()).toEqual({ webhookEndpoints: [] });
  });
});
