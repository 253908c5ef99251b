import { z } from 'zod';
import { validationError } from '../../errors.js';
import { parseInput } from '../validation.js';
import type { EventLog, StoredEvent } from './event-log.js';
import { EVENT_TYPES, type EventType } from './event-types.js';

export const EVENT_PAGE_DEFAULT = 100;
export const EVENT_PAGE_MAX = 1000;

/**
 * The cursor is the `seq` of the last event a client has seen, wrapped so that clients treat it as
 * opaque (it may carry more one day). `seq` follows commit order (events-repository.ts), so
 * "after this cursor" never skips an event that commits later.
 */
export function encodeEventCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

export function decodeEventCursor(cursor: string): number | undefined {
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

const knownTypes = new Set<string>(EVENT_TYPES);

/** `?type=a&type=b` or `?type=a,b`: the event types to list; every one must be known. */
const typeFilter = z
  .union([z.string(), z.array(z.string())])
  .transform((value, ctx): EventType[] => {
    const names = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
    const unknown = names.filter((n) => !knownTypes.has(n));
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `unknown event type${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (see docs/events.md)` });
      return z.NEVER;
    }
    return [...new Set(names)] as EventType[];
  });

export const listEventsInput = z.strictObject({
  after: z.string().min(1).max(256, 'must be at most 256 characters long').optional().describe('A `nextCursor` from an earlier answer; omit to start from the oldest event'),
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(EVENT_PAGE_MAX, `must be at most ${EVENT_PAGE_MAX}`)
    .default(EVENT_PAGE_DEFAULT)
    .describe(`Events per page, 1 to ${EVENT_PAGE_MAX} (default ${EVENT_PAGE_DEFAULT})`),
  type: typeFilter.optional().describe('Only these event types: repeat the parameter or separate types with commas'),
});
export type ListEventsInput = z.input<typeof listEventsInput>;

export interface EventPage {
  /** Oldest first. */
  events: StoredEvent[];
  /**
   * Where to resume: after the last event of this page, or (an empty page) where the request
   * started. Never null, so a poller keeps one cursor and asks again later.
   */
  nextCursor: string;
}

/** Polling the account's events (the API's `GET …/events`). */
export function createEventFeed(deps: { events: Pick<EventLog, 'listAfter'> }) {
  return {
    async listEvents(accountId: string, input: ListEventsInput): Promise<EventPage> {
      const valid = parseInput(listEventsInput, input);
      const afterSeq = valid.after === undefined ? 0 : decodeEventCursor(valid.after);
      if (afterSeq === undefined) throw validationError([{ field: 'after', message: 'is not a cursor returned by this API' }]);
      const events = await deps.events.listAfter(accountId, afterSeq, valid.limit, valid.type);
      return { events, nextCursor: encodeEventCursor(events.at(-1)?.seq ?? afterSeq) };
    },
  };
}

export type EventFeed = ReturnType<typeof createEventFeed>;
