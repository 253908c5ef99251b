import type { Kysely } from 'kysely';
import type { ChangeFeed } from '../../db/change-feed.js';
import type { DB } from '../../db/schema.js';
import type { CustomerView } from '../model.js';

export const CUSTOMERS_TOPIC = 'customers';
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
  changes.subscribe((event) => {
    if (event.topic === CUSTOMERS_TOPIC) drop(event.key);
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
  };
}

export type CustomerViewCache = ReturnType<typeof createCustomerViewCache>;
