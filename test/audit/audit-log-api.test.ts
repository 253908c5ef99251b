import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/actor.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { accountWithCredential, curlBasic, startTestApp, type TestInstance } from '../helpers/test-app.js';
import { settled } from './settled.js';

afterAll(dropTestDatabases);

const AUDIT_LOG = '/web-portal/rest/saas/idp/2.0/auditLog';

interface AuditEventJson {
  id: number;
  at: string;
  actor: { kind: string; id: string; label: string };
  action: string;
  target: { kind: string; id: string };
  sourceIp: string;
  details: Record<string, unknown>;
}
interface AuditPage {
  events: AuditEventJson[];
  nextCursor: string;
  hasMore: boolean;
}

const alice: Omit<Actor, 'accountId'> = { kind: 'admin', id: 'admin-alice', label: 'alice@example.com', sourceIp: '192.0.2.1' };
const bob: Omit<Actor, 'accountId'> = { kind: 'api-client', id: 'client-bob', label: 'Bob backend', sourceIp: '192.0.2.2' };
const actions = ['customer.created', 'customer.updated', 'application.created', 'customer.application_removed', 'customerx.odd'];

describe.each(testDialects)('GET auditLog (%s)', (dialect) => {
  const instances: TestInstance[] = [];
  afterEach(async () => {
    for (const i of instances.splice(0)) await i.close();
  });

  async function setUp() {
    const instance = await startTestApp(dialect);
    instances.push(instance);
    const client = await accountWithCredential(instance.app);
    const authorization = curlBasic(client.clientId, client.clientSecret);
    /** Writes audit events as the services do (each in its own transaction), one second apart. */
    const write = async (count: number, from = 0) => {
      for (let n = from; n < from + count; n++) {
        instance.clock.advance(1000);
        const actor = n % 2 === 0 ? alice : bob;
        await instance.database.db.transaction().execute((trx) =>
          instance.app.services.audit.record(trx, { ...actor, accountId: client.accountId }, { action: actions[n % actions.length]!, targetKind: 'customer', targetId: `idp-${n}`, details: { n } }),
        );
      }
      await settled(instance);
    };
    const get = async (query: Record<string, string>) => {
      const res = await instance.app.inject({ method: 'GET', url: `${AUDIT_LOG}?${new URLSearchParams(query).toString()}`, headers: { authorization } });
      return res;
    };
    const page = async (query: Record<string, string>): Promise<AuditPage> => {
      const res = await get(query);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<AuditPage>();
    };
    return { instance, client, write, get, page };
  }

  /** Follows nextCursor until hasMore is false; returns every event and where to resume. */
  async function readToEnd(page: (q: Record<string, string>) => Promise<AuditPage>, query: Record<string, string>, cursor?: string) {
    const events: AuditEventJson[] = [];
    let next = cursor;
    for (;;) {
      const p = await page({ ...query, ...(next !== undefined && { cursor: next }) });
      events.push(...p.events);
      next = p.nextCursor;
      if (!p.hasMore) return { events, cursor: next };
    }
  }

  it('pages through 250 events oldest first, filtered, without a gap or a duplicate, and picks up events written between pages', async () => {
    const { write, page } = await setUp();
    await write(250);
    const query = { action: 'customer.', limit: '40' };
    const first = await page(query);
    expect(first.events).toHaveLength(40);
    expect(first.hasMore).toBe(true);
    const seen = [...first.events];
    // More events arrive while the poller works through its pages.
    await write(30, 250);
    const rest = await readToEnd(page, query, first.nextCursor);
    seen.push(...rest.events);

    const expected = Array.from({ length: 280 }, (_, n) => n).filter((n) => actions[n % actions.length]!.startsWith('customer.'));
    expect(seen.map((e) => e.details.n)).toEqual(expected);
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
    expect(seen.every((e) => e.action.startsWith('customer.'))).toBe(true);
    const times = seen.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // The poller resumes from its last cursor: nothing again, then only what is new.
    const idle = await page({ ...query, cursor: rest.cursor });
    expect(idle).toEqual({ events: [], nextCursor: rest.cursor, hasMore: false });
    await write(5, 280);
    const later = await readToEnd(page, query, rest.cursor);
    expect(later.events.map((e) => e.details.n)).toEqual([280, 281, 283]);
  });

  it('filters by time window, actor id or label, and exact action', async () => {
    const { instance, write, page } = await setUp();
    const start = instance.clock.now();
    await write(20);
    const at = (n: number) => new Date(start + (n + 1) * 1000).toISOString();

    const window = await page({ from: at(5), to: at(10) });
    expect(window.events.map((e) => e.details.n)).toEqual([5, 6, 7, 8, 9]);

    const byLabel = await page({ actor: 'alice@example.com' });
    const byId = await page({ actor: 'admin-alice' });
    expect(byLabel.events.map((e) => e.details.n)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(byId.events).toEqual(byLabel.events);

    const exact = await page({ action: 'customer.created' });
    expect(exact.events.map((e) => e.details.n)).toEqual([0, 5, 10, 15]);
    // A prefix ends with a dot: "customer." does not take "customerx.odd".
    const prefix = await page({ action: 'customer.', to: at(5) });
    expect(prefix.events.map((e) => e.action)).toEqual(['customer.created', 'customer.updated', 'customer.application_removed']);
    const combined = await page({ actor: 'Bob backend', action: 'customer.', from: at(3) });
    expect(combined.events.map((e) => e.details.n)).toEqual([3, 5, 11, 13, 15]);

    expect(window.events[0]).toEqual({
      id: expect.any(Number),
      at: at(5),
      actor: { kind: 'api-client', id: 'client-bob', label: 'Bob backend' },
      action: 'customer.created',
      target: { kind: 'customer', id: 'idp-5' },
      sourceIp: '192.0.2.2',
      details: { n: 5 },
    });
  });

  it.each([
    [{ from: 'yesterday' }, 'from', 'ISO 8601'],
    [{ to: '2026-01-01' }, 'to', 'ISO 8601'],
    [{ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'to', 'later than from'],
    [{ action: 'customer.%' }, 'action', 'prefix ending in a dot'],
    [{ actor: '' }, 'actor', 'must not be empty'],
    [{ cursor: 'bm90LWEtY3Vyc29y' }, 'cursor', 'not a cursor returned by this API'],
    [{ limit: '0' }, 'limit', 'at least 1'],
    [{ limit: '5000' }, 'limit', 'at most 1000'],
    [{ actions: 'customer.' }, 'actions', 'unknown field'],
  ])('refuses %j with a validation error naming the field', async (query, field, message) => {
    const { get } = await setUp();
    const res = await get(query);
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: { code: string; fields: { field: string; message: string }[] } }>();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.fields).toEqual([{ field, message: expect.stringContaining(message) }]);
  });

  it("shows only the caller's account and asks for credentials", async () => {
    const { instance, write, page } = await setUp();
    await write(3);
    const other = await accountWithCredential(instance.app, 'Other SaaS');
    await settled(instance);
    const theirs = await instance.app.inject({ method: 'GET', url: AUDIT_LOG, headers: { authorization: curlBasic(other.clientId, other.clientSecret) } });
    // Their log holds only their own account's creation and credential.
    expect(theirs.json<AuditPage>().events.map((e) => e.action)).toEqual(['account.created', 'connection_api_credential.created']);
    expect((await page({ action: 'customer.' })).events).toHaveLength(2);
    expect((await instance.app.inject({ method: 'GET', url: AUDIT_LOG })).statusCode).toBe(401);
  });
});

