import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { storeNewOidcClientSecret } from '../../src/domain/applications/oidc-client-secret-service.js';
import { isAppError } from '../../src/errors.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { oidcAppInput } from '../helpers/oidc-app-input.js';
import { operatorActor, restAppInput, samlAppInput } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const GENERATED_SECRET = /^ssbs_[A-Za-z0-9_-]{43}$/;

/** Until some PostgreSQL session of this database waits on a lock (bounded by the test timeout). */
async function waitForLockWaiter(db: Kysely<DB>): Promise<void> {
  for (;;) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
    if ((rows[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each(testDialects)('OIDC applications and their client secrets (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function newAccount() {
    const instance = await apps.start();
    const { account } = await instance.app.services.accounts.createAccount(operatorActor, 'Acme');
    return { services: instance.app.services, db: instance.database.db, actor: operatorActor(account.id), instance };
  }

  it.each([
    ['a plain-http redirect URI to a real host', { redirectUris: ['http://example.com/cb'] }, 'redirectUris.0', 'must be an https:// URL'],
    ['a redirect URI with a fragment', { redirectUris: ['https://app.example.com/cb#done'] }, 'redirectUris.0', 'must not contain a fragment'],
    ['no redirect URI', { redirectUris: [] }, 'redirectUris', 'at least 1 redirect URI'],
    ['a post-logout URI over plain http', { postLogoutRedirectUris: ['http://example.com/bye'] }, 'postLogoutRedirectUris.0', 'must be an https:// URL'],
    ['an access token lifetime of 0 minutes', { accessTokenLifetimeMinutes: 0 }, 'accessTokenLifetimeMinutes', 'at least 1 minute'],
    ['an access token lifetime of 61 minutes', { accessTokenLifetimeMinutes: 61 }, 'accessTokenLifetimeMinutes', 'at most 60 minutes'],
    ['a fractional lifetime', { accessTokenLifetimeMinutes: 1.5 }, 'accessTokenLifetimeMinutes', 'whole number of minutes'],
    ['plain PKCE given as text', { allowPlainPkce: 'plain' }, 'allowPlainPkce', 'must be true or false'],
    ['an unsupported token endpoint auth method', { tokenEndpointAuthMethod: 'none' }, 'tokenEndpointAuthMethod', 'client_secret_basic'],
  ])('refuses %s, naming the field, and creates nothing', async (_name, overrides, field, message) => {
    const { services, db, actor } = await newAccount();
    const error = await services.applications.createApplication(actor, oidcAppInput('Bad', overrides)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect(isAppError(error) && error.fields).toEqual([{ field, message: expect.stringContaining(message) }]);
    expect(await services.applications.listApplications(actor.accountId)).toEqual([]);
    expect(await db.selectFrom('oidc_client_secrets').selectAll().execute()).toEqual([]);
  });

  it('creates an OIDC app with PingOne-like defaults, always multiplexed and without an SP entity ID', async () => {
    const { services, db, actor } = await newAccount();
    const created = await services.applications.createApplication(actor, oidcAppInput());
    expect(created).toMatchObject({
      kind: 'oidc',
      name: 'Dashboard',
      redirectUris: ['https://dashboard.example.com/oidc/callback', 'http://localhost:3000/callback'],
      postLogoutRedirectUris: [],
      refreshTokens: false,
      pkceRequired: true,
      allowPlainPkce: false,
      tokenEndpointAuthMethod: 'client_secret_basic',
      accessTokenLifetimeMinutes: 60,
    });
    const row = await db.selectFrom('applications').selectAll().where('id', '=', created.saasid).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ kind: 'oidc', multiplexed: 1, sp_entity_id: null });
    expect(await services.applications.getApplication(actor.accountId, created.saasid)).not.toHaveProperty('firstClientSecret');
  });

  it('returns the first client secret once and stores only its SHA-256 digest', async () => {
    const { services, db, actor } = await newAccount();
    const created = await services.applications.createApplication(actor, oidcAppInput());
    const first = created.firstClientSecret!;
    expect(first.secret).toMatch(GENERATED_SECRET);
    expect(first.view).toMatchObject({ slot: 1, hint: `ssbs_…${first.secret.slice(-4)}`, createdAt: created.createdAt, lastUsedAt: null });

    const rows = await db.selectFrom('oidc_client_secrets').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ application_id: created.saasid, account_id: actor.accountId, slot: 1, secret_hash: sha256(first.secret) });
    expect(JSON.stringify(rows)).not.toContain(first.secret);

    const listed = await services.oidcClientSecrets.listSecrets(actor.accountId, created.saasid);
    expect(listed).toEqual([first.view]);
    expect(JSON.stringify(listed)).not.toContain(first.secret);
    expect(JSON.stringify(listed)).not.toContain(sha256(first.secret));
    const { events } = await services.audit.list(actor.accountId, { limit: 2 });
    expect(events.map((e) => e.action)).toEqual(['oidc_client_secret.created', 'application.created']);
    expect(JSON.stringify(events)).not.toContain(first.secret);
    expect(JSON.stringify(events)).not.toContain(sha256(first.secret));
  });

  it('adds a second secret, then refuses a third with the limit error', async () => {
    const { services, actor } = await newAccount();
    const { saasid, firstClientSecret } = await services.applications.createApplication(actor, oidcAppInput());
    const second = await services.oidcClientSecrets.addSecret(actor, saasid);
    expect(second.secret).toMatch(GENERATED_SECRET);
    expect(second.secret).not.toBe(firstClientSecret!.secret);
    expect(second.view.slot).toBe(2);
    await expect(services.oidcClientSecrets.addSecret(actor, saasid)).rejects.toMatchObject({
      code: 'OIDC_CLIENT_SECRET_LIMIT',
      status: 409,
      message: 'An OIDC application can have at most 2 client secrets. Delete one to add another.',
    });
    expect((await services.oidcClientSecrets.listSecrets(actor.accountId, saasid)).map((s) => s.id)).toEqual([firstClientSecret!.view.id, second.view.id]);
  });

  it('ends with exactly two secrets when six "Add Secret" calls race on a one-secret app', async () => {
    const { services, db, actor } = await newAccount();
    const { saasid } = await services.applications.createApplication(actor, oidcAppInput());
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => services.oidcClientSecrets.addSecret(actor, saasid)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(isAppError(r.reason) && r.reason.code).toBe('OIDC_CLIENT_SECRET_LIMIT');
    const rows = await db.selectFrom('oidc_client_secrets').select(['slot']).where('application_id', '=', saasid).orderBy('slot').execute();
    expect(rows.map((r) => r.slot)).toEqual([1, 2]);
  });

  it('gives the limit error, not a database error, to a racer that saw the free slot but lost it', async () => {
    const { services, db, actor, instance } = await newAccount();
    const { saasid } = await services.applications.createApplication(actor, oidcAppInput());
    const application = { id: saasid, accountId: actor.accountId };
    const deps = { audit: services.audit, now: instance.clock.now() };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const winnerInserted = new Promise<void>((resolve) => (inserted = resolve));
    // The winner takes slot 2 and holds its transaction open; the loser reads before that commits.
    const winner = db.transaction().execute(async (trx) => {
      const created = await storeNewOidcClientSecret(trx, deps, actor, application);
      inserted();
      await gate;
      return created;
    });
    await winnerInserted;
    const loser = db.transaction().execute((trx) => storeNewOidcClientSecret(trx, deps, actor, application)).catch((e: unknown) => e);
    // PostgreSQL: wait until the loser's insert waits on the winner's uncommitted slot (SQLite runs one transaction at a time).
    if (dialect === 'postgres') await waitForLockWaiter(db);
    release();
    expect((await winner).view.slot).toBe(2);
    expect(await loser).toMatchObject({ code: 'OIDC_CLIENT_SECRET_LIMIT', status: 409 });
    expect(await services.oidcClientSecrets.listSecrets(actor.accountId, saasid)).toHaveLength(2);
  });

  it('deletes a secret with an audit event that names its hint only, and reuses its slot', async () => {
    const { services, db, actor } = await newAccount();
    const { saasid, firstClientSecret } = await services.applications.createApplication(actor, oidcAppInput());
    const second = await services.oidcClientSecrets.addSecret(actor, saasid);
    await services.oidcClientSecrets.deleteSecret(actor, saasid, firstClientSecret!.view.id);
    expect(await services.oidcClientSecrets.listSecrets(actor.accountId, saasid)).toEqual([second.view]);
    expect(await db.selectFrom('oidc_client_secrets').selectAll().where('secret_hash', '=', sha256(firstClientSecret!.secret)).execute()).toEqual([]);

    const { events } = await services.audit.list(actor.accountId, { limit: 1 });
    expect(events[0]).toMatchObject({
      action: 'oidc_client_secret.deleted',
      targetKind: 'application',
      targetId: saasid,
      actorKind: 'operator',
      details: { secretId: firstClientSecret!.view.id, secretHint: firstClientSecret!.view.hint },
    });
    expect(JSON.stringify(events)).not.toContain(sha256(firstClientSecret!.secret));

    const third = await services.oidcClientSecrets.addSecret(actor, saasid);
    expect(third.view.slot).toBe(1);
  });

  it('keeps the last secret (add a new one first), and names an unknown secret', async () => {
    const { services, actor } = await newAccount();
    const { saasid, firstClientSecret } = await services.applications.createApplication(actor, oidcAppInput());
    await expect(services.oidcClientSecrets.deleteSecret(actor, saasid, firstClientSecret!.view.id)).rejects.toMatchObject({ code: 'OIDC_CLIENT_SECRET_LAST', status: 409 });
    await expect(services.oidcClientSecrets.deleteSecret(actor, saasid, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'OIDC_CLIENT_SECRET_NOT_FOUND',
      status: 404,
    });
    expect(await services.oidcClientSecrets.listSecrets(actor.accountId, saasid)).toHaveLength(1);
  });

  it('leaves one secret when two deletes race on a two-secret app', async () => {
    const { services, actor } = await newAccount();
    const { saasid, firstClientSecret } = await services.applications.createApplication(actor, oidcAppInput());
    const second = await services.oidcClientSecrets.addSecret(actor, saasid);
    const results = await Promise.allSettled([
      services.oidcClientSecrets.deleteSecret(actor, saasid, firstClientSecret!.view.id),
      services.oidcClientSecrets.deleteSecret(actor, saasid, second.view.id),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason).toMatchObject({ code: 'OIDC_CLIENT_SECRET_LAST' });
    expect(await services.oidcClientSecrets.listSecrets(actor.accountId, saasid)).toHaveLength(1);
  });

  it('gives SAML and REST apps no client secrets, with a clear error', async () => {
    const { services, db, actor } = await newAccount();
    const rest = await services.applications.createApplication(actor, restAppInput());
    const saml = await services.applications.createApplication(actor, samlAppInput());
    expect(rest).not.toHaveProperty('firstClientSecret');
    await expect(services.oidcClientSecrets.addSecret(actor, rest.saasid)).rejects.toMatchObject({
      code: 'APPLICATION_NOT_OIDC',
      status: 409,
      message: 'Only OIDC applications have client secrets; Billing is a REST application.',
    });
    await expect(services.oidcClientSecrets.listSecrets(actor.accountId, saml.saasid)).rejects.toMatchObject({ code: 'APPLICATION_NOT_OIDC' });
    expect(await db.selectFrom('oidc_client_secrets').selectAll().execute()).toEqual([]);
  });

  it("cannot list, add or delete another account's secrets", async () => {
    const { services, actor } = await newAccount();
    const { saasid, firstClientSecret } = await services.applications.createApplication(actor, oidcAppInput());
    const { account: other } = await services.accounts.createAccount(operatorActor, 'Other');
    const intruder = operatorActor(other.id);
    await expect(services.oidcClientSecrets.listSecrets(other.id, saasid)).rejects.toMatchObject({ code: 'APPLICATION_NOT_FOUND' });
    await expect(services.oidcClientSecrets.addSecret(intruder, saasid)).rejects.toMatchObject({ code: 'APPLICATION_NOT_FOUND' });
    await expect(services.oidcClientSecrets.deleteSecret(intruder, saasid, firstClientSecret!.view.id)).rejects.toMatchObject({ code: 'APPLICATION_NOT_FOUND' });
    expect(await services.oidcClientSecrets.listSecrets(actor.accountId, saasid)).toHaveLength(1);
  });

  it('keeps the secrets when the app is edited, refuses a change of kind naming OIDC, and deletes them with the app', async () => {
    const { services, db, actor } = await newAccount();
    const { saasid, firstClientSecret } = await services.applications.createApplication(actor, oidcAppInput());
    const edited = await services.applications.updateApplication(actor, saasid, oidcAppInput('Dashboard 2', { refreshTokens: true, accessTokenLifetimeMinutes: 15 }));
    expect(edited).toMatchObject({ name: 'Dashboard 2', refreshTokens: true, accessTokenLifetimeMinutes: 15 });
    expect(await services.oidcClientSecrets.listSecrets(actor.accountId, saasid)).toEqual([firstClientSecret!.view]);
    await expect(services.applications.updateApplication(actor, saasid, restAppInput())).rejects.toMatchObject({
      fields: [{ field: 'kind', message: 'cannot change; this is an OIDC application' }],
    });
    await services.applications.deleteApplication(actor, saasid);
    expect(await db.selectFrom('oidc_client_secrets').selectAll().execute()).toEqual([]);
  });
});
