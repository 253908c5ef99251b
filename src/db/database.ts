import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteAdapter, SqliteDialect, sql, type DialectAdapter } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import { createChangeFeed, type ChangeFeed } from './change-feed.js';
import { classifyDatabaseFault, describePostgresUrl, driverErrorCode, explainDriverError } from './database-faults.js';
import { DatabaseOpenError, openFailure } from './database-open-error.js';
import { guardDialect } from './guarded-dialect.js';
import { migrationsFor } from './migrations/index.js';
import type { Dialect } from './dialect.js';
import type { DB } from './schema.js';

export type { Dialect };

export interface Database {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  /** The database for people and logs: the SQLite file, or the PostgreSQL server without its password. */
  readonly label: string;
  /**
   * Notifications of changes made by any instance sharing this database (this one included).
   * Opening the database does not start it: the server's background jobs do (src/jobs.ts).
   */
  readonly changes: ChangeFeed;
  /**
   * SQLite only: the connection itself, for a transaction that must run in one synchronous stretch
   * (sso-store.ts's commitLogin), never holding the write lock while other code runs. Use it only
   * inside `db.connection()`, which keeps Kysely's own use of the connection out meanwhile.
   */
  readonly sqlite?: BetterSqlite3.Database;
  /** PostgreSQL only: the request pool's connections now (the metrics report them). */
  poolStatistics?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent, an embedded SQLite database in `dataDir`. */
  url?: string | undefined;
  dataDir: string;
  poolSize?: number;
  /** PostgreSQL schema to use (tests give each suite its own); created if missing. */
  schema?: string;
  logger: Logger;
}

// PostgreSQL returns int8 as strings; every 64-bit column here holds epoch milliseconds or ids,
// well inside Number's safe range.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

/** A server that does not answer within this is treated as unreachable (503), not waited on. */
const CONNECT_TIMEOUT_MS = 5_000;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = options.url ? await openPostgres(options.url, options) : openSqlite(options.dataDir, options);
  try {
    await migrateToLatest(database, options.url ? options.schema : undefined);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error instanceof DatabaseOpenError ? error : openFailure(database.label, error);
  }
  return database;
}

function openSqlite(dataDir: string, options: DatabaseOptions): Database {
  const inMemory = dataDir === ':memory:';
  const file = inMemory ? ':memory:' : path.join(dataDir, 'ssobridge.sqlite');
  const label = `SQLite database ${file}`;
  let sqlite: BetterSqlite3.Database;
  try {
    if (!inMemory) fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    sqlite = new BetterSqlite3(file);
  } catch (error) {
    throw openFailure(label, error);
  }
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
  } catch (error) {
    sqlite.close();
    throw openFailure(label, error);
  }
  const cached = withStatementCache(sqlite);
  const dialect = guardDialect(new TransactionalDdlSqliteDialect({ database: cached }), { database: label, inTransaction: () => sqlite.inTransaction });
  const db = new Kysely<DB>({ dialect });
  const changes = createChangeFeed({ dialect: 'sqlite', db, logger: options.logger });
  return {
    db,
    dialect: 'sqlite',
    sqlite: cached,
    label,
    changes,
    async close() {
      await changes.stop();
      await db.destroy();
    },
  };
}

/**
 * SQLite runs DDL inside transactions, but Kysely's SQLite adapter says it does not, so its
 * migrator would run each migration statement by statement: one that failed halfway would stay
 * half applied. Saying so makes the migrator run a start's pending migrations in one transaction,
 * as on PostgreSQL: a failed migration changes nothing (docs/operations.md, Upgrading).
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class TransactionalDdlSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, and preparing costs
 * about as much as running a simple query. Kysely runs one query at a time on this connection
 * and never iterates a statement while another runs, so reusing them is safe.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): BetterSqlite3.Database {
  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepare = (source: string) => {
    let statement = statements.get(source);
    if (!statement) {
      if (statements.size >= 2_000) statements.clear();
      statement = sqlite.prepare(source);
      statements.set(source, statement);
    }
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, property) {
      if (property === 'prepare') return prepare;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Every connection says who it is (`application_name`), so an operator can find this server's
 * connections in pg_stat_activity: `<name>-pool` for requests, `<name>-listen` for the change
 * feed, `<name>-admin` for creating a schema at start. `<name>` is the URL's own
 * application_name parameter, or `ssobridge`.
 */
