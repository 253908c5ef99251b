import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import { findApplication, lockApplication, type ApplicationRecord } from '../../db/repositories/applications-repository.js';
import {
  deleteOidcClientSecret,
  insertOidcClientSecret,
  listOidcClientSecrets,
  type OidcClientSecretRecord,
} from '../../db/repositories/oidc-client-secrets-repository.js';
import { AppError } from '../../errors.js';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import { generateSecret, secretHint } from '../credentials/secrets.js';
import { applicationKindPhrase } from './application-kind-label.js';

/** Two, as PingOne's "Add Secret": a new secret goes live beside the old one, so rotation needs no downtime. */
export const MAX_OIDC_CLIENT_SECRETS = 2;

/** Worded once: the API error, the console's disabled "Add Secret" button and docs say this. */
export const OIDC_CLIENT_SECRET_LIMIT_MESSAGE = `An OIDC application can have at most ${MAX_OIDC_CLIENT_SECRETS} client secrets. Delete one to add another.`;
export const OIDC_LAST_CLIENT_SECRET_MESSAGE =
  'An OIDC application keeps at least one client secret, or it could no longer redeem codes at the token endpoint. Add a new secret first, then delete this one.';

/** What any surface may see of a client secret: never the secret or its digest. */
export interface OidcClientSecretView {
  id: string;
  slot: 1 | 2;
  /** e.g. `ssbs_…x9Qa`. */
  hint: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** Returned once, by the operation that generated the secret; the only time it exists in plaintext. */
export interface NewOidcClientSecret {
  secret: string;
  view: OidcClientSecretView;
}

/**
 * The stored form of a client secret: SHA-256, hex. Secrets are only ever generated here, with
 * generateSecret() (256 random bits), never typed by a person, so no dictionary or brute force
 * can reverse the digest and a slow password hash (argon2id, as for credentials an admin may
 * choose) would buy nothing; a fast digest keeps the token endpoint's client check cheap.
 */
export function oidcSecretDigest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function toView(r: OidcClientSecretRecord): OidcClientSecretView {
  return { id: r.id, slot: r.slot, hint: r.secretHint, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt };
}

const limitReached = () => new AppError('OIDC_CLIENT_SECRET_LIMIT', OIDC_CLIENT_SECRET_LIMIT_MESSAGE);

/**
 * Generates a secret and stores its digest in a free slot of the application, inside the
 * caller's transaction, with its audit event. Two racing calls may both see the same free slot:
 * the UNIQUE (application_id, slot) constraint lets one insert, and the other gets the limit error.
 */
export async function storeNewOidcClientSecret(
  trx: Kysely<DB>,
  deps: { audit: AuditLog; now: number },
  actor: Actor,
  application: Pick<ApplicationRecord, 'id' | 'accountId'>,
): Promise<NewOidcClientSecret> {
  const taken = new Set((await listOidcClientSecrets(trx, application.id)).map((s) => s.slot));
  const slot = ([1, 2] as const).find((s) => !taken.has(s));
  if (slot === undefined) throw limitReached();
  const secret = generateSecret();
  const record: OidcClientSecretRecord = {
    id: randomUUID(),
    accountId: application.accountId,
    applicationId: application.id,
    slot,
    secretHash: oidcSecretDigest(secret),
    secretHint: secretHint(secret),
    createdAt: deps.now,
    lastUsedAt: null,
  };
  if (!(await insertOidcClientSecret(trx, record))) throw limitReached();
  await deps.audit.record(trx, actor, {
    action: 'oidc_client_secret.created',
    targetKind: 'application',
    targetId: application.id,
    details: { secretId: record.id, secretHint: record.secretHint },
  });
  return { secret, view: toView(record) };
}

/** Client secrets of OIDC applications (Applications › an OIDC app › Client secrets). */
export function createOidcClientSecretService(deps: { db: Kysely<DB>; clock: Clock; audit: AuditLog }) {
  const { db, clock, audit } = deps;

  const notFound = (saasid: string) => new AppError('APPLICATION_NOT_FOUND', `No application with saasid ${saasid} in this account.`);

  const findOidcApplication = async (accountId: string, saasid: string): Promise<ApplicationRecord> => {
    const application = await findApplication(db, accountId, saasid);
    if (!application) throw notFound(saasid);
    if (application.kind !== 'oidc') {
      throw new AppError('APPLICATION_NOT_OIDC', `Only OIDC applications have client secrets; ${application.name} is ${applicationKindPhrase(application.kind)}.`);
    }
    return application;
  };

  return {
    /** The application's secrets, slot 1 first. */
    async listSecrets(accountId: string, saasid: string): Promise<OidcClientSecretView[]> {
      const application = await findOidcApplication(accountId, saasid);
      return (await listOidcClientSecrets(db, application.id)).map(toView);
    },

    /** "Add Secret": a new generated secret, returned once; refused beyond two. */
    async addSecret(actor: Actor, saasid: string): Promise<NewOidcClientSecret> {
      const application = await findOidcApplication(actor.accountId, saasid);
      return db.transaction().execute((trx) => storeNewOidcClientSecret(trx, { audit, now: clock.now() }, actor, application));
    },

    /**
     * Deletes one secret at once (codes are no longer redeemed with it). The last one stays, as in
     * Okta, which refuses to deactivate an app's only active secret: rotation is add, then delete.
     * The application row is locked so that two deletes racing on a two-secret app cannot both pass.
     */
    async deleteSecret(actor: Actor, saasid: string, secretId: string): Promise<void> {
      const application = await findOidcApplication(actor.accountId, saasid);
      await db.transaction().execute(async (trx) => {
        if (!(await lockApplication(trx, actor.accountId, application.id))) throw notFound(saasid);
        const secrets = await listOidcClientSecrets(trx, application.id);
        const secret = secrets.find((s) => s.id === secretId);
        if (!secret) throw new AppError('OIDC_CLIENT_SECRET_NOT_FOUND', 'This application has no such client secret.');
        if (secrets.length === 1) throw new AppError('OIDC_CLIENT_SECRET_LAST', OIDC_LAST_CLIENT_SECRET_MESSAGE);
        await deleteOidcClientSecret(trx, application.id, secret.id);
        await audit.record(trx, actor, {
          action: 'oidc_client_secret.deleted',
          targetKind: 'application',
          targetId: application.id,
          details: { secretId: secret.id, secretHint: secret.secretHint },
        });
      });
    },
  };
}

export type OidcClientSecretService = ReturnType<typeof createOidcClientSecretService>;
