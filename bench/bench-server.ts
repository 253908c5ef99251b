/**
 * The server side of `npm run bench` (run in a child process by bench/run.ts).
 *
 * It serves two HTTP listeners from one process over one database and one set of services:
 *  - "app":   the real application from `buildApp` (every global plugin and hook), listening as in
 *             production; its `GET …/spManaged` is authenticated with HTTP Basic.
 *  - "probe": a bare Fastify instance with the same error handler and zod compilers, registering
 *             the real `apiPlugin` (authenticated `GET …/spManaged`) and, under
 *             `/bench/unauthenticated`, the very same `registerSpManagedRoutes` with the Basic-auth
 *             hook replaced by assigning a fixed principal. The two probe routes therefore run the
 *             same schema, handler and `services.customers.listCustomers(accountId, { limit: 50 })`
 *             and differ only by authentication.
 *
 * The probe instance gives an unauthenticated twin that shares the API plugin's own code exactly.
 *
 * Configuration (environment, set by bench/run.ts):
 *   BENCH_DIALECT      sqlite | postgres
 *   BENCH_DATA_DIR     SQLite folder (sqlite)
 *   BENCH_DATABASE_URL PostgreSQL URL (postgres)
 *   BENCH_SCHEMA       fresh PostgreSQL schema (postgres); the parent drops it afterwards
 *   BENCH_CUSTOMERS    customers created in the benchmark account (default 20)
 *   BENCH_LOG_LEVEL    pino level (default warn)
 *
 * The app trusts 127.0.0.1 as a proxy (TRUST_PROXY), so a load generator can act as another
 * client address by sending X-Forwarded-For (the flood does).
 *
 * When ready it prints one line `BENCH_READY {json}` on stdout; SIGTERM closes everything.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { createBackgroundJobs } from '../src/jobs.js';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import type { Actor } from '../src/domain/actor.js';
import type { Principal } from '../src/domain/credentials/verified-credential-cache.js';
import { API_PREFIX, apiPlugin } from '../src/http/api/api-plugin.js';
import { jsonErrorHandler } from '../src/http/api/json-errors.js';
import { registerSpManagedRoutes } from '../src/http/api/sp-managed-routes.js';
import { createLogger } from '../src/logger.js';
import { generateSigningKeyPair } from '../src/saml/signing-key-pair.js';
import { TEST_KEY_ENCRYPTION_KEY } from '../test/helpers/key-encryption.js';

export const UNAUTHENTICATED_PREFIX = '/bench/unauthenticated';

export interface BenchServerReady {
  pid: number;
  appPort: number;
  probePort: number;
  accountId: string;
  clientId: string;
  clientSecret: string;
  customers: number;
  /** AUTH_FAILURES_PER_MINUTE in force: failures allowed per address (and per client ID and address). */
  authFailuresPerMinute: number;
}

async function main(): Promise<void> {
  const dialect = process.env.BENCH_DIALECT === 'postgres' ? 'postgres' : 'sqlite';
  const logLevel = process.env.BENCH_LOG_LEVEL ?? 'warn';
  const customerCount = Number.parseInt(process.env.BENCH_CUSTOMERS ?? '20', 10);
  const dataDir = process.env.BENCH_DATA_DIR;
  if (!dataDir) throw new Error('BENCH_DATA_DIR is required');
  const url = dialect === 'postgres' ? process.env.BENCH_DATABASE_URL : undefined;
  if (dialect === 'postgres' && !url) throw new Error('BENCH_DATABASE_URL is required for postgres');

  // Loopback is a trusted proxy, so the flood can come from another client address (X-Forwarded-For)
  // while every load generator runs on this machine; requests without the header keep 127.0.0.1.
  const config = loadConfig({ PUBLIC_URL: 'http://127.0.0.1:8080', LOG_LEVEL: logLevel, DATA_DIR: dataDir, TRUST_PROXY: '127.0.0.1', ...(url && { DATABASE_URL: url, KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY }) });
  const logger = createLogger(config.logLevel);
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    ...(process.env.BENCH_SCHEMA && { schema: process.env.BENCH_SCHEMA }),
    logger,
  });
  const app = await buildApp({ config, database, clock: systemClock, logger });
  const services = app.services;

  const operator = (accountId: string): Actor => ({ kind: 'operator', id: 'bench', label: 'benchmark', accountId, sourceIp: 'local' });
  const { account } = await services.accounts.createAccount(operator, 'Benchmark SaaS');
  const { credential, clientSecret } = await services.credentials.createConnectionApiCredential(operator(account.id), { description: 'bench client' });
  // Customers as the API would create them (PUT …/spManaged/{idpId}), sharing one IdP certificate.
  const { certificatePem } = await generateSigningKeyPair('bench-idp.example.com', systemClock.now());
  const actor = operator(account.id);
  for (let i = 0; i < customerCount; i++) {
    const idpId = `customer${String(i).padStart(3, '0')}.example.com`;
    await services.customers.putCustomer(actor, idpId, {
      entityId: `https://${idpId}/saml`,
      ssoUrl: `https://${idpId}/sso`,
      certificates: [certificatePem],
      emailDomains: [idpId],
    });
  }

  const principal: Principal = {
    accountId: account.id,
    credentialId: credential.id,
    clientId: credential.clientId,
    kind: credential.kind,
    applicationId: null,
    description: credential.description,
  };
  const probe = Fastify({ loggerInstance: logger, genReqId: () => randomUUID(), requestIdHeader: false }) as unknown as FastifyInstance;
  probe.setValidatorCompiler(validatorCompiler);
  probe.setSerializerCompiler(serializerCompiler);
  probe.setErrorHandler(jsonErrorHandler);
  await probe.register(apiPlugin, { prefix: API_PREFIX, services });
  await probe.register(
    async (scope) => {
      scope.setErrorHandler(jsonErrorHandler);
      scope.addHook('onRequest', async (request, reply) => {
        // Only the list is wanted here; never leave writes open without authentication.
        if (request.method !== 'GET') return reply.code(405).send();
        request.principal = principal;
        return undefined;
      });
      registerSpManagedRoutes(scope, services);
    },
    { prefix: UNAUTHENTICATED_PREFIX },
  );

  await app.listen({ port: 0, host: '127.0.0.1' });
  await probe.listen({ port: 0, host: '127.0.0.1' });
  // As `serve` does: the change feed lets caches trust what they hold; database.close() stops it.
  await createBackgroundJobs({ services: app.services, changes: database.changes, logger }).start();
  const portOf = (instance: FastifyInstance) => {
    const address = instance.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return address.port;
  };
  const ready: BenchServerReady = {
    pid: process.pid,
    appPort: portOf(app),
    probePort: portOf(probe),
    accountId: account.id,
    clientId: credential.clientId,
    clientSecret,
    customers: customerCount,
    authFailuresPerMinute: config.authFailuresPerMinute,
  };
  process.stdout.write(`BENCH_READY ${JSON.stringify(ready)}\n`);

  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    Promise.all([probe.close(), app.close()])
      .then(() => database.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`bench server: close failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  // Never outlive the orchestrator: stdin is a pipe from it.
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
