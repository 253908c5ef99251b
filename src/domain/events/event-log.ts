import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Dialect } from '../../db/dialect.js';
import type { DB } from '../../db/schema.js';
import { insertEvent, insertEventUnlessIdExists, listEventsAfter, type EventRecord } from '../../db/repositories/events-repository.js';
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
  /**
   * Records the event unless one was recorded for the same `occasion` (of this account and type)
   * before, on any instance; undefined then. Its id is derived from the occasion.
   */
  recordOnce(trx: Kysely<DB>, event: NewEvent, occasion: string): Promise<StoredEvent | undefined>;
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
    async recordOnce(trx, event, occasion) {
      const digest = createHash('sha256').update(`${event.accountId}\n${event.type}\n${occasion}`).digest('hex');
      const stored = (await insertEventUnlessIdExists(trx, deps.dialect, {
        id: `evt_${digest.slice(0, 32)}`,
        accountId: event.accountId,
        type: event.type,
        customerKey: event.idpId ?? '',
        data: event.data,
        createdAt: deps.clock.now(),
      })) as StoredEvent | undefined;
      if (stored) await deps.afterRecord?.(trx, stored);
      return stored;
    },
    async listAfter(accountId, afterSeq, limit, types) {
      return (await listEventsAfter(deps.db, accountId, afterSeq, limit, types)) as StoredEvent[];
    },
  };
}
