import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { ChangeFeed } from '../../db/change-feed.js';
import type { DB } from '../../db/schema.js';
import { lockAccount } from '../../db/repositories/accounts-repository.js';
import {
  countCredentials,
  deleteCredential,
  findCredential,
  insertCredential,
  listCredentials,
  updateCredential,
  type CredentialPatch,
  type CredentialRecord,
} from '../../db/repositories/credentials-repository.js';
import { z } from 'zod';
import { findApplication } from '../../db/repositories/applications-repository.js';
import { AppError, validationError } from '../../errors.js';
import { applicationCredentialInput } from '../applications/application-schemas.js';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import { newEvent, type CredentialEventData } from '../events/event-data.js';
import type { EventLog } from '../events/event-log.js';
import { parseInput } from '../validation.js';
import {
  createConnectionApiCredentialInput,
  descriptionSchema,
  updateConnectionApiCredentialInput,
  updateGlobalCredentialInput,
  type CreateConnectionApiCredentialInput,
  type UpdateConnectionApiCredentialInput,
  type UpdateGlobalCredentialInput,
} from './credential-schemas.js';
import { generateSecret, hashSecret, secretHint } from './secrets.js';
import { CREDENTIAL_TOPIC, type VerifiedCredentialCache } from './verified-credential-cache.js';

/** What any surface may see of a credential: never the secret or its hash. */
export interface CredentialView {
  id: string;
  kind: CredentialRecord['kind'];
  clientId: string;
  description: string;
  /** e.g. `ssbs_…x9Qa`; null when no secret was ever set (a new account's global credential). */
  secretHint: string | null;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
  secretUpdatedAt: number | null;
  lastUsedAt: number | null;
  /** Application credentials: the saasid they are bound to. */
  applicationId: string | null;
}

/** Returned once, by the operation that set the secret; the only time it exists in plaintext. */
export interface CredentialWithSecret {
  credential: CredentialView;
  clientSecret: string;
}

const applicationCredentialUpdateInput = z.strictObject({ description: descriptionSchema });

export const MAX_CONNECTION_API_CREDENTIALS = 3;
export const MAX_APPLICATION_CREDENTIALS = 30;

/** The limits, worded once: the API error, the console's disabled Add button and its wizard all say this. */
export const CONNECTION_API_CREDENTIAL_LIMIT_MESSAGE = `An account can have at most ${MAX_CONNECTION_API_CREDENTIALS} Connection API credentials. Delete one to add another.`;
export const APPLICATION_CREDENTIAL_LIMIT_MESSAGE = `An account can have at most ${MAX_APPLICATION_CREDENTIALS} application credentials. Delete one to add another.`;

export function toCredentialView(r: CredentialRecord): CredentialView {
  return {
    id: r.id,
    kind: r.kind,
    clientId: r.clientId,
    description: r.description,
    secretHint: r.secretHint,
    enabled: r.enabled,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    secretUpdatedAt: r.secretUpdatedAt,
    lastUsedAt: r.lastUsedAt,
    applicationId: r.applicationId,
  };
}

/** What a credential event says about it: never the secret, its hash or its hint. */
function credentialEventData(r: CredentialRecord, secretChanged?: boolean): CredentialEventData {
  return {
    id: r.id,
    kind: r.kind,
    clientId: r.clientId,
    description: r.description,
    enabled: r.enabled,
    saasid: r.applicationId,
    ...(secretChanged !== undefined && { secretChanged }),
  };
}

