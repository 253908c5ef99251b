import { afterAll, describe, expect, it } from 'vitest';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { fieldErrorText, signedInAdmin } from '../helpers/console-admin.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { TestClock } from '../helpers/test-clock.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

afterAll(dropTestDatabases);

const WEBHOOKS = '/console/account/webhooks';

describe.each(testDialects)('console: Webhooks (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  it('adds an endpoint with an event filter and shows its signing secret once; a reload creates nothing', async () => {
    const { app } = await apps.start();
    const { browser, accountId } = await signedInAdmin(app);
    const list = await browser.get(WEBHOOKS);
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`<a href="${WEBHOOKS}" aria-current="page">Webhooks</a>`);
    expect(list.body).toContain('No webhook endpoints yet.');
    await browser.get(`${WEBHOOKS}/new`);
    const submissionKey = /name="submissionKey" value="([^"]+)"/.exec(browser.lastHtml)![1]!;
    const form = new URLSearchParams({ submissionKey, url: 'https://hooks.example.com/in', description: 'Billing', filter: 'selected', enabled: 'true' });
    form.append('eventTypes', 'connection.created');
    form.append('eventTypes', 'certificate.expiring');
    const created = await browser.post(WEBHOOKS, form);
    expect(created.statusCode).toBe(200);
    expect(created.headers['cache-control']).toBe('no-store');
    const secret = /<code id="signing-secret" aria-labelledby="signing-secret-label">(whsec_[^<]+)<\/code>/.exec(created.body)?.[1];
    expect(secret).toBeDefined();
    const [endpoint] = await app.services.webhooks.listEndpoints(accountId);
    expect(endpoint).toMatchObject({ url: 'https://hooks.example.com/in', description: 'Billing', eventTypes: ['connection.created', 'certificate.expiring'], enabled: true });

    const again = await browser.post(WEBHOOKS, form);
    expect(again.statusCode).toBe(303);
    expect(await app.services.webhooks.listEndpoints(accountId)).toHaveLength(1);

    const page = await browser.get(`${WEBHOOKS}/${endpoint!.id}`);
    expect(page.body).toContain(endpoint!.secretHint);
    expect(page.body).not.toContain(secret!);
  });

  it('refuses an http URL that is not localhost and "Only these" with no event ticked, with messages by the fields', async () => {
    const { app } = await apps.start();
    const { browser, accountId } = await signedInAdmin(app);
    await browser.get(`${WEBHOOKS}/new`);
    const submissionKey = /name="submissionKey" value="([^"]+)"/.exec(browser.lastHtml)![1]!;
    const res = await browser.post(WEBHOOKS, { submissionKey, url: 'http://hooks.example.com/in', filter: 'selected', enabled: 'true' });
    expect(res.statusCode).toBe(400);
    expect(fieldErrorText(res.body, 'url-error')).toMatch(/^must be an https:\/\/ URL/);
    expect(fieldErrorText(res.body, 'eventTypes-error')).toMatch(/at least one event type/);
    expect(await app.services.webhooks.listEndpoints(accountId)).toEqual([]);
  });

  it('edits, disables, rotates the secret of and deletes an endpoint', async () => {
    const { app } = await apps.start();
    const { browser, accountId, actor } = await signedInAdmin(app);
    const { endpoint } = await app.services.webhooks.createEndpoint(actor, { url: 'https://hooks.example.com/in' });
    await browser.get(`${WEBHOOKS}/${endpoint.id}`);
    const saved = await browser.post(`${WEBHOOKS}/${endpoint.id}`, { url: 'https://hooks.example.com/v2', description: 'v2', filter: 'all' });
    expect(saved.statusCode).toBe(303);
    expect(await app.services.webhooks.getEndpoint(accountId, endpoint.id)).toMatchObject({ url: 'https://hooks.example.com/v2', description: 'v2', enabled: false, eventTypes: null });

    await browser.get(`${WEBHOOKS}/${endpoint.id}`);
    const rotated = await browser.post(`${WEBHOOKS}/${endpoint.id}/rotate-secret`, {});
    expect(rotated.statusCode).toBe(200);
    const secret = /<code id="signing-secret" aria-labelledby="signing-secret-label">(whsec_[^<]+)<\/code>/.exec(rotated.body)?.[1];
    expect((await app.services.webhooks.getEndpoint(accountId, endpoint.id)).secretHint).toBe(`whsec_…${secret!.slice(-4)}`);

    await browser.get(`${WEBHOOKS}/${endpoint.id}/delete`);
    const deleted = await browser.post(`${WEBHOOKS}/${endpoint.id}/delete`, {});
    expect(deleted.statusCode).toBe(303);
    expect(await app.services.webhooks.listEndpoints(accountId)).toEqual([]);
    const actions = (await app.services.audit.list(accountId, { limit: 20 })).events.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['webhook_endpoint.updated', 'webhook_endpoint.secret_rotated', 'webhook_endpoint.deleted']));
  });

  it('shows the delivery log with each attempt, and redelivers a delivery', async () => {
    const clock = new TestClock();
    let secret = '';
    const receiver = await startWebhookReceiver({ secret: () => secret, now: () => clock.now() });
    try {
      const instance = await apps.start({ clock, env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_CA_FILE: receiver.caFile } });
      const { app } = instance;
      const { browser, accountId, actor } = await signedInAdmin(app);
      const created = await app.services.webhooks.createEndpoint(actor, { url: receiver.url });
      secret = created.secret;
      const event = await instance.database.db
        .transaction()
        .execute((trx) => app.services.events.record(trx, { accountId, type: 'connection.created', idpId: 'customer.example', data: { idpId: 'customer.example' } }));
      await app.services.webhooks.deliverDue();
      const page = await browser.get(`${WEBHOOKS}/${created.endpoint.id}`);
      expect(page.body).toContain(event.id);
      expect(page.body).toContain('<span class="badge ok">Delivered</span>');
      expect(page.body).toContain('HTTP 204');
      const [delivery] = (await app.services.webhooks.listDeliveries(accountId, created.endpoint.id, { limit: 10 })).deliveries;
      const redelivered = await browser.post(`${WEBHOOKS}/${created.endpoint.id}/deliveries/${delivery!.id}/redeliver`, {});
      expect(redelivered.statusCode).toBe(303);
      await app.services.webhooks.deliverDue();
      expect(receiver.received.map((r) => r.id)).toEqual([event.id, event.id]);
    } finally {
      await receiver.close();
    }
  });
});
