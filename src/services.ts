import { createEventLog } from './domain/events/event-log.js';
import { createEventFeed } from './domain/events/event-feed.js';
import { createWebhookService } from './domain/webhooks/webhook-service.js';
import { createWebhookSender, defaultWebhookSenderOptions } from './domain/webhooks/webhook-sender.js';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { createAccountService } from './domain/accounts/account-service.js';
import { createAdminService } from './domain/accounts/admin-service.js';
import { createAdminMfaService, MFA_FAILURE_LIMITS } from './domain/accounts/admin-mfa-service.js';
import { createAuditLog } from './domain/audit/audit-log.js';
import { createClientAuthenticator } from './domain/credentials/client-authenticator.js';
import { createCredentialService } from './domain/credentials/credential-service.js';
import { createVerifiedCredentialCache } from './domain/credentials/verified-credential-cache.js';
import fs from 'node:fs';
import { createApplicationService } from './domain/applications/application-service.js';
import { createOidcClientSecretService } from './domain/applications/oidc-client-secret-service.js';
import { createSpMetadataService } from './domain/connections/sp-metadata-service.js';
import { createCustomerService } from './domain/connections/customer-service.js';
import { createCustomerViewCache } from './domain/connections/customer-view-cache.js';
import { createMetadataRefresh } from './domain/connections/metadata-refresh.js';
import { createExpiryNotices } from './domain/keys/expiry-notices.js';
import { createMetadataFetcher, defaultMetadataFetcherOptions } from './domain/connections/metadata-fetcher.js';
import { createSigningKeyService } from './domain/keys/signing-key-service.js';
import { openKeyEncryption } from './domain/keys/key-encryption.js';
import { createIdpMetadataService } from './domain/sso/idp-metadata-service.js';
import { createSsoLog } from './domain/sso/sso-log.js';
import { createSsoService } from './domain/sso/sso-service.js';
import { createSsoStore } from './db/sso-store.js';
import { createSignInFailureAlerts } from './domain/sso/sign-in-failure-alerts.js';
import { createThrottle } from './domain/throttle/throttle.js';
import { createAddressRateLimiter } from './domain/throttle/address-rate-limiter.js';
import { createFormSubmissions } from './domain/form-submissions.js';
import { createBrandingService } from './domain/branding/branding-service.js';
import { createTestIdpService } from './domain/test-idp/test-idp-service.js';
import { createPortalSettingsService } from './domain/setup-links/portal-settings-service.js';
import { createSetupLinkService } from './domain/setup-links/setup-link-service.js';
import { createTestSignInService } from './domain/setup-links/test-sign-in-service.js';
import { createCustomerInvitationService } from './domain/invitations/customer-invitation-service.js';
import { createSmtpMailer } from './mail/smtp-mailer.js';
import { createMetrics } from './metrics/metrics.js';

