import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL test schemas are dropped once, after the whole run, not by each file: Kysely's
 * migrator lists every schema while it migrates, and a schema dropped by a finished file at
 * that moment makes another file's migration fail. Each run drops only its own schemas.
 */
export function setup(): void {
  process.env.SSOBRIDGE_TEST_RUN ??= randomBytes(4).toString('hex');
}

export async function teardown(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  const run = process.env.SSOBRIDGE_TEST_RUN;
  if (!url || !run) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET client_min_messages = warning');
    const { rows } = await client.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [`t_${run}_%`]);
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS ${nspname} CASCADE`);
  } finally {
    await client.end();
  }
}
