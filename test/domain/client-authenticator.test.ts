import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { createAccountService } from '../../src/domain/accounts/account-service.js';
import { createAuditLog } from '../../src/domain/audit/audit-log.js';
import { createClientAuthenticator, type ClientAuthenticator } from '../../src/domain/credentials/client-authenticator.js';
import { createCredentialService } from '../../src/domain/credentials/credential-service.js';
import { verifySecret } from '../../src/domain/credentials/secrets.js';
import { createEventLog } from '../../src/domain/events/event-log.js';
import { CREDENTIAL_TOPIC, createVerifiedCredentialCache } from '../../src/domain/credentials/verified-credential-cache.js';
import { createThrottle } from '../../src/domain/throttle/throttle.js';
import { dropTestDatabases, newDatabaseLocation, openTestDatabase, silentLogger, testDialects } from '../helpers/databases.js';
import { curlBasic, operatorActor } from '../helpers/test-app.js';
import { TestClock } from '../helpers/test-clock.js';

afterAll(dropTestDatabases);

/** A promise with its resolve function outside, to pause and release a step at a chosen moment. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe.each(testDialects)('client authenticator and its verified-credential cache (%s)', (dialect) => {
  const opened: { database: Database; authenticator: ClientAuthenticator }[] = [];
  afterEach(async () => {
    for (const { database, authenticator } of opened.splice(0)) {
      await authenticator.flushLastUsed();
      await database.close();
    }
  });

  /**
   * The real services over a real database, with one difference: the slow secret check (argon2id)
   * of a chosen secret can be held at the point where it has read the stored hash.
   */
  async function setUp() {
    const database = await openTestDatabase(newDatabaseLocation(dialect));
    // The cache trusts what it holds only while the change feed runs (a server's background job).
    await database.changes.start();
    const clock = new TestClock();
    const db = database.db;
    const audit = createAuditLog({ db, dialect, clock });
    const cache = createVerifiedCredentialCache(database.changes);
    const events = createEventLog({ db, dialect: database.dialect, clock });
    const credentials = createCredentialService({ db, clock, audit, events, changes: database.changes, cache });
    const hold = { secret: undefined as string | undefined, entered: deferred(), release: deferred() };
    const authenticator = createClientAuthenticator({
      db,
      clock,
      cache,
      logger: silentLogger,
      throttle: createThrottle({ db, clock, scope: 'api', limits: { perAddress: 20, perIdentityAndAddress: 20, perIdentity: 1000 } }),
      async verifySecret(storedHash, secret) {
        if (secret === hold.secret) {
          hold.entered.resolve();
          await hold.release.promise;
        }
        return verifySecret(storedHash, secret);
      },
    });
    opened.push({ database, authenticator });
    const { account } = await createAccountService({ db, clock, audit }).createAccount(operatorActor, 'Acme');
    const created = await credentials.createConnectionApiCredential(operatorActor(account.id), { clientSecret: 'the-old-secret-0123456789' });
    const authenticate = (secret: string) =>
      authenticator.authenticate({ authorization: curlBasic(created.credential.clientId, secret), sourceIp: '192.0.2.10', accept: ['connection_api'] });
    /** Resolves once the change feed has delivered a change of this client (the cache has heard it too). */
    const changeDelivered = () =>
      new Promise<void>((resolve) => {
        const unsubscribe = database.changes.subscribe((event) => {
          if (event.topic === CREDENTIAL_TOPIC && event.key === created.credential.clientId) {
            unsubscribe();
            resolve();
          }
        });
      });
    return { credentials, account, created, authenticate, hold, changeDelivered };
  }

  it('never accepts a rotated-out secret whose check was in flight when the secret was edited', async () => {
    const { credentials, account, created, authenticate, hold, changeDelivered } = await setUp();
    const oldSecret = 'the-old-secret-0123456789';
    const newSecret = 'the-new-secret-9876543210';

    // A request with the old secret reaches the slow check (cold cache) and is held there, having
    // read the old stored hash.
    hold.secret = oldSecret;
    const inFlight = authenticate(oldSecret).then(
      () => 'accepted',
      (error: unknown) => (error as { code?: string }).code,
    );
    await hold.entered.promise;

    // The secret is edited meanwhile, and a client with the new secret is served (and cached).
    const delivered = changeDelivered();
    await credentials.updateConnectionApiCredential(operatorActor(account.id), created.credential.id, { clientSecret: newSecret });
    await delivered;
    await expect(authenticate(newSecret)).resolves.toMatchObject({ clientId: created.credential.clientId });

    // The held check of the old secret finishes after the edit has returned.
    hold.release.resolve();
    expect(await inFlight).toBe('INVALID_CREDENTIALS');
    hold.secret = undefined;

    await expect(authenticate(oldSecret)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(authenticate(newSecret)).resolves.toMatchObject({ clientId: created.credential.clientId });
    await expect(authenticate(oldSecret)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });
});