function applicationNames(url: string): { pool: string; listen: string; admin: string; connectionString: string } {
  let base = 'ssobridge';
  let connectionString = url;
  try {
    const parsed = new URL(url);
    base = parsed.searchParams.get('application_name') || base;
    // node-postgres lets a URL parameter override the configured name; ours carry a role suffix.
    parsed.searchParams.delete('application_name');
    connectionString = parsed.toString();
  } catch {
    // pg reports an unparsable URL itself, with its own words, when it connects.
  }
  return { pool: `${base}-pool`, listen: `${base}-listen`, admin: `${base}-admin`, connectionString };
}

/** A connection that fails outside a query would emit an unhandled 'error' and end the process; log it instead. */
function logConnectionErrors(client: pg.Client, logger: Logger, label: string, applicationName: string): void {
  client.on('error', (error) => logger.warn({ err: error, database: label, applicationName }, 'PostgreSQL connection lost; it will be replaced'));
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  const names = applicationNames(url);
  const label = describePostgresUrl(url);
  if (schema) {
    const admin = new pg.Client({ connectionString: names.connectionString, application_name: names.admin, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    logConnectionErrors(admin, options.logger, label, names.admin);
    try {
      await admin.connect();
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (error) {
      throw openFailure(label, error);
    } finally {
      await admin.end().catch(() => undefined);
    }
  }
  const clientConfig: pg.ClientConfig = { connectionString: names.connectionString, ...(schema ? { options: `-c search_path=${schema}` } : {}) };
  const pool = new pg.Pool({ ...clientConfig, application_name: names.pool, max: options.poolSize ?? 10, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
  // Checked-out clients have no listener of pg-pool's own: attach ours to every client for its whole life.
  pool.on('connect', (client) => logConnectionErrors(client, options.logger, label, names.pool));
  // Idle clients' errors reach the pool too; the client's own listener has logged them already.
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({ dialect: guardDialect(new PostgresDialect({ pool }), { database: `${label} (${names.pool})` }) });
  const changes = createChangeFeed({
    dialect: 'postgres',
    db,
    logger: options.logger,
    clientConfig: { ...clientConfig, application_name: names.listen },
    channel: `ssobridge_${schema ?? 'public'}`,
  });
  return {
    db,
    dialect: 'postgres',
    label,
    changes,
    poolStatistics: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      await changes.stop();
      await db.destroy();
    },
  };
}

async function migrateToLatest(database: Database, schema: string | undefined): Promise<void> {
  const migrations = migrationsFor(database.dialect);
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations },
    // Kysely looks its bookkeeping tables up by schema name, not through search_path.
    ...(schema && { migrationTableSchema: schema }),
  });
  let outcome = await migrator.migrateToLatest();
  // Kysely looks for its tables by listing every schema's tables; a schema another client drops
  // meanwhile fails that listing (3F000, invalid_schema_name) though it is not ours. Look again.
  for (let attempt = 1; attempt < 3 && driverErrorCode(outcome.error) === '3F000'; attempt++) outcome = await migrator.migrateToLatest();
  const { error, results } = outcome;
  if (!error) return;
  if (classifyDatabaseFault(error)) throw openFailure(database.label, error);
  const unknown = (await executedMigrations(database.db, schema).catch(() => [])).filter((name) => !(name in migrations));
  if (unknown.length > 0) {
    throw new DatabaseOpenError(
      `The database (${database.label}) was migrated by a newer version of ssobridge: it has ${unknown.length === 1 ? 'migration' : 'migrations'} ${unknown.join(', ')}, which this version does not know. Run that newer version, or restore a backup taken before the upgrade.`,
      { cause: error },
    );
  }
  const failed = results?.find((r) => r.status === 'Error');
  throw new DatabaseOpenError(
    `Could not migrate the database (${database.label})${failed ? `: migration ${failed.migrationName} failed` : ''}: ${explainDriverError(error)}`,
    { cause: error },
  );
}

/** Names of the migrations recorded in the database (Kysely's bookkeeping table). */
async function executedMigrations(db: Kysely<DB>, schema: string | undefined): Promise<string[]> {
  const table = schema ? sql.table(`${schema}.kysely_migration`) : sql.table('kysely_migration');
  const { rows } = await sql<{ name: string }>`select name from ${table}`.execute(db);
  return rows.map((r) => r.name);
}
