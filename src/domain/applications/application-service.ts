import type { ChangeFeed } from '../../db/change-feed.js';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import {
  deleteApplication,
  findApplication,
  findApplicationBySpEntityId,
  insertApplication,
  listApplications,
  replaceApplication,
  type ApplicationRecord,
} from '../../db/repositories/applications-repository.js';
import { AppError, validationError } from '../../errors.js';
import { CertificateParseError, parseCertificate } from '../../saml/certificates.js';
import { countNonMultiplexedConnections } from '../../db/repositories/customers-repository.js';
import { listSigningKeys } from '../../db/repositories/signing-keys-repository.js';
import type { Actor } from '../actor.js';
import type { CustomerViewCache } from '../connections/customer-view-cache.js';
import { checkConnectionMultiplexing } from '../connections/multiplexing.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Application } from '../model.js';
import { parseInput } from '../validation.js';
import { applicationKindPhrase } from './application-kind-label.js';
import { storeNewOidcClientSecret, type NewOidcClientSecret } from './oidc-client-secret-service.js';
import {
  applicationInput,
  type ApplicationInput,
  type OidcApplicationSettings,
  type RestApplicationSettings,
  type SamlApplicationSettings,
  type ValidApplication,
} from './application-schemas.js';

// Where these types lived before the domain model module; idp-metadata-service still names SamlApplication here.
export type { Application, RestApplication, SamlApplication } from '../model.js';

/** A new application; an OIDC one comes with its first client secret, in plaintext this once. */
export type CreatedApplication = Application & { firstClientSecret?: NewOidcClientSecret };

export function toApplication(r: ApplicationRecord): Application {
  const base = { saasid: r.id, name: r.name, enabled: r.enabled, createdAt: r.createdAt, updatedAt: r.updatedAt };
  switch (r.kind) {
    case 'saml':
      return { ...base, kind: 'saml', ...(r.settings as SamlApplicationSettings) };
    case 'rest':
      return { ...base, kind: 'rest', ...(r.settings as RestApplicationSettings) };
    case 'oidc':
      return { ...base, kind: 'oidc', ...(r.settings as OidcApplicationSettings) };
  }
}

/** Change-feed topic of an application's settings, keyed by saasid. */
export const APPLICATION_TOPIC = 'application';

