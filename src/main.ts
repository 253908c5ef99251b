import type { Logger } from 'pino';
import { buildApp, type App } from './app.js';
import { systemClock } from './clock.js';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { openFailure } from './db/database-open-error.js';
import { recordServerPublicUrl } from './db/repositories/settings-repository.js';
import type { Account } from './domain/accounts/account-service.js';
import type { Actor } from './domain/actor.js';
import { isAppError } from './errors.js';
import { createBackgroundJobs } from './jobs.js';
import { listenForMetrics } from './http/metrics-routes.js';

/** Load config → open database → migrate → build app → listen → start background jobs; close on SIGTERM/SIGINT. */
export async function serve(config: Config, logger: Logger): Promise<App> {
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize, logger });
  let app: App | undefined;
  let account: Account;
  let created: boolean;
  try {
    app = await buildApp({ config, database, clock: systemClock, logger });
    const starter = (accountId: string): Actor => ({ kind: 'operator', id: 'server-start', label: 'first start', accountId, sourceIp: 'local' });
    ({ account, created } = await app.services.accounts.ensureDefaultAccount(starter));
    // The account's SAML signing key pair is generated on first start (and kept in the database).
    await app.services.signingKeys.listKeys(account.id);
    // So that `ssobridge admin create` and `account create` print this address even from a shell without PUBLIC_URL.
    await recordServerPublicUrl(database.db, config.publicUrl);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    // A start writes (settings, first account, keys): a database that cannot be written stops it here.
    throw isAppError(error) && error.code === 'DATABASE_UNAVAILABLE' ? openFailure(database.label, error) : error;
  }
  const jobs = createBackgroundJobs({ services: app.services, changes: database.changes, logger });
  // Whoever closes the app (a signal below, or a caller of serve) stops the jobs before the database closes.
  app.addHook('onClose', async () => jobs.stop());
  const { metrics } = app.services;
  if (metrics && config.metrics.port !== undefined) {
    try {
      const listener = await listenForMetrics(metrics, { port: config.metrics.port, host: config.metrics.host, logger });
      app.addHook('onClose', async () => listener.close());
      logger.info({ host: config.metrics.host, port: listener.port }, 'metrics listening (GET /metrics)');
    } catch (error) {
      await app.close().catch(() => undefined);
      await database.close().catch(() => undefined);
      throw new Error(`Could not listen for metrics on ${config.metrics.host}:${config.metrics.port} (METRICS_HOST, METRICS_PORT): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  await app.listen({ port: config.port, host: config.host });
  try {
    await jobs.start();
  } catch (error) {
    await app.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    // The change feed's own connection could not be opened: the same failure as any other at start.
    throw openFailure(database.label, error);
  }

  const consoleUrl = `${config.publicUrl}/console`;
  const setupToken = await app.services.accounts.issueSetupToken(account.id);
  const storage = config.databaseUrl ? 'PostgreSQL' : `embedded SQLite in ${config.dataDir}`;
  const lines = [
    '',
    `ssobridge is running (${storage}).`,
    `  Console: ${consoleUrl}`,
    `  API:     ${config.publicUrl}/web-portal/rest/saas/idp/2.0/spManaged (HTTP Basic)`,
  ];
  const { keyEncryption } = app.services;
  if (keyEncryption.dataFolderFile !== undefined) {
    // Without this file the database's signing keys and secrets do not open; with it beside a backup, the backup signs.
    lines.push(`  ${keyEncryption.generated ? 'Generated the key-encryption key' : 'Key-encryption key:'} ${keyEncryption.dataFolderFile}: back it up separately from the database.`);
  }
  if (created) lines.push(`  Created the account "${account.name}" (${account.id}).`);
  if (setupToken) {
    lines.push(
      '',
      '  No admin exists yet. Create the first one with this link (valid 24 hours, until the first admin exists):',
      `    ${consoleUrl}/setup?token=${setupToken}`,
      '  or from a shell:',
      `    npx ssobridge admin create --email you@example.com`,
    );
  } else {
    lines.push(`  Sign in at ${consoleUrl}/sign-in`);
  }
  if (!/^https:\/\/|^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:|\/|$)/.test(config.publicUrl)) {
    lines.push('', `  WARNING: PUBLIC_URL ${config.publicUrl} is not https. Sessions and secrets would cross the network in clear text; put TLS in front and set PUBLIC_URL to the https:// address.`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    app
      .close()
      .then(() => database.close())
      .then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  return app;
}
