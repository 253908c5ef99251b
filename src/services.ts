import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { createAccountService } from './domain/accounts/account-service.js';
import { createAdminService } from './domain/accounts/admin-service.js';
import { createAuditLog } from './domain/audit/audit-log.js';
import { createClientAuthenticator } from './domain/credentials/client-authenticator.js';
import { createCredentialService } from './domain/credentials/credential-service.js';
import { createVerifiedCredentialCache } from './domain/credentials/verified-credential-cache.js';
import fs from 'node:fs';
import { createApplicationService } from './domain/applications/application-service.js';
import { createCustomerService } from './domain/connections/customer-service.js';
import { createCustomerViewCache } from './domain/connections/customer-view-cache.js';
import { createMetadataFetcher, defaultMetadataFetcherOptions } from './domain/connections/metadata-fetcher.js';
import { createSigningKeyService } from './domain/keys/signing-key-service.js';
import { createIdpMetadataService } from './domain/sso/idp-metadata-service.js';
import { createSsoLog } from './domain/sso/sso-log.js';
import { createSsoService } from './domain/sso/sso-service.js';
import { createSsoStore } from './db/sso-store.js';
import { createThrottle } from './domain/throttle/throttle.js';
import { createAddressRateLimiter } from './domain/throttle/address-rate-limiter.js';
import { createFormSubmissions } from './domain/form-submissions.js';
import { createBrandingService } from './domain/branding/branding-service.js';

/** Composition root: every domain service, built with explicit dependencies and no singletons. */
export function createServices(deps: { config: Config; database: Database; clock: Clock; logger: Logger }) {
  const { config, database, clock, logger } = deps;
  const db = database.db;
  const audit = createAuditLog({ db, clock });
  const credentialCache = createVerifiedCredentialCache(database.changes);
  const clientAuthenticator = createClientAuthenticator({
    db,
    clock,
    cache: credentialCache,
    throttle: createThrottle({
      db,
      clock,
      scope: 'api',
      limits: { perAddress: config.authFailuresPerMinute, perIdentityAndAddress: config.authFailuresPerMinute, perIdentity: config.authFailuresPerClientIdPerMinute },
    }),
    logger,
  });
  const credentials = createCredentialService({ db, clock, audit, changes: database.changes, cache: credentialCache });
  const customerViews = createCustomerViewCache(database.changes);
  const signingKeys = createSigningKeyService({ db, clock, audit, publicUrl: config.publicUrl });
  const fetchMetadata = createMetadataFetcher({
    ...defaultMetadataFetcherOptions,
    timeoutMs: config.metadataFetch.timeoutMs,
    allowPrivateAddresses: config.metadataFetch.allowPrivateAddresses,
    ca: config.metadataFetch.caFile ? fs.readFileSync(config.metadataFetch.caFile, 'utf8') : undefined,
  });
  const sso = createSsoService({ store: createSsoStore(database), clock, signingKeys, publicUrl: config.publicUrl, sharedIdpEntityId: config.sharedIdpEntityId, logger });
  return {
    audit,
    accounts: createAccountService({ db, clock, audit }),
    admins: createAdminService({
      db,
      clock,
      audit,
      throttle: createThrottle({
        db,
        clock,
        scope: 'sign-in',
        limits: { perAddress: config.signInFailuresPerMinute, perIdentityAndAddress: config.signInFailuresPerMinute, perIdentity: config.signInFailuresPerEmailPerMinute },
      }),
      sessionTtlMs: config.sessionTtlMs,
    }),
    credentials,
    clientAuthenticator,
    applications: createApplicationService({ db, clock, audit, revokeApplicationCredentials: credentials.revokeApplicationCredentials, customerViews }),
    customers: createCustomerService({ db, clock, audit, signingKeys, fetchMetadata, publicUrl: config.publicUrl, views: customerViews }),
    signingKeys,
    sso,
    /** Per-address fairness for initsso, discovery and the ACS (per instance, in memory). */
    ssoRequestLimiter: createAddressRateLimiter({ clock, perMinute: config.ssoRequestRate.perMinute, burst: config.ssoRequestRate.burst }),
    ssoLog: createSsoLog({ db }),
    idpMetadata: createIdpMetadataService({ db, signingKeys, publicUrl: config.publicUrl, sharedIdpEntityId: config.sharedIdpEntityId }),
    formSubmissions: createFormSubmissions({ db, clock }),
    /** Account › Branding: what the account's end users see on our sign-in pages. */
    branding: createBrandingService({ db, clock, audit }),
    /** Builds nothing running (see src/jobs.ts), so closing only writes what is gathered in memory. */
    async close() {
      await clientAuthenticator.flushLastUsed();
    },
  };
}

export type Services = ReturnType<typeof createServices>;
