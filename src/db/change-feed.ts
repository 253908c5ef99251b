import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { DB } from './schema.js';

export interface ChangeEvent {
  topic: string;
  key: string;
}

/**
 * Tells every instance sharing the database that something cached has changed. PostgreSQL uses
 * LISTEN/NOTIFY (delivered at commit); SQLite, which several processes may share as a file, is
 * polled through a small change_events table. Listeners must be idempotent: an instance also
 * hears its own changes, and `onReset` fires when events may have been missed.
 */
export interface ChangeFeed {
  /** Records a change inside the caller's transaction, so it is announced only if the transaction commits. */
  publish(trx: Kysely<DB>, event: ChangeEvent): Promise<void>;
  subscribe(listener: (event: ChangeEvent) => void): () => void;
  /**
   * Tells this instance's listeners now, once the transaction that published the event has
   * committed: the instance that made a change must not wait for its own feed to see it (the
   * event still arrives through the feed too, and listeners are idempotent).
   */
  announceHere(event: ChangeEvent): void;
  /** Called when delivery was interrupted: caches must drop everything. */
  onReset(listener: () => void): () => void;
  /**
   * Whether delivery is confirmed working within the last STALE_AFTER_MS. When it is not (a
   * connection that died silently, a paused process), caches must re-check the database.
   */
  isCurrent(): boolean;
  /** When delivery was last confirmed (epoch ms); undefined while the feed is not running. */
  confirmedAt(): number | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

type FeedOptions =
  | { dialect: 'sqlite'; db: Kysely<DB>; logger: Logger }
  | { dialect: 'postgres'; db: Kysely<DB>; logger: Logger; clientConfig: pg.ClientConfig; channel: string };

const SQLITE_POLL_MS = 200;
const SQLITE_RETENTION_MS = 60_000;
/** Reconnection waits this long after the first failure, doubling per failure up to the maximum. */
const PG_RECONNECT_MS = 250;
const PG_RECONNECT_MAX_MS = 10_000;
/** The PostgreSQL listener notifies itself this often, so a silently dead connection shows. */
const PG_HEARTBEAT_MS = 250;
/** Past this without a heartbeat, the listener connection is replaced. */
const PG_DEAD_AFTER_MS = 2_000;
export const STALE_AFTER_MS = 750;
const HEARTBEAT_TOPIC = 'heartbeat';

export function createChangeFeed(options: FeedOptions): ChangeFeed {
  const listeners = new Set<(event: ChangeEvent) => void>();
  const resetListeners = new Set<() => void>();
  const emit = (event: ChangeEvent) => {
    if (event.topic !== HEARTBEAT_TOPIC) listeners.forEach((l) => l(event));
  };
  const emitReset = () => resetListeners.forEach((l) => l());
  const base = {
    announceHere: emit,
    subscribe(listener: (event: ChangeEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onReset(listener: () => void) {
      resetListeners.add(listener);
      return () => resetListeners.delete(listener);
    },
  };
  return options.dialect === 'sqlite'
    ? { ...base, ...sqlitePolling(options.db, options.logger, emit, emitReset) }
    : { ...base, ...postgresListen(options, emit, emitReset) };
}

function sqlitePolling(db: Kysely<DB>, logger: Logger, emit: (e: ChangeEvent) => void, emitReset: () => void) {
  let lastId = 0;
  let timer: NodeJS.Timeout | undefined;
  let polls = 0;
  let confirmedAt = 0;
  const poll = async () => {
    const started = Date.now();
    try {
      const rows = await db.selectFrom('change_events').select(['id', 'topic', 'key']).where('id', '>', lastId).orderBy('id').execute();
      for (const row of rows) {
        lastId = row.id;
        emit({ topic: row.topic, key: row.key });
      }
      // Unless stopped meanwhile: a stopped feed stays not current.
      if (timer) confirmedAt = started;
      if (++polls % 300 === 0) {
        await db.deleteFrom('change_events').where('at', '<', Date.now() - SQLITE_RETENTION_MS).execute();
      }
    } catch (error) {
      logger.warn({ err: error }, 'change feed poll failed; dropping caches');
      emitReset();
    }
  };
  return {
    async publish(trx: Kysely<DB>, event: ChangeEvent) {
      await trx.insertInto('change_events').values({ topic: event.topic, key: event.key, at: Date.now() }).execute();
    },
    isCurrent: () => Date.now() - confirmedAt < STALE_AFTER_MS,
    confirmedAt: () => (timer && confirmedAt > 0 ? confirmedAt : undefined),
    async start() {
      const row = await db.selectFrom('change_events').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst();
      lastId = Number(row?.max ?? 0);
      confirmedAt = Date.now();
      // poll() never rejects (it reports failures as a reset); the next poll waits for this one.
      const loop = () => {
        void poll().then(() => {
          if (timer) timer = setTimeout(loop, SQLITE_POLL_MS).unref();
        });
      };
      timer = setTimeout(loop, SQLITE_POLL_MS).unref();
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      // A stopped feed delivers nothing: caches must re-check the database at once.
      confirmedAt = 0;
    },
  };
}

function postgresListen(
  options: { logger: Logger; clientConfig: pg.ClientConfig; channel: string },
  emit: (e: ChangeEvent) => void,
  emitReset: () => void,
) {
  const { logger, clientConfig, channel } = options;
  let client: pg.Client | undefined;
  let stopped = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let heartbeatPending = false;
  let confirmedAt = 0;
  const heartbeat = JSON.stringify({ topic: HEARTBEAT_TOPIC, key: '' });

  // Consecutive failed connection attempts, for the backoff; reset by a working connection.
  let failures = 0;
  const scheduleReconnect = () => {
    const delay = Math.min(PG_RECONNECT_MAX_MS, PG_RECONNECT_MS * 2 ** failures);
    failures++;
    // Jitter, so that instances cut off together do not all return in the same instant.
    reconnectTimer = setTimeout(() => void connect().catch(() => undefined), delay * (0.75 + Math.random() / 2)).unref();
    return delay;
  };

  const replace = (c: pg.Client, reason: string, error?: unknown) => {
    if (stopped || client !== c) return;
    client = undefined;
    emitReset();
    // end() waits for a reply that a dead connection never sends; destroy the socket instead.
    c.connection.stream.destroy();
    void c.end().catch(() => undefined);
    const retryInMs = scheduleReconnect();
    const message = reason === 'connect failed' ? 'change feed could not connect; retrying' : 'change feed connection lost; caches are bypassed until it is back';
    logger.warn({ err: error, reason, retryInMs }, message);
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ ...clientConfig, keepAlive: true, connectionTimeoutMillis: 5_000 });
    c.on('notification', (message) => {
      if (message.channel !== channel || !message.payload) return;
      confirmedAt = Date.now();
      try {
        emit(JSON.parse(message.payload) as ChangeEvent);
      } catch {
        logger.warn('ignored a malformed change notification');
      }
    });
    c.on('error', (error) => replace(c, 'error', error));
    c.on('end', () => replace(c, 'end'));
    client = c;
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (error) {
      replace(c, 'connect failed', error);
      throw error;
    }
    if (failures > 0) logger.info({ afterFailures: failures }, 'change feed connection restored');
    failures = 0;
    confirmedAt = Date.now();
    heartbeatPending = false;
    // Anything changed while we were not listening is unknown: start from empty caches.
    emitReset();
  };

  const beat = () => {
    const c = client;
    if (!c) return;
    if (Date.now() - confirmedAt > PG_DEAD_AFTER_MS) return replace(c, 'no heartbeat');
    if (heartbeatPending) return;
    heartbeatPending = true;
    c.query('SELECT pg_notify($1, $2)', [channel, heartbeat]).then(
      () => (heartbeatPending = false),
      () => (heartbeatPending = false),
    );
  };

  return {
    isCurrent: () => client !== undefined && Date.now() - confirmedAt < STALE_AFTER_MS,
    // A lost connection keeps its last confirmation: the lag grows until the feed is back.
    confirmedAt: () => (!stopped && confirmedAt > 0 ? confirmedAt : undefined),
    async publish(trx: Kysely<DB>, event: ChangeEvent) {
      await sql`select pg_notify(${channel}, ${JSON.stringify(event)})`.execute(trx);
    },
    async start() {
      await connect();
      heartbeatTimer = setInterval(beat, PG_HEARTBEAT_MS).unref();
    },
    async stop() {
      stopped = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      if (heartbeatTimer) clearInterval(heartbeatTimer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