export function createCredentialService(deps: {
  db: Kysely<DB>;
  clock: Clock;
  audit: AuditLog;
  events: EventLog;
  changes: ChangeFeed;
  cache: VerifiedCredentialCache;
}) {
  const { db, clock, audit, events, changes, cache } = deps;

  const notFound = () => new AppError('CREDENTIAL_NOT_FOUND', 'No such credential in this account.');

  /** Applies a change, announces it to every instance, and evicts it here before returning. */
  const commitChange = async <T>(clientId: string, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> => {
    const result = await db.transaction().execute(async (trx) => {
      const value = await work(trx);
      await changes.publish(trx, { topic: CREDENTIAL_TOPIC, key: clientId });
      return value;
    });
    cache.evict(clientId);
    return result;
  };

  const newSecret = async (custom: string | undefined) => {
    const secret = custom ?? generateSecret();
    return { secret, hash: await hashSecret(secret), hint: secretHint(secret) };
  };

  const findGlobal = async (accountId: string) => {
    const [global] = await listCredentials(db, accountId, 'global');
    if (!global) throw new AppError('ACCOUNT_NOT_FOUND', 'The account has no global credentials.');
    return global;
  };

  const limits = {
    connection_api: {
      max: MAX_CONNECTION_API_CREDENTIALS,
      message: CONNECTION_API_CREDENTIAL_LIMIT_MESSAGE,
    },
    application: {
      max: MAX_APPLICATION_CREDENTIALS,
      message: APPLICATION_CREDENTIAL_LIMIT_MESSAGE,
    },
  } as const;

  /** Creates a credential of a kind with a per-account limit; the count and insert share one lock. */
  const createLimited = async (
    actor: Actor,
    spec: { kind: keyof typeof limits; description: string; customSecret: string | undefined; applicationId: string | null },
  ): Promise<CredentialWithSecret> => {
    // Hash outside the transaction: the slow hash must not hold the account lock.
    const secret = await newSecret(spec.customSecret);
    const now = clock.now();
    const record: CredentialRecord = {
      id: randomUUID(),
      accountId: actor.accountId,
      kind: spec.kind,
      clientId: randomUUID(),
      description: spec.description,
      secretHash: secret.hash,
      secretHint: secret.hint,
      enabled: true,
      createdAt: now,
      updatedAt: now,
      secretUpdatedAt: now,
      lastUsedAt: null,
      applicationId: spec.applicationId,
    };
    await db.transaction().execute(async (trx) => {
      if (!(await lockAccount(trx, actor.accountId))) throw new AppError('ACCOUNT_NOT_FOUND', 'The account does not exist.');
      if ((await countCredentials(trx, actor.accountId, spec.kind)) >= limits[spec.kind].max) {
        throw new AppError('CREDENTIAL_LIMIT_REACHED', limits[spec.kind].message);
      }
      await insertCredential(trx, record);
      await events.record(trx, newEvent('credential.created', actor.accountId, null, credentialEventData(record)));
      await audit.record(trx, actor, {
        action: `${spec.kind}_credential.created`,
        targetKind: 'credential',
        targetId: record.clientId,
        details: {
          description: spec.description,
          secretHint: secret.hint,
          customSecret: spec.customSecret !== undefined,
          ...(spec.applicationId && { saasid: spec.applicationId }),
        },
      });
    });
    return { credential: toCredentialView(record), clientSecret: secret.secret };
  };

  return {
    async listConnectionApiCredentials(accountId: string): Promise<CredentialView[]> {
      return (await listCredentials(db, accountId, 'connection_api')).map(toCredentialView);
    },

    async getConnectionApiCredential(accountId: string, id: string): Promise<CredentialView> {
      const record = await findCredential(db, accountId, id);
      if (!record || record.kind !== 'connection_api') throw notFound();
      return toCredentialView(record);
    },

    async createConnectionApiCredential(actor: Actor, input: CreateConnectionApiCredentialInput): Promise<CredentialWithSecret> {
      const { description, clientSecret } = parseInput(createConnectionApiCredentialInput, input);
      return createLimited(actor, { kind: 'connection_api', description, customSecret: clientSecret, applicationId: null });
    },

    async listApplicationCredentials(accountId: string): Promise<CredentialView[]> {
      return (await listCredentials(db, accountId, 'application')).map(toCredentialView);
    },

    /** Application credentials: always a generated secret, bound to one application. */
    async createApplicationCredential(actor: Actor, input: z.input<typeof applicationCredentialInput>): Promise<CredentialWithSecret> {
      const { saasid, description } = parseInput(applicationCredentialInput, input);
      const application = await findApplication(db, actor.accountId, saasid);
      if (!application) {
        throw new AppError('APPLICATION_NOT_FOUND', `No application with saasid ${saasid} in this account.`, {
          fields: [{ field: 'saasid', message: 'is not one of your applications' }],
        });
      }
      // Only REST apps exchange tokens; SAML apps receive signed assertions, OIDC apps have their own client secrets.
      if (application.kind !== 'rest') {
        const why = application.kind === 'oidc' ? 'OIDC applications authenticate with their own client secrets' : 'SAML applications receive signed assertions, not tokens';
        throw validationError([{ field: 'saasid', message: `must be a REST application: ${why}` }]);
      }
      return createLimited(actor, { kind: 'application', description, customSecret: undefined, applicationId: saasid });
    },

    /** Only the description of an application credential can change; rotate by creating a new one. */
    async updateApplicationCredential(actor: Actor, id: string, input: { description: string }): Promise<CredentialView> {
      const { description } = parseInput(applicationCredentialUpdateInput, input);
      const current = await findCredential(db, actor.accountId, id);
      if (!current || current.kind !== 'application') throw notFound();
      await db.transaction().execute(async (trx) => {
        await updateCredential(trx, actor.accountId, id, { description, updatedAt: clock.now() });
        await events.record(trx, newEvent('credential.updated', actor.accountId, null, credentialEventData({ ...current, description }, false)));
        await audit.record(trx, actor, { action: 'application_credential.updated', targetKind: 'credential', targetId: current.clientId, details: { description } });
      });
      return toCredentialView({ ...current, description, updatedAt: clock.now() });
    },

    async deleteApplicationCredential(actor: Actor, id: string): Promise<void> {
      const current = await findCredential(db, actor.accountId, id);
      if (!current || current.kind !== 'application') throw notFound();
      await commitChange(current.clientId, async (trx) => {
        await deleteCredential(trx, actor.accountId, id);
        await events.record(trx, newEvent('credential.deleted', actor.accountId, null, credentialEventData(current)));
        await audit.record(trx, actor, { action: 'application_credential.deleted', targetKind: 'credential', targetId: current.clientId, details: { description: current.description } });
      });
    },

    /**
     * Inside an application's deletion: announces that its credentials are gone (with a
     * `credential.deleted` event each). Returns what to
     * run after the commit to evict them here at once.
     */
    async revokeApplicationCredentials(trx: Kysely<DB>, accountId: string, saasid: string): Promise<() => void> {
      const bound = (await listCredentials(trx, accountId, 'application')).filter((c) => c.applicationId === saasid);
      for (const c of bound) {
        await changes.publish(trx, { topic: CREDENTIAL_TOPIC, key: c.clientId });
        await events.record(trx, newEvent('credential.deleted', accountId, null, credentialEventData(c)));
      }
      return () => bound.forEach((c) => cache.evict(c.clientId));
    },

    /** Changes the description and/or the secret; the client ID never changes. */
    async updateConnectionApiCredential(
      actor: Actor,
      id: string,
      input: UpdateConnectionApiCredentialInput,
    ): Promise<{ credential: CredentialView; clientSecret: string | undefined }> {
      const change = parseInput(updateConnectionApiCredentialInput, input);
      const current = await findCredential(db, actor.accountId, id);
      if (!current || current.kind !== 'connection_api') throw notFound();
      const replacesSecret = change.clientSecret !== undefined || change.generateSecret === true;
      const secret = replacesSecret ? await newSecret(change.clientSecret) : undefined;
      const now = clock.now();
      const patch: CredentialPatch = {
        updatedAt: now,
        ...(change.description !== undefined && { description: change.description }),
        ...(secret && { secretHash: secret.hash, secretHint: secret.hint, secretUpdatedAt: now }),
      };
      await commitChange(current.clientId, async (trx) => {
        const still = await findCredential(trx, actor.accountId, id);
        if (!still) throw notFound();
        await updateCredential(trx, actor.accountId, id, patch);
        await events.record(trx, newEvent('credential.updated', actor.accountId, null, credentialEventData({ ...still, ...patch }, replacesSecret)));
        await audit.record(trx, actor, {
          action: 'connection_api_credential.updated',
          targetKind: 'credential',
          targetId: current.clientId,
          details: {
            ...(change.description !== undefined && { description: change.description }),
            secretChanged: replacesSecret,
            ...(secret && { secretHint: secret.hint }),
          },
        });
      });
      const updated = await findCredential(db, actor.accountId, id);
      if (!updated) throw notFound();
      return { credential: toCredentialView(updated), clientSecret: secret?.secret };
    },

    async deleteConnectionApiCredential(actor: Actor, id: string): Promise<void> {
      const current = await findCredential(db, actor.accountId, id);
      if (!current || current.kind !== 'connection_api') throw notFound();
      await commitChange(current.clientId, async (trx) => {
        await deleteCredential(trx, actor.accountId, id);
        await events.record(trx, newEvent('credential.deleted', actor.accountId, null, credentialEventData(current)));
        await audit.record(trx, actor, {
          action: 'connection_api_credential.deleted',
          targetKind: 'credential',
          targetId: current.clientId,
          details: { description: current.description },
        });
      });
    },

    async getGlobalCredential(accountId: string): Promise<CredentialView> {
      return toCredentialView(await findGlobal(accountId));
    },

    /** Sets the admin-chosen secret and/or the Enabled flag of the account's global credentials. */
    async updateGlobalCredential(actor: Actor, input: UpdateGlobalCredentialInput): Promise<CredentialView> {
      const change = parseInput(updateGlobalCredentialInput, input);
      const current = await findGlobal(actor.accountId);
      if (change.enabled === true && current.secretHash === null && change.clientSecret === undefined) {
        throw new AppError('GLOBAL_SECRET_NOT_SET', 'Set a client secret before enabling the global credentials.', {
          fields: [{ field: 'enabled', message: 'set a client secret first' }],
        });
      }
      const secret = change.clientSecret !== undefined ? await newSecret(change.clientSecret) : undefined;
      const now = clock.now();
      await commitChange(current.clientId, async (trx) => {
        const patch: CredentialPatch = {
          updatedAt: now,
          ...(change.enabled !== undefined && { enabled: change.enabled }),
          ...(secret && { secretHash: secret.hash, secretHint: secret.hint, secretUpdatedAt: now }),
        };
        await updateCredential(trx, actor.accountId, current.id, patch);
        await events.record(trx, newEvent('credential.updated', actor.accountId, null, credentialEventData({ ...current, ...patch }, secret !== undefined)));
        await audit.record(trx, actor, {
          action: 'global_credential.updated',
          targetKind: 'credential',
          targetId: current.clientId,
          details: {
            ...(change.enabled !== undefined && { enabled: change.enabled }),
            secretChanged: secret !== undefined,
            ...(secret && { secretHint: secret.hint }),
          },
        });
      });
      return toCredentialView(await findGlobal(actor.accountId));
    },
  };
}

export type CredentialService = ReturnType<typeof createCredentialService>;
