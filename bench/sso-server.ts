/**
 * Server side of the SSO login benchmark: the real application on SQLite or PostgreSQL with a
 * REST app, a SAML app, an application credential and one customer IdP whose key the driver
 * holds (the driver plays the IdP). Prints `SSO_BENCH_READY {json}`; SIGTERM closes it.
 * bench/oidc.ts also uses the OIDC app (with its client secret) and the second customer connected
 * to it alone (same IdP key, its own entity ID), so the REST and SAML logins measured by
 * bench/sso-logins.ts see the same customer as before.
 */
import { createBackgroundJobs } from '../src/jobs.js';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import type { Actor } from '../src/domain/actor.js';
import { createLogger } from '../src/logger.js';
import { generateSigningKeyPair } from '../src/saml/signing-key-pair.js';
import { runBench } from './lib/script.js';

const OIDC_REDIRECT_URI = 'https://oidc.bench.example/callback';
const OIDC_IDP_ID = 'oidc-customer.bench';

async function main(): Promise<void> {
  const port = Number(process.env.SSO_BENCH_PORT);
  // The load generator is one address: lift the per-address SSO rate limit, which would otherwise be what is measured.
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
    SSO_REQUESTS_PER_MINUTE: '1000000',
    SSO_REQUESTS_BURST: '1000000',
  });
  const logger = createLogger('warn');
  const database = await openDatabase({
    url: process.env.SSO_BENCH_DATABASE_URL || undefined,
    schema: process.env.SSO_BENCH_SCHEMA || undefined,
    dataDir: process.env.SSO_BENCH_DATA_DIR!,
    logger,
  });
  const app = await buildApp({ config, database, clock: systemClock, logger });
  const { account } = await app.services.accounts.createAccount((accountId): Actor => ({ kind: 'operator', id: 'bench', label: 'bench', accountId, sourceIp: 'local' }), 'Bench');
  const actor: Actor = { kind: 'operator', id: 'bench', label: 'bench', accountId: account.id, sourceIp: 'local' };
  const rest = await app.services.applications.createApplication(actor, {
    kind: 'rest',
    name: 'Bench REST',
    defaultAppUrl: 'https://app.bench.example/landing',
    errorUrl: 'https://app.bench.example/error',
    hostname: 'app.bench.example',
    requiredAttributes: [{ name: 'email', required: true }],
  });
  const saml = await app.services.applications.createApplication(actor, {
    kind: 'saml',
    name: 'Bench SAML',
    acsUrl: 'https://saml.bench.example/acs',
    spEntityId: 'https://saml.bench.example',
    requiredAttributes: [{ name: 'email', required: true }],
  });
  const oidc = await app.services.applications.createApplication(actor, {
    kind: 'oidc',
    name: 'Bench OIDC',
    redirectUris: [OIDC_REDIRECT_URI],
    requiredAttributes: [{ name: 'email', required: true }],
  });
  const credential = await app.services.credentials.createApplicationCredential(actor, { saasid: rest.saasid });
  const idp = await generateSigningKeyPair('idp.bench.example', Date.now());
  await app.services.customers.putCustomer(actor, 'customer.bench', {
    entityId: 'https://idp.bench.example',
    ssoUrl: 'https://idp.bench.example/sso',
    certificates: [idp.certificatePem],
    applications: [rest.saasid, saml.saasid],
  });
  await app.services.customers.putCustomer(actor, OIDC_IDP_ID, {
    entityId: 'https://idp-oidc.bench.example',
    ssoUrl: 'https://idp-oidc.bench.example/sso',
    certificates: [idp.certificatePem],
    applications: [oidc.saasid],
  });
  await app.listen({ port, host: '127.0.0.1' });
  // As `serve` does: the change feed lets caches trust what they hold; database.close() stops it.
  await createBackgroundJobs({ services: app.services, changes: database.changes, logger }).start();
  process.stdout.write(
    `SSO_BENCH_READY ${JSON.stringify({
      pid: process.pid,
      accountId: account.id,
      restSaasid: rest.saasid,
      samlSaasid: saml.saasid,
      clientId: credential.credential.clientId,
      clientSecret: credential.clientSecret,
      oidcClientId: oidc.saasid,
      oidcClientSecret: oidc.firstClientSecret!.secret,
      oidcRedirectUri: OIDC_REDIRECT_URI,
      oidcIdpId: OIDC_IDP_ID,
      oidcIdpEntityId: 'https://idp-oidc.bench.example',
      idpPrivateKeyPem: idp.privateKeyPem,
      idpCertificatePem: idp.certificatePem,
    })}\n`,
  );
  process.once('SIGTERM', () => {
    void app.close().then(() => database.close()).then(() => process.exit(0));
  });
}

runBench(main);
