import pino from 'pino';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import type { Actor } from '../../src/domain/actor.js';
import { createServices } from '../../src/services.js';
import { withTestKeyEncryptionKey } from '../../test/helpers/key-encryption.js';

/**
 * Adds a Connection API credential to the default account, as the console would, on the database
 * these settings name (DATA_DIR for SQLite, DATABASE_URL for PostgreSQL); returns what a client holds.
 */
export async function createBenchCredential(databaseEnv: Record<string, string>): Promise<{ clientId: string; clientSecret: string }> {
  const logger = pino({ level: 'silent' });
  const config = loadConfig({ ...withTestKeyEncryptionKey(databaseEnv), LOG_LEVEL: 'silent' });
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, logger });
  const services = createServices({ config, database, clock: systemClock, logger });
  try {
    const actor = (accountId: string): Actor => ({ kind: 'operator', id: 'bench', label: 'benchmark', accountId, sourceIp: 'local' });
    const { account } = await services.accounts.ensureDefaultAccount(actor);
    const created = await services.credentials.createConnectionApiCredential(actor(account.id), { description: 'bench client' });
    return { clientId: created.credential.clientId, clientSecret: created.clientSecret };
  } finally {
    await services.close();
    await database.close();
  }
}
