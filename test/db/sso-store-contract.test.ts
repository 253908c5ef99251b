import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { createSsoStore } from '../../src/db/sso-store.js';
import type { LoginCommit, SsoStore, TokenOwner } from '../../src/domain/sso/sso-store.js';
import { dropTestDatabases, newDatabaseLocation, openTestDatabase, testDialects, type TestDatabaseLocation } from '../helpers/databases.js';

afterAll(dropTestDatabases);

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const ACCOUNT = 'account-1';
const APP = '6f1b4f0e-8a53-4c0e-9c1e-3f5a2b7d9e10';

/**
 * The contract every SsoStore keeps, on SQLite and PostgreSQL alike: above all that a login's
 * commit (assertion used, sign-in consumed, token stored, success logged) happens entirely or not
 * at all, and at most once, however many instances race to make it.
 */
describe.each(testDialects)('SSO store contract (%s)', (dialect) => {
  const opened: Database[] = [];
  afterEach(async () => {
    for (const database of opened.splice(0)) await database.close();
  });

  /** One instance's store over a database location; open a location twice for two instances. */
  async function storeOn(location: TestDatabaseLocation): Promise<{ store: SsoStore; database: Database }> {
    const database = await openTestDatabase(location);
    opened.push(database);
    return { store: createSsoStore(database), database };
  }

  async function freshStore() {
    return storeOn(newDatabaseLocation(dialect));
  }

  /** A sign-in started at initsso, waiting for its response. */
  async function startedSignIn(store: SsoStore): Promise<string> {
    const id = `_${randomBytes(20).toString('hex')}`;
    await store.insertTransaction({ id, accountId: ACCOUNT, customerId: 'customer-1', applicationId: APP, appUrl: null, errorUrl: null, forceAuthn: false, createdAt: NOW, expiresAt: NOW + 600_000, testSetupLinkId: null, oidcInteractionUid: null });
    return id;
  }

  /** The commit of one validated assertion answering `transactionId`, delivering a token to the REST app. */
  function loginCommit(transactionId: string | null, assertionKey = randomBytes(16).toString('hex')): LoginCommit {
    return {
      usedAssertion: { key: assertionKey, expiresAt: NOW + 300_000 },
      transactionId,
      token: {
        tokenHash: randomBytes(32).toString('hex'),
        accountId: ACCOUNT,
        applicationId: APP,
        attributes: { 'pingone.subject': 'alice@customer001.com', groups: ['admins', 'staff'] },
        createdAt: NOW,
        expiresAt: NOW + 300_000,
      },
      success: { accountId: ACCOUNT, customerId: 'customer-1', applicationId: APP, at: NOW, outcome: 'success', reason: 'OK', assertionId: '_assertion', requestId: 'req-1', detail: null },
      now: NOW,
    };
  }

  /** What a commit leaves behind, read straight from the tables. */
  async function rowsOf(database: Database) {
    const count = async (table: 'used_assertions' | 'sso_tokens' | 'sso_events') =>
      Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    return { usedAssertions: await count('used_assertions'), tokens: await count('sso_tokens'), signIns: await count('sso_events') };
  }

  const owner: TokenOwner = { kind: 'application', applicationId: APP };

  it('commits a login: the sign-in is consumed, the token can be exchanged once, the success is logged', async () => {
    const { store, database } = await freshStore();
    const transactionId = await startedSignIn(store);
    const commit = loginCommit(transactionId);
    expect(await store.commitLogin(commit)).toBe('COMMITTED');
    expect((await store.findTransaction(transactionId))?.consumedAt).toBe(NOW);
    expect(await rowsOf(database)).toEqual({ usedAssertions: 1, tokens: 1, signIns: 1 });
    expect(await store.consumeToken(commit.token!.tokenHash, owner, NOW + 1)).toEqual(commit.token!.attributes);
    expect(await store.consumeToken(commit.token!.tokenHash, owner, NOW + 2)).toBeUndefined();
  });

  it('refuses a replayed assertion, leaving the other sign-in it was posted to untouched', async () => {
    const { store, database } = await freshStore();
    const first = loginCommit(await startedSignIn(store), 'assertion-key');
    expect(await store.commitLogin(first)).toBe('COMMITTED');
    const other = await startedSignIn(store);
    expect(await store.commitLogin(loginCommit(other, 'assertion-key'))).toBe('REPLAY');
    expect((await store.findTransaction(other))?.consumedAt).toBeNull();
    expect(await rowsOf(database)).toEqual({ usedAssertions: 1, tokens: 1, signIns: 1 });
    // IdP-initiated (no sign-in to consume): once only as well.
    expect(await store.commitLogin(loginCommit(null, 'assertion-key'))).toBe('REPLAY');
  });

  it('refuses a second answer to a completed sign-in, and does not record its assertion as used', async () => {
    const { store, database } = await freshStore();
    const transactionId = await startedSignIn(store);
    expect(await store.commitLogin(loginCommit(transactionId))).toBe('COMMITTED');
    const second = loginCommit(transactionId, 'second-assertion');
    expect(await store.commitLogin(second)).toBe('REQUEST_ALREADY_USED');
    expect(await rowsOf(database)).toEqual({ usedAssertions: 1, tokens: 1, signIns: 1 });
    // Its assertion was not used up: it still completes an IdP-initiated login.
    expect(await store.commitLogin({ ...second, transactionId: null })).toBe('COMMITTED');
  });

  it('leaves nothing half-done when the database fails between the writes, so the same response completes afterwards', async () => {
    const { store, database } = await freshStore();
    const transactionId = await startedSignIn(store);
    const commit = loginCommit(transactionId);
    await injectFaultOnTokenInsert(database);
    await expect(store.commitLogin(commit)).rejects.toThrow(/injected fault/);
    expect((await store.findTransaction(transactionId))?.consumedAt).toBeNull();
    expect(await rowsOf(database)).toEqual({ usedAssertions: 0, tokens: 0, signIns: 0 });

    await removeInjectedFault(database);
    expect(await store.commitLogin(commit)).toBe('COMMITTED');
    expect(await rowsOf(database)).toEqual({ usedAssertions: 1, tokens: 1, signIns: 1 });
  });

  it.each([
    ['the same response posted to both', true],
    ['two responses to the same sign-in', false],
  ] as const)('completes a sign-in once when two instances race to commit it: %s', async (_case, sameAssertion) => {
    const location = newDatabaseLocation(dialect);
    const one = await storeOn(location);
    const two = await storeOn(location);
    const transactionId = await startedSignIn(one.store);
    const commits = [loginCommit(transactionId, 'assertion-a'), loginCommit(transactionId, sameAssertion ? 'assertion-a' : 'assertion-b')] as const;
    const outcomes = await Promise.all([one.store.commitLogin(commits[0]), two.store.commitLogin(commits[1])]);
    expect(outcomes.filter((o) => o === 'COMMITTED')).toHaveLength(1);
    expect(outcomes.find((o) => o !== 'COMMITTED')).toBe(sameAssertion ? 'REPLAY' : 'REQUEST_ALREADY_USED');
    // Only the winner's assertion, token and success remain.
    expect(await rowsOf(one.database)).toEqual({ usedAssertions: 1, tokens: 1, signIns: 1 });
    const winner = outcomes[0] === 'COMMITTED' ? commits[0] : commits[1];
    expect(await two.store.consumeToken(winner.token!.tokenHash, owner, NOW + 1)).toEqual(winner.token!.attributes);
  });

  it('gives a token to one of two racing exchanges, and none to another owner', async () => {
    const location = newDatabaseLocation(dialect);
    const one = await storeOn(location);
    const two = await storeOn(location);
    const commit = loginCommit(null);
    expect(await one.store.commitLogin(commit)).toBe('COMMITTED');
    const hash = commit.token!.tokenHash;
    expect(await one.store.consumeToken(hash, { kind: 'application', applicationId: '00000000-0000-4000-8000-000000000000' }, NOW + 1)).toBeUndefined();
    expect(await one.store.consumeToken(hash, { kind: 'account', accountId: 'another-account' }, NOW + 1)).toBeUndefined();
    const exchanged = await Promise.all([one.store.consumeToken(hash, owner, NOW + 1), two.store.consumeToken(hash, { kind: 'account', accountId: ACCOUNT }, NOW + 1)]);
    expect(exchanged.filter((attributes) => attributes !== undefined)).toEqual([commit.token!.attributes]);
  });

  it('lets a token expire unused', async () => {
    const { store } = await freshStore();
    const commit = loginCommit(null);
    await store.commitLogin(commit);
    expect(await store.consumeToken(commit.token!.tokenHash, owner, commit.token!.expiresAt)).toBeUndefined();
  });

  /** A database error on the third write of a commit (the token insert), raised by the database itself. */
  async function injectFaultOnTokenInsert(database: Database): Promise<void> {
    if (database.dialect === 'sqlite') {
      await sql`CREATE TRIGGER inject_fault BEFORE INSERT ON sso_tokens BEGIN SELECT RAISE(ABORT, 'injected fault'); END`.execute(database.db);
      return;
    }
    await sql`CREATE FUNCTION inject_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$`.execute(database.db);
    await sql`CREATE TRIGGER inject_fault BEFORE INSERT ON sso_tokens FOR EACH ROW EXECUTE FUNCTION inject_fault()`.execute(database.db);
  }

  async function removeInjectedFault(database: Database): Promise<void> {
    if (database.dialect === 'sqlite') {
      await sql`DROP TRIGGER inject_fault`.execute(database.db);
      return;
    }
    await sql`DROP TRIGGER inject_fault ON sso_tokens`.execute(database.db);
    await sql`DROP FUNCTION inject_fault()`.execute(database.db);
  }
});