export function createApplicationService(deps: {
  db: Kysely<DB>;
  clock: Clock;
  audit: AuditLog;
  /** Revokes the app's credentials inside the deletion; returns what to run after the commit. */
  revokeApplicationCredentials: (trx: Kysely<DB>, accountId: string, saasid: string) => Promise<() => void>;
  /** Customer views name their applications, so app changes must drop them too. */
  customerViews: CustomerViewCache;
  /** Tells every instance an application changed (APPLICATION_TOPIC): the OIDC providers built from it are rebuilt. */
  changes: ChangeFeed;
}) {
  const { db, clock, audit } = deps;

  const notFound = (saasid: string) => new AppError('APPLICATION_NOT_FOUND', `No application with saasid ${saasid} in this account.`);

  /** Validates, normalizes the encryption certificate, and splits columns from kind-specific settings. */
  const prepare = (input: ApplicationInput) => {
    const valid: ValidApplication = parseInput(applicationInput, input);
    const { kind, name, enabled, ...settings } = valid;
    if (valid.kind === 'saml' && valid.encryptionCertificate !== undefined) {
      try {
        (settings as SamlApplicationSettings).encryptionCertificate = parseCertificate(valid.encryptionCertificate).pem;
      } catch (error) {
        if (error instanceof CertificateParseError) throw validationError([{ field: 'encryptionCertificate', message: error.message }]);
        throw error;
      }
    }
    return {
      kind,
      name,
      enabled,
      // REST and OIDC apps have no SAML identity of their own toward the app: always multiplexed.
      multiplexed: valid.kind === 'saml' ? valid.multiplexed : true,
      spEntityId: valid.kind === 'saml' ? valid.spEntityId : null,
      settings: settings as Record<string, unknown>,
    };
  };

  /** A pinned signing key must be one of the account's current (active or renewal) keys. */
  const ensureSigningKeyExists = async (trx: Kysely<DB>, accountId: string, settings: Record<string, unknown>) => {
    const pinned = settings.signingKeyId;
    if (typeof pinned !== 'string') return;
    const key = (await listSigningKeys(trx, accountId)).find((k) => k.id === pinned);
    if (!key || key.status === 'retired') {
      throw validationError([{ field: 'signingKeyId', message: "is not one of this account's active or renewal signing keys" }]);
    }
  };

  const ensureUniqueSpEntityId = async (trx: Kysely<DB>, accountId: string, spEntityId: string | null, saasid: string) => {
    if (spEntityId === null) return;
    const other = await findApplicationBySpEntityId(trx, accountId, spEntityId);
    if (other && other.id !== saasid) {
      throw new AppError('APPLICATION_CONFLICT', `Another application ("${other.name}") already uses this SP entity ID.`, {
        fields: [{ field: 'spEntityId', message: 'is already used by another application in this account' }],
      });
    }
  };

  const get = async (accountId: string, saasid: string): Promise<Application> => {
    const record = await findApplication(db, accountId, saasid);
    if (!record) throw notFound(saasid);
    return toApplication(record);
  };

  return {
    getApplication: get,

    async listApplications(accountId: string): Promise<Application[]> {
      return (await listApplications(db, accountId)).map(toApplication);
    },

    /** An OIDC application gets its first client secret in the same transaction, returned this once. */
    async createApplication(actor: Actor, input: ApplicationInput): Promise<CreatedApplication> {
      const prepared = prepare(input);
      const now = clock.now();
      const record: ApplicationRecord = { id: randomUUID(), accountId: actor.accountId, ...prepared, createdAt: now, updatedAt: now };
      const firstClientSecret = await db.transaction().execute(async (trx) => {
        await ensureUniqueSpEntityId(trx, actor.accountId, record.spEntityId, record.id);
        await ensureSigningKeyExists(trx, actor.accountId, record.settings);
        await insertApplication(trx, record);
        await audit.record(trx, actor, { action: 'application.created', targetKind: 'application', targetId: record.id, details: { name: record.name, kind: record.kind } });
        return record.kind === 'oidc' ? storeNewOidcClientSecret(trx, { audit, now }, actor, record) : undefined;
      });
      const application = toApplication(record);
      return firstClientSecret ? { ...application, firstClientSecret } : application;
    },

    /** Replaces the application's settings; its saasid and kind never change. */
    async updateApplication(actor: Actor, saasid: string, input: ApplicationInput): Promise<Application> {
      const current = await findApplication(db, actor.accountId, saasid);
      if (!current) throw notFound(saasid);
      const prepared = prepare(input);
      if (prepared.kind !== current.kind) {
        throw validationError([{ field: 'kind', message: `cannot change; this is ${applicationKindPhrase(current.kind)}` }]);
      }
      const record: ApplicationRecord = { ...current, ...prepared, updatedAt: clock.now() };
      await db.transaction().execute(async (trx) => {
        await ensureUniqueSpEntityId(trx, actor.accountId, record.spEntityId, saasid);
        await ensureSigningKeyExists(trx, actor.accountId, record.settings);
        // Turning application multiplexing off must not leave non-multiplexed connections to it.
        if ((await countNonMultiplexedConnections(trx, saasid)) > 0) checkConnectionMultiplexing(toApplication(record), false, 'multiplexed');
        await replaceApplication(trx, record);
        await deps.changes.publish(trx, { topic: APPLICATION_TOPIC, key: saasid });
        await deps.customerViews.announceChange(trx, actor.accountId);
        await audit.record(trx, actor, { action: 'application.updated', targetKind: 'application', targetId: saasid, details: { name: record.name, enabled: record.enabled } });
      });
      deps.changes.announceHere({ topic: APPLICATION_TOPIC, key: saasid });
      deps.customerViews.drop(actor.accountId);
      return toApplication(record);
    },

    async setApplicationEnabled(actor: Actor, saasid: string, enabled: boolean): Promise<Application> {
      const current = await findApplication(db, actor.accountId, saasid);
      if (!current) throw notFound(saasid);
      const record = { ...current, enabled, updatedAt: clock.now() };
      await db.transaction().execute(async (trx) => {
        await replaceApplication(trx, record);
        await deps.changes.publish(trx, { topic: APPLICATION_TOPIC, key: saasid });
        await audit.record(trx, actor, { action: enabled ? 'application.enabled' : 'application.disabled', targetKind: 'application', targetId: saasid, details: { name: record.name } });
      });
      deps.changes.announceHere({ topic: APPLICATION_TOPIC, key: saasid });
      return toApplication(record);
    },

    /** Deletes the app with its customer connections and application credentials. */
    async deleteApplication(actor: Actor, saasid: string): Promise<void> {
      const current = await findApplication(db, actor.accountId, saasid);
      if (!current) throw notFound(saasid);
      const afterCommit = await db.transaction().execute(async (trx) => {
        const evict = await deps.revokeApplicationCredentials(trx, actor.accountId, saasid);
        await deleteApplication(trx, actor.accountId, saasid);
        await deps.changes.publish(trx, { topic: APPLICATION_TOPIC, key: saasid });
        await deps.customerViews.announceChange(trx, actor.accountId);
        await audit.record(trx, actor, { action: 'application.deleted', targetKind: 'application', targetId: saasid, details: { name: current.name } });
        return evict;
      });
      afterCommit();
      deps.changes.announceHere({ topic: APPLICATION_TOPIC, key: saasid });
      deps.customerViews.drop(actor.accountId);
    },
  };
}

export type ApplicationService = ReturnType<typeof createApplicationService>;
