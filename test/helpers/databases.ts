import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { openDatabase, type Database } from '../../src/db/database.js';
import type { Dialect } from '../../src/db/dialect.js';

/**
 * Every database-backed suite runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set
 * (the README's test command sets it). Each opened database is fresh: its own SQLite folder or
 * its own PostgreSQL schema.
 */
export const testDialects: Dialect[] = process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabaseLocation {
  dialect: Dialect;
  /** SQLite folder or PostgreSQL schema: open it twice to get two "instances" sharing one database. */
  dataDir: string;
  url?: string | undefined;
  schema?: string | undefined;
}

const created: TestDatabaseLocation[] = [];

export function newDatabaseLocation(dialect: Dialect): TestDatabaseLocation {
  const location: TestDatabaseLocation =
    dialect === 'sqlite'
      ? { dialect, dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-test-')) }
      : { dialect, dataDir: os.tmpdir(), url: process.env.TEST_DATABASE_URL, schema: `t_${process.env.SSOBRIDGE_TEST_RUN ?? 'adhoc'}_${randomBytes(6).toString('hex')}` };
  created.push(location);
  return location;
}

export const silentLogger = pino({ level: 'silent' });

export function openTestDatabase(location: TestDatabaseLocation): Promise<Database> {
  return openDatabase({ url: location.url, dataDir: location.dataDir, schema: location.schema, logger: silentLogger, poolSize: 5 });
}

/**
 * Removes the SQLite folders newDatabaseLocation made; call from afterAll. PostgreSQL schemas
 * are dropped after the whole run (see global-setup.ts).
 */
export async function dropTestDatabases(): Promise<void> {
  for (const location of created.splice(0)) {
    if (location.dialect === 'sqlite') fs.rmSync(location.dataDir, { recursive: true, force: true });
  }
}
