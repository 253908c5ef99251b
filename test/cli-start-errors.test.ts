import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestPostgresDatabase, withDatabaseName, type TestPostgresDatabase } from './helpers/postgres-databases.js';
import { withTestKeyEncryptionKey } from './helpers/key-encryption.js';

/** `ssobridge` as an operator runs it; resolves with what it printed and its exit code. */
function ssobridge(args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.resolve('bin/ssobridge.js'), ...args], { env: { ...process.env, LOG_LEVEL: 'warn', PORT: '0', ...env } }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, code: error ? Number((error as { code?: number }).code ?? 1) : 0 }),
    );
  });
}

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-start-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const NEWER_MIGRATION = '9999-from-a-newer-version';

describe('ssobridge --version', () => {
  it('prints the version in package.json', async () => {
    const { version } = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    const { stdout, code } = await ssobridge(['--version'], {});
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });
});

describe('ssobridge serve on an unusable SQLite database', () => {
  it('names the file and says it is not a database', async () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, 'ssobridge.sqlite'), 'this is not an SQLite database, it is a text file long enough to have a header'.repeat(20));
    const { stderr, code } = await ssobridge(['serve'], { DATA_DIR: dataDir, DATABASE_URL: '' });
    expect(code).toBe(1);
    expect(stderr).toContain(`Could not open the database (SQLite database ${path.join(dataDir, 'ssobridge.sqlite')}): file is not a database (SQLITE_NOTADB).`);
  });

  it('says the database belongs to a newer version, naming the migration it does not know', async () => {
    const dataDir = tempDir();
    expect((await ssobridge(['account', 'list'], { DATA_DIR: dataDir, DATABASE_URL: '' })).code).toBe(0);
    const sqlite = new BetterSqlite3(path.join(dataDir, 'ssobridge.sqlite'));
    sqlite.prepare('INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)').run(NEWER_MIGRATION, new Date().toISOString());
    sqlite.close();
    const { stderr, code } = await ssobridge(['serve'], { DATA_DIR: dataDir, DATABASE_URL: '' });
    expect(code).toBe(1);
    expect(stderr).toContain('was migrated by a newer version of ssobridge');
    expect(stderr).toContain(NEWER_MIGRATION);
    expect(stderr).not.toContain('database migration  failed');
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('ssobridge serve with a DATABASE_URL that does not work', () => {
  const baseUrl = process.env.TEST_DATABASE_URL ?? '';
  const databases: TestPostgresDatabase[] = [];
  afterAll(async () => {
    for (const d of databases) await d.drop();
  }, 120_000);

  const serve = (url: string) => ssobridge(['serve'], { DATA_DIR: tempDir(), DATABASE_URL: url });

  it('says the server refused the connection, at which address, and what to check', async () => {
    const url = new URL(baseUrl);
    url.port = '1';
    const { stderr, code } = await serve(url.toString());
    expect(code).toBe(1);
    expect(stderr).toMatch(/Could not open the database \(PostgreSQL postgres(ql)?:\/\/[^)]*:1\/[^)]*\): connect ECONNREFUSED [^ ]*:1/);
    expect(stderr).toContain('Is PostgreSQL running there');
  });

  it('says the database does not exist', async () => {
    const { stderr, code } = await serve(withDatabaseName(baseUrl, 'ssobridge_no_such_database'));
    expect(code).toBe(1);
    expect(stderr).toContain('database "ssobridge_no_such_database" does not exist (3D000)');
    expect(stderr).toContain('Create the database');
  });

  it('says the role does not exist, without printing the password', async () => {
    const url = new URL(baseUrl);
    url.username = 'ssobridge_no_such_role';
    url.password = 'hunter2-secret';
    const { stderr, code } = await serve(url.toString());
    expect(code).toBe(1);
    expect(stderr).toMatch(/role "ssobridge_no_such_role" does not exist|password authentication failed for user "ssobridge_no_such_role"/);
    expect(stderr).not.toContain('hunter2-secret');
  });

  it('says the database belongs to a newer version, naming the migration it does not know', async () => {
    const database = await createTestPostgresDatabase();
    databases.push(database);
    expect((await ssobridge(['account', 'list'], withTestKeyEncryptionKey({ DATA_DIR: tempDir(), DATABASE_URL: database.url }))).code).toBe(0);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('INSERT INTO kysely_migration (name, timestamp) VALUES ($1, $2)', [NEWER_MIGRATION, new Date().toISOString()]);
    } finally {
      await client.end();
    }
    const { stderr, code } = await serve(database.url);
    expect(code).toBe(1);
    expect(stderr).toContain('was migrated by a newer version of ssobridge');
    expect(stderr).toContain(NEWER_MIGRATION);
  });
});
