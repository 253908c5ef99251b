import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { operatorActor, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

describe.each(testDialects)('Connection API credentials (%s)', (dialect) => {
  let instance: TestInstance | undefined;
  afterEach(async () => {
    await instance?.close();
    instance = undefined;
  });

  async function newAccount() {
    instance = await startTestApp(dialect);
    const { account } = await instance.app.services.accounts.createAccount(operatorActor, 'Acme');
    return { services: instance.app.services, actor: operatorActor(account.id), instance };
  }

  it('generates a 256-bit URL-safe secret with a recognizable prefix and a UUID client ID', async () => {
    const { services, actor } = await newAccount();
    const created = await services.credentials.createConnectionApiCredential(actor, { description: 'Backend' });
    expect(created.clientSecret).toMatch(/^ssbs_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(created.clientSecret.slice(5), 'base64url')).toHaveLength(32);
    expect(created.credential.clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.credential.secretHint).toBe(`ssbs_…${created.clientSecret.slice(-4)}`);
    expect(created.credential.description).toBe('Backend');
  });

  it('stores only an argon2id hash of the secret, never the secret itself', async () => {
    const { services, actor, instance } = await newAccount();
    const created = await services.credentials.createConnectionApiCredential(actor, { clientSecret: 'my-own-custom-secret-42' });
    const row = await instance.database.db.selectFrom('credentials').selectAll().where('client_id', '=', created.credential.clientId).executeTakeFirstOrThrow();
    expect(row.secret_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const everything = JSON.stringify(await instance.database.db.selectFrom('credentials').selectAll().execute());
    expect(everything).not.toContain('my-own-custom-secret-42');
    expect(everything).not.toContain(created.clientSecret);
  });

  it('refuses a fourth credential', async () => {
    const { services, actor } = await newAccount();
    for (let i = 0; i < 3; i++) await services.credentials.createConnectionApiCredential(actor, { description: `c${i}` });
    await expect(services.credentials.createConnectionApiCredential(actor, { description: 'fourth' })).rejects.toMatchObject({
      code: 'CREDENTIAL_LIMIT_REACHED',
      status: 409,
    });
    expect(await services.credentials.listConnectionApiCredentials(actor.accountId)).toHaveLength(3);
  });

  it('creates exactly three when ten creates race', async () => {
    const { services, actor } = await newAccount();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => services.credentials.createConnectionApiCredential(actor, { description: `racer ${i}` })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(7);
    for (const r of refused) expect(isAppError(r.reason) && r.reason.code).toBe('CREDENTIAL_LIMIT_REACHED');
    expect(await services.credentials.listConnectionApiCredentials(actor.accountId)).toHaveLength(3);
  });

  it('counts the limit per account', async () => {
    const { services, actor } = await newAccount();
    const { account: other } = await services.accounts.createAccount(operatorActor, 'Other');
    for (let i = 0; i < 3; i++) await services.credentials.createConnectionApiCredential(actor, {});
    const created = await services.credentials.createConnectionApiCredential(operatorActor(other.id), {});
    expect((await services.credentials.listConnectionApiCredentials(other.id)).map((c) => c.id)).toEqual([created.credential.id]);
    expect(await services.credentials.listConnectionApiCredentials(actor.accountId)).toHaveLength(3);
  });

  it.each([
    ['too short', 'short-secret', 'at least 16 characters'],
    ['too long', 'x'.repeat(257), 'at most 256 characters'],
    ['a control character', 'tab\there-is-bad-secret', 'control'],
    ['a leading space', ' leading-space-secret', 'start or end with a space'],
    ['not a string', 12345678901234567, 'must be a string'],
  ])('refuses a custom secret that is %s, naming the rule, and creates nothing', async (_name, clientSecret, rule) => {
    const { services, actor } = await newAccount();
    const error = await services.credentials.createConnectionApiCredential(actor, { clientSecret: clientSecret as string }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect(isAppError(error) && error.fields).toEqual([{ field: 'clientSecret', message: expect.stringContaining(rule) }]);
    expect(await services.credentials.listConnectionApiCredentials(actor.accountId)).toHaveLength(0);
  });

  it('refuses unknown fields and an oversized description, creating nothing', async () => {
    const { services, actor } = await newAccount();
    await expect(services.credentials.createConnectionApiCredential(actor, { description: 'x', clientId: 'mine' } as never)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ field: 'clientId', message: 'unknown field: clientId' }],
    });
    await expect(services.credentials.createConnectionApiCredential(actor, { description: 'd'.repeat(201) })).rejects.toMatchObject({
      fields: [{ field: 'description', message: expect.stringContaining('at most 200') }],
    });
    expect(await services.credentials.listConnectionApiCredentials(actor.accountId)).toHaveLength(0);
  });

  it('edits the description and secret but never the client ID', async () => {
    const { services, actor, instance } = await newAccount();
    const created = await services.credentials.createConnectionApiCredential(actor, { description: 'old' });
    instance.clock.advance(5_000);
    const edited = await services.credentials.updateConnectionApiCredential(actor, created.credential.id, {
      description: 'new',
      clientSecret: 'replacement-secret-0001',
    });
    expect(edited.credential).toMatchObject({ clientId: created.credential.clientId, description: 'new', secretHint: 'custom secret' });
    expect(edited.credential.updatedAt).toBe(created.credential.createdAt + 5_000);
    expect(edited.clientSecret).toBe('replacement-secret-0001');
    await expect(
      services.credentials.updateConnectionApiCredential(actor, created.credential.id, { clientId: 'changed' } as never),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'clientId' }] });
  });

  it('keeps the secret when only the description changes', async () => {
    const { services, actor } = await newAccount();
    const created = await services.credentials.createConnectionApiCredential(actor, {});
    const edited = await services.credentials.updateConnectionApiCredential(actor, created.credential.id, { description: 'renamed' });
    expect(edited.clientSecret).toBeUndefined();
    expect(edited.credential.secretHint).toBe(created.credential.secretHint);
  });

  it("cannot read, edit or delete another account's credential", async () => {
    const { services, actor } = await newAccount();
    const created = await services.credentials.createConnectionApiCredential(actor, {});
    const { account: other } = await services.accounts.createAccount(operatorActor, 'Other');
    const intruder = operatorActor(other.id);
    await expect(services.credentials.getConnectionApiCredential(other.id, created.credential.id)).rejects.toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });
    await expect(services.credentials.updateConnectionApiCredential(intruder, created.credential.id, { description: 'x' })).rejects.toMatchObject({ status: 404 });
    await expect(services.credentials.deleteConnectionApiCredential(intruder, created.credential.id)).rejects.toMatchObject({ status: 404 });
    expect(await services.credentials.listConnectionApiCredentials(actor.accountId)).toHaveLength(1);
  });

  it('writes an audit event for every change, with actor, time and source address, and no secret', async () => {
    const { services, actor, instance } = await newAccount();
    const created = await services.credentials.createConnectionApiCredential(actor, { description: 'audited', clientSecret: 'audited-secret-value-1' });
    const edited = await services.credentials.updateConnectionApiCredential(actor, created.credential.id, { generateSecret: true });
    await services.credentials.updateGlobalCredential(actor, { clientSecret: 'global-secret-value-01', enabled: true });
    await services.credentials.deleteConnectionApiCredential(actor, created.credential.id);
    const { events } = await services.audit.list(actor.accountId, { limit: 50 });
    expect(events.map((e) => e.action)).toEqual([
      'connection_api_credential.deleted',
      'global_credential.updated',
      'connection_api_credential.updated',
      'connection_api_credential.created',
      'account.created',
    ]);
    for (const e of events) expect(e).toMatchObject({ actorKind: 'operator', actorId: 'test', sourceIp: '127.0.0.1', at: instance.clock.now() });
    const text = JSON.stringify(events);
    for (const secret of ['audited-secret-value-1', edited.clientSecret!, 'global-secret-value-01']) expect(text).not.toContain(secret);
  });

  it('will not enable global credentials before a secret is set', async () => {
    const { services, actor } = await newAccount();
    await expect(services.credentials.updateGlobalCredential(actor, { enabled: true })).rejects.toMatchObject({ code: 'GLOBAL_SECRET_NOT_SET' });
    const global = await services.credentials.getGlobalCredential(actor.accountId);
    expect(global).toMatchObject({ kind: 'global', enabled: false, secretHint: null });
  });
});
