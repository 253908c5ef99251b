import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Dialect } from '../../db/dialect.js';
import type { DB } from '../../db/schema.js';
import { insertEvent, listEventsAfter, type EventRecord } from '../../db/repositories/events-repository.js';
import type { EventType } from './event-types.js';

export type StoredEvent = EventRecord & { type: EventType };

export interface NewEvent {
  accountId: string;
  type: EventType;
  /** The customer's idpId; null for an account-wide event (credentials). */
  idpId: string | null;
  /** Never a secret. */
  data: Record<string, unknown>;
}

/**
 * The account's events (the outbox): written inside the transaction of the change that caused
 * them, so an event exists exactly when its change does, and handed to `afterRecord` in that same
 * transaction (webhook deliveries are queued there).
 */
export interface EventLog {
  record(trx: Kysely<DB>, event: NewEvent): Promise<StoredEvent>;
  /** Oldest first, after a cursor (the `seq` of the last event seen; 0 from the start). */
  listAfter(accountId: string, afterSeq: number, limit: number, types?: readonly EventType[]): Promise<StoredEvent[]>;
}

export function createEventLog(deps: {
  db: Kysely<DB>;
  dialect: Dialect;
  clock: Clock;
  afterRecord?: (trx: Kysely<DB>, event: StoredEvent) => Promise<void>;
}): EventLog {
  return {
    async record(trx, event) {
      const stored = (await insertEvent(trx, deps.dialect, {
        id: `evt_${randomUUID().replaceAll('-', '')}`,
        accountId: event.accountId,
        type: event.type,
        customerKey: event.idpId ?? '',
        data: event.data,
        createdAt: deps.clock.now(),
      })) as StoredEvent;
      await deps.afterRecord?.(trx, stored);
      return stored;
    },
    async listAfter(accountId, afterSeq, limit, types) {
      return (await listEventsAfter(deps.db, accountId, afterSeq, limit, types)) as StoredEvent[];
    },
  };
}