/** Composition root: every domain service, built with explicit dependencies and no singletons. */
export function createServices(deps: { config: Config; database: Database; clock: Clock; logger: Logger }) {
  const { config, database, clock, logger } = deps;
  const db = database.db;
  /** Seals secrets at rest (signing keys, webhook secrets, instance keys) under the key-encryption key; docs/operations.md. */
  const keyEncryption = openKeyEncryption(config, logger);
  const sealer = keyEncryption.sealer;
  const audit = createAuditLog({ db, dialect: database.dialect, clock });
  /** Prometheus metrics, collected only when something can read them (METRICS_PORT or METRICS_TOKEN; docs/operations.md). */
  const metrics = config.metrics.port !== undefined || config.metrics.token !== undefined ? createMetrics({ database, logger }) : undefined;
  /** The events outbox (docs/events.md): written in the transaction of the change that caused each event. */
  /** Account › Webhooks (docs/webhooks.md): endpoints, the fan-out of each event to them, and the delivery worker (src/jobs.ts). */
  const webhooks = createWebhookService({
    db,
    clock,
    audit,
    sealer,
    logger,
    ...(metrics && { observeAttempt: metrics.webhookAttempt }),
    options: { maxPerSecond: config.webhooks.maxDeliveriesPerSecond },
    send: createWebhookSender({
      ...defaultWebhookSenderOptions,
      timeoutMs: config.webhooks.timeoutMs,
      allowPrivateAddresses: config.webhooks.allowPrivateAddresses,
      ca: config.webhooks.caFile ? fs.readFileSync(config.webhooks.caFile, 'utf8') : undefined,
    }),
  });
  const events = createEventLog({ db, dialect: database.dialect, clock, afterRecord: webhooks.queueDeliveries });
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
  const credentials = createCredentialService({ db, clock, audit, events, changes: database.changes, cache: credentialCache });
  const customerViews = createCustomerViewCache(database.changes);
  const signingKeys = createSigningKeyService({ db, clock, audit, sealer, publicUrl: config.publicUrl, changes: database.changes });
  const fetchMetadata = createMetadataFetcher({
    ...defaultMetadataFetcherOptions,
    timeoutMs: config.metadataFetch.timeoutMs,
    allowPrivateAddresses: config.metadataFetch.allowPrivateAddresses,
    ca: config.metadataFetch.caFile ? fs.readFileSync(config.metadataFetch.caFile, 'utf8') : undefined,
  });
  const customers = createCustomerService({ db, clock, audit, events, signingKeys, fetchMetadata, publicUrl: config.publicUrl, views: customerViews });
  const accounts = createAccountService({ db, clock, audit });
  const portalSettings = createPortalSettingsService({ db, clock, audit });
  const setupLinks = createSetupLinkService({ db, clock, audit, events, customers, signingKeys, portalSettings, publicUrl: config.publicUrl });
  /** `sign_in.failures_above_threshold`: counted after each failed sign-in the SSO store writes. */
  const signInFailureAlerts = createSignInFailureAlerts({ db, events, logger, options: config.signInFailureAlert });
  const ssoStore = createSsoStore(database, { afterSignInRecorded: signInFailureAlerts.afterSignInRecorded });
  const sso = createSsoService({ store: ssoStore, clock, signingKeys, publicUrl: config.publicUrl, sharedIdpEntityId: config.sharedIdpEntityId, logger, ...(metrics && { observer: metrics.sso }) });
  const adminMfa = createAdminMfaService({ db, clock, audit, sealer, throttle: createThrottle({ db, clock, scope: 'mfa', limits: MFA_FAILURE_LIMITS }) });
  return {
    /** The Prometheus metrics, or undefined when they are off (neither METRICS_PORT nor METRICS_TOKEN). */
    metrics,
    sealer,
    /** Where the key-encryption key came from (the start-up output names a data-folder key file). */
    keyEncryption,
    audit,
    events,
    /** `GET …/events`: the events by cursor, oldest first. */
    eventFeed: createEventFeed({ events }),
    webhooks,
    accounts,
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
      mfa: adminMfa,
      mailer: config.smtp && createSmtpMailer(config.smtp),
      publicUrl: config.publicUrl,
    }),
    /** Administrators' TOTP second factor, recovery codes and the account's "require MFA" (docs/administrators.md). */
    adminMfa,
    credentials,
    clientAuthenticator,
    applications: createApplicationService({ db, clock, audit, revokeApplicationCredentials: credentials.revokeApplicationCredentials, customerViews, changes: database.changes }),
    /** Client secrets of OIDC applications: up to two each, shown once, stored as digests. */
    oidcClientSecrets: createOidcClientSecretService({ db, clock, audit }),
    customers,
    /** Customer setup links and the self-service portal behind them. */
    setupLinks,
    /** The portal's "Test sign-in" and its latest result. */
    testSignIns: createTestSignInService({ db, customers, sso }),
    /** Account › Customer portal: whether customers' IT admins may activate their connection. */
    portalSettings,
    /** Customer Email Invitation: a setup link and its message, mailed through SMTP_URL (which opens nothing until a send). */
    invitations: createCustomerInvitationService({
      db,
      clock,
      audit,
      accounts,
      customers,
      setupLinks,
      mailer: config.smtp && createSmtpMailer(config.smtp),
      publicUrl: config.publicUrl,
    }),
    signingKeys,
    sso,
    /** What the SSO runtime reads and writes; the OIDC providers (src/oidc) read applications through it too. */
    ssoStore,
    /** Per-address fairness for initsso, discovery and the ACS (per instance, in memory). */
    ssoRequestLimiter: createAddressRateLimiter({ clock, perMinute: config.ssoRequestRate.perMinute, burst: config.ssoRequestRate.burst }),
    ssoLog: createSsoLog({ db }),
    spMetadata: createSpMetadataService({ db, signingKeys, publicUrl: config.publicUrl }),
    idpMetadata: createIdpMetadataService({ db, signingKeys, publicUrl: config.publicUrl, sharedIdpEntityId: config.sharedIdpEntityId }),
    formSubmissions: createFormSubmissions({ db, clock }),
    /** The clock every service reads; surfaces read it too, for "days left" in answers. */
    clock,
    /** Scheduled refresh of connections configured by metadata URL (run by src/jobs.ts). */
    metadataRefresh: createMetadataRefresh({ db, clock, putCustomer: customers.putCustomer, views: customerViews, events, logger, options: config.metadataRefresh }),
    /** Certificate expiry notices, 30, 7 and 1 days ahead (run by src/jobs.ts). */
    expiryNotices: createExpiryNotices({ db, clock, audit, events, logger }),
    /** The built-in test IdP (docs/test-idp.md); its password checks share the console sign-in limits. */
    testIdp: createTestIdpService({
      db,
      clock,
      audit,
      customers,
      throttle: createThrottle({
        db,
        clock,
        scope: 'test-idp',
        limits: { perAddress: config.signInFailuresPerMinute, perIdentityAndAddress: config.signInFailuresPerMinute, perIdentity: config.signInFailuresPerEmailPerMinute },
      }),
      sealer,
      publicUrl: config.publicUrl,
    }),
    /** Account › Branding: what the account's end users see on our sign-in pages. */
    branding: createBrandingService({ db, clock, audit }),
    /** Builds nothing running (see src/jobs.ts), so closing only writes what is gathered in memory. */
    async close() {
      await clientAuthenticator.flushLastUsed();
    },
  };
}

export type Services = ReturnType<typeof createServices>;