describe.runIf(testDialects.includes('postgres'))('GET auditLog with a transaction that commits late (postgres)', () => {
  it('never passes over an event whose transaction was still running when a later one was read', async () => {
    const instance = await startTestApp('postgres');
    try {
      const client = await accountWithCredential(instance.app);
      const authorization = curlBasic(client.clientId, client.clientSecret);
      const actor: Actor = { ...alice, accountId: client.accountId };
      const page = async (cursor?: string) =>
        (await instance.app.inject({ method: 'GET', url: `${AUDIT_LOG}?action=customer.${cursor ? `&cursor=${cursor}` : ''}`, headers: { authorization } })).json<AuditPage>();
      const start = await page();

      // A slow change takes its audit id first and commits last.
      let commitSlow!: () => void;
      const slowMayCommit = new Promise<void>((resolve) => (commitSlow = resolve));
      let slowRecorded!: () => void;
      const slowHasRecorded = new Promise<void>((resolve) => (slowRecorded = resolve));
      const slow = instance.database.db.transaction().execute(async (trx) => {
        await instance.app.services.audit.record(trx, actor, { action: 'customer.updated', targetKind: 'customer', targetId: 'slow' });
        slowRecorded();
        await slowMayCommit;
      });
      await slowHasRecorded;
      await instance.database.db.transaction().execute((trx) => instance.app.services.audit.record(trx, actor, { action: 'customer.updated', targetKind: 'customer', targetId: 'fast' }));

      // A poller reads now, while the slow change is still open...
      const during = await page(start.nextCursor);
      expect(during.events.map((e) => e.target.id)).not.toContain('slow');
      commitSlow();
      await slow;
      // ...and from its cursor later still receives both, each once.
      await settled(instance);
      const after = await page(during.nextCursor);
      const seen = [...during.events, ...after.events];
      expect(seen.map((e) => e.target.id).sort()).toEqual(['fast', 'slow']);
    } finally {
      await instance.close();
    }
  });
});
