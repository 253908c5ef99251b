import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { createCustomerViewCache } from '../../src/domain/connections/customer-view-cache.js';
import type { CustomerView } from '../../src/domain/model.js';
import { dropTestDatabases, newDatabaseLocation, openTestDatabase, testDialects } from '../helpers/databases.js';

const ACCOUNT = '7d1f8f3e-4a57-4e56-9a3c-2f0c8a2b1d11';

/** Only what the cache reads of a view: its idpId. */
const viewOf = (idpId: string) => ({ idpId }) as CustomerView;

describe.each(testDialects)('the customer view cache across instances (%s)', (dialect) => {
  const opened: Database[] = [];
  afterEach(async () => {
    for (const database of opened.splice(0)) await database.close();
  });
  afterAll(dropTestDatabases);

  async function twoInstances() {
    const location = newDatabaseLocation(dialect);
    const instances = [];
    for (let i = 0; i < 2; i++) {
      const database = await openTestDatabase(location);
      opened.push(database);
      await database.changes.start();
      const cache = createCustomerViewCache(database.changes);
      for (const idpId of ['refreshed.example', 'untouched.example', 'id:with:colons']) cache.remember(cache.generation(), ACCOUNT, viewOf(idpId));
      instances.push({ database, cache });
    }
    return instances;
  }

  async function until(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(condition()).toBe(true);
  }

  it("drops only the changed customer's view, here and on the other instance, and keeps the account's others", async () => {
    const [here, there] = await twoInstances();
    await here!.database.db.transaction().execute((trx) => here!.cache.announceCustomerChange(trx, ACCOUNT, 'refreshed.example'));
    here!.cache.dropCustomer(ACCOUNT, 'refreshed.example');

    expect(here!.cache.get(ACCOUNT, 'refreshed.example')).toBeUndefined();
    expect(here!.cache.get(ACCOUNT, 'untouched.example')?.idpId).toBe('untouched.example');
    await until(() => there!.cache.get(ACCOUNT, 'refreshed.example') === undefined);
    expect(there!.cache.get(ACCOUNT, 'untouched.example')?.idpId).toBe('untouched.example');
  });

  it('reads an idpId that contains colons whole', async () => {
    const [here, there] = await twoInstances();
    await here!.database.db.transaction().execute((trx) => here!.cache.announceCustomerChange(trx, ACCOUNT, 'id:with:colons'));
    await until(() => there!.cache.get(ACCOUNT, 'id:with:colons') === undefined);
    expect(there!.cache.get(ACCOUNT, 'untouched.example')?.idpId).toBe('untouched.example');
  });
});
