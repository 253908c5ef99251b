import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import { createChangeFeed, type ChangeFeed } from './change-feed.js';
import { migrationsFor } from './migrations/index.js';
import type { DB } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  /** Notifications of changes made by any instance sharing this database (this one included). */
  readonly changes: ChangeFeed;
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

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = options.url ? await openPostgres(options.url, options) : openSqlite(options.dataDir, options);
  try {
    await migrateToLatest(database, options.url ? options.schema : undefined);
    await database.changes.start();
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

function openSqlite(dataDir: string, options: DatabaseOptions): Database {
  const inMemory = dataDir === ':memory:';
  if (!inMemory) fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = inMemory ? ':memory:' : path.join(dataDir, 'ssobridge.sqlite');
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  const changes = createChangeFeed({ dialect: 'sqlite', db, logger: options.logger });
  return {
    db,
    dialect: 'sqlite',
    changes,
    async close() {
      await changes.stop();
      await db.destroy();
    },
  };
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

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  if (schema) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await admin.end();
    }
  }
  const clientConfig: pg.ClientConfig = { connectionString: url, ...(schema ? { options: `-c search_path=${schema}` } : {}) };
  const pool = new pg.Pool({ ...clientConfig, max: options.poolSize ?? 10 });
  pool.on('error', (error) => options.logger.error({ err: error }, 'idle PostgreSQL connection failed'));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const changes = createChangeFeed({ dialect: 'postgres', db, logger: options.logger, clientConfig, channel: `ssobridge_${schema ?? 'public'}` });
  return {
    db,
    dialect: 'postgres',
    changes,
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
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) throw new Error(`database migration ${failed?.migrationName ?? ''} failed`, { cause: error });
}
