import type { Kysely } from 'kysely';
import type { ChangeFeed } from '../../db/change-feed.js';
import type { DB } from '../../db/schema.js';
import type { CustomerView } from '../model.js';

export const CUSTOMERS_TOPIC = 'customers';
/** One customer's view changed (its refresh status, say), not the account's others: key `accountId:idpId`. */
export const CUSTOMER_TOPIC = 'customer';
const customerKey = (accountId: string, idpId: string) => `${accountId}:${idpId}`;
const MAX_PER_ACCOUNT = 20_000;

/**
 * Customer views this process has read, per account. Any change to an account's customers or
 * applications is announced through the change feed and drops that account's views here at
 * once and on every other instance; while the feed is not confirmed current, nothing is served
 * from here. A generation counter stops a read that began before a change from storing its
 * stale result.
 */
export function createCustomerViewCache(changes: ChangeFeed) {
  const byAccount = new Map<string, Map<string, CustomerView>>();
  let generation = 0;
  const drop = (accountId: string) => {
    generation++;
    byAccount.delete(accountId);
  };
  const dropCustomer = (accountId: string, idpId: string) => {
    generation++;
    byAccount.get(accountId)?.delete(idpId);
  };
  changes.subscribe((event) => {
    if (event.topic === CUSTOMERS_TOPIC) drop(event.key);
    if (event.topic === CUSTOMER_TOPIC) {
      // Account IDs are UUIDs, so the first colon ends the account; an idpId may contain colons.
      const separator = event.key.indexOf(':');
      dropCustomer(event.key.slice(0, separator), event.key.slice(separator + 1));
    }
  });
  changes.onReset(() => {
    generation++;
    byAccount.clear();
  });

  return {
    get(accountId: string, idpId: string): CustomerView | undefined {
      return changes.isCurrent() ? byAccount.get(accountId)?.get(idpId) : undefined;
    },
    generation: () => generation,
    remember(seenGeneration: number, accountId: string, view: CustomerView): void {
      if (seenGeneration !== generation) return;
      let views = byAccount.get(accountId);
      if (!views) byAccount.set(accountId, (views = new Map<string, CustomerView>()));
      if (views.size >= MAX_PER_ACCOUNT) views.clear();
      views.set(view.idpId, view);
    },
    /** Inside the transaction that changes an account's customers or applications. */
    announceChange: (trx: Kysely<DB>, accountId: string) => changes.publish(trx, { topic: CUSTOMERS_TOPIC, key: accountId }),
    /** After that transaction commits: this instance forgets at once. */
    drop,
    /** Inside the transaction that changes only this customer's view (no other customer's, no application). */
    announceCustomerChange: (trx: Kysely<DB>, accountId: string, idpId: string) => changes.publish(trx, { topic: CUSTOMER_TOPIC, key: customerKey(accountId, idpId) }),
    /** After that transaction commits. */
    dropCustomer,
  };
}

export type CustomerViewCache = ReturnType<typeof createCustomerViewCache>;
