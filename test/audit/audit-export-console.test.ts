import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { signedInAdmin } from '../helpers/console-admin.js';
import { ConsoleClient } from '../helpers/console-client.js';
import { curlBasic, startTestApp, type TestInstance } from '../helpers/test-app.js';
import { settled } from './settled.js';

afterAll(dropTestDatabases);

const EXPORT = '/console/account/audit-log/export';

describe.each(testDialects)('Account › Audit log › Download JSON Lines (%s)', (dialect) => {
  const instances: TestInstance[] = [];
  afterEach(async () => {
    for (const i of instances.splice(0)) await i.close();
  });

  async function setUp() {
    const instance = await startTestApp(dialect);
    instances.push(instance);
    const admin = await signedInAdmin(instance.app);
    // Real changes with secrets in them: two credentials (one with a chosen secret) and a deletion.
    const chosenSecret = 'a-chosen-secret-that-must-never-be-exported-0123456789';
    const first = await instance.app.services.credentials.createConnectionApiCredential(admin.actor, { description: 'backend', clientSecret: chosenSecret });
    const second = await instance.app.services.credentials.createConnectionApiCredential(admin.actor, { description: 'reporting' });
    await instance.app.services.credentials.deleteConnectionApiCredential(admin.actor, second.credential.id);
    // 600 more events: more than one page of the export's reads.
    for (let n = 0; n < 600; n++) {
      instance.clock.advance(10);
      await instance.database.db.transaction().execute((trx) => instance.app.services.audit.record(trx, admin.actor, { action: 'customer.updated', targetKind: 'customer', targetId: `idp-${n}`, details: { n } }));
    }
    return { instance, admin, secrets: [chosenSecret, first.clientSecret, second.clientSecret, 'correct horse battery staple'], client: first };
  }

  function parseLines(body: string): Record<string, unknown>[] {
    expect(body.endsWith('\n')).toBe(true);
    return body
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it('downloads every event as JSON Lines, oldest first, as an uncached attachment', async () => {
    const { admin } = await setUp();
    const page = await admin.browser.get('/console/account/audit-log');
    expect(page.body).toContain(`action="${EXPORT}"`);
    expect(page.body).toContain('Download JSON Lines');

    const res = await admin.browser.get(EXPORT);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/jsonl; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.jsonl"$/);
    expect(res.headers['cache-control']).toBe('no-store');
    const events = parseLines(res.body);
    expect(events.map((e) => e.action).slice(0, 5)).toEqual([
      'account.created',
      'admin.created',
      'admin.signed_in',
      'connection_api_credential.created',
      'connection_api_credential.created',
    ]);
    expect(events).toHaveLength(606);
    expect(events.at(-1)).toMatchObject({ action: 'customer.updated', target: { kind: 'customer', id: 'idp-599' }, details: { n: 599 } });
    expect(new Set(events.map((e) => e.id)).size).toBe(606);
  });

  it('applies the same filters as the API, and re-shows the form with the field named when one is wrong', async () => {
    const { instance, admin, client } = await setUp();
    const filtered = await admin.browser.get(`${EXPORT}?action=connection_api_credential.&actor=${encodeURIComponent(admin.actor.label)}&from=&to=`);
    expect(filtered.statusCode).toBe(200);
    expect(parseLines(filtered.body).map((e) => e.action)).toEqual(['connection_api_credential.created', 'connection_api_credential.created', 'connection_api_credential.deleted']);

    // The download and the API return the same events in the same shape.
    await settled(instance);
    const api = await instance.app.inject({
      method: 'GET',
      url: '/web-portal/rest/saas/idp/2.0/auditLog?action=connection_api_credential.',
      headers: { authorization: curlBasic(client.credential.clientId, client.clientSecret) },
    });
    expect(parseLines(filtered.body)).toEqual(api.json<{ events: unknown[] }>().events);

    const bad = await admin.browser.get(`${EXPORT}?from=last+week&action=customer.`);
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('text/html');
    expect(bad.body).toContain('role="alert">From: must be an ISO 8601 time');
    expect(bad.body).toMatch(/<input id="export-from" name="from" value="last week"/);
    expect(bad.body).toMatch(/<input id="export-action" name="action" value="customer."/);
  });

  it('writes no secret, password or hash into the export', async () => {
    const { admin, secrets } = await setUp();
    const body = (await admin.browser.get(EXPORT)).body;
    for (const secret of secrets) expect(body).not.toContain(secret);
    expect(body).not.toMatch(/\$argon2|BEGIN [A-Z ]*PRIVATE KEY/);
  });

  it('is for signed-in admins only', async () => {
    const { instance } = await setUp();
    const res = await new ConsoleClient(instance.app).get(EXPORT);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toMatch(/^\/console\/sign-in/);
    expect(res.headers['content-disposition']).toBeUndefined();
  });
});
