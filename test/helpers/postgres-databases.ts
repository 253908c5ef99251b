import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Whole PostgreSQL databases for tests that run the real server process, which uses its
 * database's default schema as an operator's would. Each is created fresh and dropped after.
 */
export interface TestPostgresDatabase {
  name: string;
  /** TEST_DATABASE_URL with this database's name in place of the original one. */
  url: string;
  drop(): Promise<void>;
}

export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

function serverUrl(url: string | undefined): string {
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  return url;
}

/** Runs `run` on a short-lived client connected to `url` (default TEST_DATABASE_URL). */
export async function withAdminClient<T>(run: (client: pg.Client) => Promise<T>, url = serverUrl(process.env.TEST_DATABASE_URL)): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'ssobridge-test-admin' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A new database on the server of `url` (default TEST_DATABASE_URL). */
export async function createTestPostgresDatabase(url = serverUrl(process.env.TEST_DATABASE_URL)): Promise<TestPostgresDatabase> {
  const name = `ssobridge_t_${process.env.SSOBRIDGE_TEST_RUN ?? 'adhoc'}_${randomBytes(4).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`), url);
  return {
    name,
    url: withDatabaseName(url, name),
    drop: () => withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`), url).then(() => undefined),
  };
}
