import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import type { Actor } from '../../src/domain/actor.js';
import { newDatabaseLocation, openTestDatabase, silentLogger, type TestDatabaseLocation } from './databases.js';
import { TestClock } from './test-clock.js';
import type { Dialect } from '../../src/db/dialect.js';
import { TEST_KEY_ENCRYPTION_KEY } from './key-encryption.js';

export { TEST_KEY_ENCRYPTION_KEY } from './key-encryption.js';

export interface TestInstance {
  app: App;
  database: Database;
  clock: TestClock;
  config: Config;
  location: TestDatabaseLocation;
  close(): Promise<void>;
}


export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ PUBLIC_URL: 'http://localhost:8080', LOG_LEVEL: 'silent', KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY, ...overrides });
}

/** One server instance over a database location; open two on one location for multi-instance tests. */
export async function startInstance(location: TestDatabaseLocation, options: { clock?: TestClock; env?: Record<string, string> } = {}): Promise<TestInstance> {
  const database = await openTestDatabase(location);
  const clock = options.clock ?? new TestClock();
  const config = testConfig(options.env);
  const app = await buildApp({ config, database, clock, logger: silentLogger });
  // As on a server, caches trust what they hold only while the change feed runs. The timed jobs
  // (src/jobs.ts) do not run here: a test runs them by hand, on its own clock.
  await database.changes.start();
  return {
    app,
    database,
    clock,
    config,
    location,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export async function startTestApp(dialect: Dialect, options: { clock?: TestClock; env?: Record<string, string> } = {}): Promise<TestInstance> {
  return startInstance(newDatabaseLocation(dialect), options);
}

export function operatorActor(accountId: string): Actor {
  return { kind: 'operator', id: 'test', label: 'test operator', accountId, sourceIp: '127.0.0.1' };
}

/** Creates an account with one Connection API credential; returns what a client would hold. */
export async function accountWithCredential(app: App, name = 'Acme SaaS', clientSecret?: string) {
  const { account, globalClientId } = await app.services.accounts.createAccount(operatorActor, name);
  const created = await app.services.credentials.createConnectionApiCredential(operatorActor(account.id), {
    description: 'backend',
    ...(clientSecret !== undefined && { clientSecret }),
  });
  return { accountId: account.id, globalClientId, clientId: created.credential.clientId, clientSecret: created.clientSecret, credentialId: created.credential.id };
}

/** `curl --user id:secret`: the raw pair, base64 encoded, nothing else. */
export function curlBasic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`, 'utf8').toString('base64')}`;
}

/** An RFC 6749 §2.3.1 client: each part form-URL-encoded before base64. */
export function rfc6749Basic(clientId: string, secret: string): string {
  const encode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`, 'utf8').toString('base64')}`;
}

export const SP_MANAGED = '/web-portal/rest/saas/idp/2.0/spManaged';

export function restAppInput(name = 'Billing', overrides: Record<string, unknown> = {}) {
  return {
    kind: 'rest' as const,
    name,
    defaultAppUrl: 'https://app.example.com/sso/landing',
    errorUrl: 'https://app.example.com/sso/error',
    hostname: 'app.example.com',
    requiredAttributes: [{ name: 'email', required: true }],
    ...overrides,
  };
}

export function samlAppInput(name = 'Analytics', overrides: Record<string, unknown> = {}) {
  return {
    kind: 'saml' as const,
    name,
    acsUrl: 'https://analytics.example.com/saml/acs',
    spEntityId: `https://analytics.example.com/${name}`,
    requiredAttributes: [
      { name: 'email', required: true },
      { name: 'department', required: false },
    ],
    ...overrides,
  };
}

let cachedCertificate: string | undefined;
/** A real self-signed certificate, as a customer's IdP would have (generated once per test file). */
export async function idpCertificatePem(): Promise<string> {
  const { generateSigningKeyPair } = await import('../../src/saml/signing-key-pair.js');
  cachedCertificate ??= (await generateSigningKeyPair('idp.customer.example', Date.now())).certificatePem;
  return cachedCertificate;
}
