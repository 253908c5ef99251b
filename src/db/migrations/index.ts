import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';
import * as initial from './0001-initial.js';
import * as applicationsAndConnections from './0002-applications-and-connections.js';
import * as ssoRuntime from './0003-sso-runtime.js';
import * as ssoLogIndexes from './0004-sso-log-indexes.js';
import * as defaultIdp from './0005-default-idp.js';
import * as forceAuthn from './0006-force-authn.js';
import * as idpInitiatedLogin from './0007-idp-initiated-login.js';
import * as signInLogDetail from './0008-sign-in-log-detail.js';
import * as accountBranding from './0009-account-branding.js';
import * as nfcIdpIds from './0010-nfc-idp-ids.js';
import * as metadataRefresh from './0012-metadata-refresh.js';
import * as testIdp from './0013-test-idp.js';
import * as setupLinks from './0011-setup-links.js';
import * as testSignIn from './0014-test-sign-in.js';
import * as oidc from './0015-oidc.js';
import * as events from './0016-events.js';
import * as signInFailureAlerts from './0021-sign-in-failure-alerts.js';
import * as auditExport from './0020-audit-export.js';
import * as administrators from './0019-administrators.js';
import * as webhooks from './0017-webhooks.js';

type DialectMigration = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

/** Migrations in order. Written once for both dialects; the dialect is passed where they differ. */
const migrations: Record<string, DialectMigration> = {
  '0001-initial': initial,
  '0002-applications-and-connections': applicationsAndConnections,
  '0003-sso-runtime': ssoRuntime,
  '0004-sso-log-indexes': ssoLogIndexes,
  '0005-default-idp': defaultIdp,
  '0006-force-authn': forceAuthn,
  '0007-idp-initiated-login': idpInitiatedLogin,
  '0008-sign-in-log-detail': signInLogDetail,
  '0009-account-branding': accountBranding,
  '0010-nfc-idp-ids': nfcIdpIds,
  '0012-metadata-refresh': metadataRefresh,
  '0013-test-idp': testIdp,
  '0011-setup-links': setupLinks,
  '0014-test-sign-in': testSignIn,
  '0015-oidc': oidc,
  '0016-events': events,
  '0021-sign-in-failure-alerts': signInFailureAlerts,
  '0020-audit-export': auditExport,
  '0019-administrators': administrators,
  '0017-webhooks': webhooks,
};

export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return Object.fromEntries(
    Object.entries(migrations).map(([name, m]) => [name, { up: (db: Kysely<unknown>) => m.up(db, dialect) }]),
  );
}
