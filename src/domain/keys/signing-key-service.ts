import type { ChangeFeed } from '../../db/change-feed.js';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import { lockAccount } from '../../db/repositories/accounts-repository.js';
import {
  deleteSigningKey,
  insertSigningKey,
  listSigningKeys,
  setSigningKeyStatus,
  type SigningKeyRecord,
} from '../../db/repositories/signing-keys-repository.js';
import { listApplications } from '../../db/repositories/applications-repository.js';
import { AppError } from '../../errors.js';
import { parseCertificate, type CertificateInfo } from '../../saml/certificates.js';
import { generateSigningKeyPair } from '../../saml/signing-key-pair.js';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import { signingKeyContext } from './sealed-secrets.js';
import { SealedValueError, type SecretSealer } from './secret-sealer.js';

/** A signing key as surfaces see it: the certificate, never the private key. */
export interface SigningKeyView {
  id: string;
  status: SigningKeyRecord['status'];
  certificate: CertificateInfo;
  createdAt: number;
  promotedAt: number | null;
}

export interface ActiveSigningKey {
  id: string;
  privateKeyPem: string;
  certificatePem: string;
}

const toView = (k: SigningKeyRecord): SigningKeyView => ({
  id: k.id,
  status: k.status,
  certificate: parseCertificate(k.certificatePem),
  createdAt: k.createdAt,
  promotedAt: k.promotedAt,
});

/**
 * Each account's SAML signing keys: one active key signs; a renewal ("next") key can be added
 * and published in metadata ahead of time, then promoted without downtime. The first active key
 * is generated on first use. Private keys stay in the database, sealed under the key-encryption
 * key (a backup of the database alone signs nothing), and never leave this service except,
 * opened, to the signer.
 */
/** Change-feed topic of an account's signing keys (added, promoted, deleted), keyed by account id. */
export const SIGNING_KEYS_TOPIC = 'signing-keys';

export function createSigningKeyService(deps: { db: Kysely<DB>; clock: Clock; audit: AuditLog; sealer: SecretSealer; publicUrl: string; changes: ChangeFeed }) {
  const { db, clock, audit, sealer } = deps;
  const commonName = (accountId: string) => `ssobridge ${new URL(deps.publicUrl).host} ${accountId}`;

  const seal = (id: string, privateKeyPem: string) => sealer.seal(privateKeyPem, signingKeyContext(id));
  /** A key that does not open cannot sign: a clear error (the log says which key and why) rather than a library's. */
  const open = (k: SigningKeyRecord): string => {
    try {
      return sealer.open(k.sealedPrivateKey, signingKeyContext(k.id));
    } catch (error) {
      if (!(error instanceof SealedValueError)) throw error;
      throw new AppError('KEY_ENCRYPTION_KEY_MISMATCH', 'A signing key could not be used. The server\'s administrator has been told why.', {
        detail: `signing key ${k.id} of account ${k.accountId} does not open: ${error.message}`,
        cause: error,
      });
    }
  };

  const ensureKeys = async (accountId: string): Promise<SigningKeyRecord[]> => {
    const keys = await listSigningKeys(db, accountId);
    if (keys.some((k) => k.status === 'active')) return keys;
    // Generate outside the transaction (~250 ms); the locked re-check keeps one active key under races.
    const pair = await generateSigningKeyPair(commonName(accountId), clock.now());
    await db.transaction().execute(async (trx) => {
      if (!(await lockAccount(trx, accountId))) throw new AppError('ACCOUNT_NOT_FOUND', 'The account does not exist.');
      if ((await listSigningKeys(trx, accountId)).some((k) => k.status === 'active')) return;
      const id = randomUUID();
      await insertSigningKey(trx, { id, accountId, status: 'active', sealedPrivateKey: seal(id, pair.privateKeyPem), certificatePem: pair.certificatePem, notAfter: pair.notAfter, createdAt: clock.now(), promotedAt: clock.now() });
    });
    return listSigningKeys(db, accountId);
  };

  return {
    async listKeys(accountId: string): Promise<SigningKeyView[]> {
      return (await ensureKeys(accountId)).map(toView);
    },

    /** The certificates to publish in metadata: the active key first, then the renewal key if any. */
    async publishedCertificates(accountId: string): Promise<CertificateInfo[]> {
      const keys = await ensureKeys(accountId);
      return ['active', 'next'].flatMap((status) => keys.filter((k) => k.status === status).map((k) => parseCertificate(k.certificatePem)));
    },

    /** The key that signs for the account: the one an app pinned (while active or renewal), else the active one. */
    async activeKey(accountId: string, pinnedId?: string): Promise<ActiveSigningKey> {
      const keys = await ensureKeys(accountId);
      const key = (pinnedId && keys.find((k) => k.id === pinnedId && k.status !== 'retired')) || keys.find((k) => k.status === 'active')!;
      return { id: key.id, privateKeyPem: open(key), certificatePem: key.certificatePem };
    },

    /** The active key and the renewal key, if any, with their private keys: what signs OIDC tokens and what JWKS publishes. */
    async currentKeys(accountId: string): Promise<{ id: string; status: 'active' | 'next'; privateKeyPem: string }[]> {
      const keys = await ensureKeys(accountId);
      return keys.flatMap((k) => (k.status === 'retired' ? [] : [{ id: k.id, status: k.status, privateKeyPem: open(k) }]));
    },

    async addRenewalKey(actor: Actor): Promise<SigningKeyView> {
      await ensureKeys(actor.accountId);
      const pair = await generateSigningKeyPair(commonName(actor.accountId), clock.now());
      const id = randomUUID();
      const record: SigningKeyRecord = { id, accountId: actor.accountId, status: 'next', sealedPrivateKey: seal(id, pair.privateKeyPem), certificatePem: pair.certificatePem, notAfter: pair.notAfter, createdAt: clock.now(), promotedAt: null };
      await db.transaction().execute(async (trx) => {
        await lockAccount(trx, actor.accountId);
        if ((await listSigningKeys(trx, actor.accountId)).some((k) => k.status === 'next')) {
          throw new AppError('SIGNING_KEY_CONFLICT', 'A renewal key already exists. Promote it or delete it first.');
        }
        await insertSigningKey(trx, record);
        await deps.changes.publish(trx, { topic: SIGNING_KEYS_TOPIC, key: actor.accountId });
        await audit.record(trx, actor, { action: 'signing_key.renewal_added', targetKind: 'signing_key', targetId: record.id });
      });
      deps.changes.announceHere({ topic: SIGNING_KEYS_TOPIC, key: actor.accountId });
      return toView(record);
    },

    /** The renewal key becomes the active one; the old active key is retired (kept for the record). */
    async promoteRenewalKey(actor: Actor): Promise<SigningKeyView> {
      const promoted = await db.transaction().execute(async (trx) => {
        await lockAccount(trx, actor.accountId);
        const keys = await listSigningKeys(trx, actor.accountId);
        const next = keys.find((k) => k.status === 'next');
        if (!next) throw new AppError('SIGNING_KEY_NOT_FOUND', 'There is no renewal key to promote. Add one first.');
        for (const k of keys.filter((k) => k.status === 'active')) await setSigningKeyStatus(trx, actor.accountId, k.id, 'retired');
        await setSigningKeyStatus(trx, actor.accountId, next.id, 'active', clock.now());
        await deps.changes.publish(trx, { topic: SIGNING_KEYS_TOPIC, key: actor.accountId });
        await audit.record(trx, actor, { action: 'signing_key.promoted', targetKind: 'signing_key', targetId: next.id });
        return { ...next, status: 'active' as const, promotedAt: clock.now() };
      });
      deps.changes.announceHere({ topic: SIGNING_KEYS_TOPIC, key: actor.accountId });
      return toView(promoted);
    },

    async deleteRenewalKey(actor: Actor, id: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const key = (await listSigningKeys(trx, actor.accountId)).find((k) => k.id === id);
        if (!key || key.status !== 'next') throw new AppError('SIGNING_KEY_NOT_FOUND', 'No renewal key with this id. Only a renewal key can be deleted.');
        const pinnedBy = (await listApplications(trx, actor.accountId)).filter((a) => a.settings.signingKeyId === id);
        if (pinnedBy.length > 0) {
          throw new AppError('SIGNING_KEY_CONFLICT', `Applications sign with this key: ${pinnedBy.map((a) => a.name).join(', ')}. Choose another key for them first.`);
        }
        await deleteSigningKey(trx, actor.accountId, id);
        await deps.changes.publish(trx, { topic: SIGNING_KEYS_TOPIC, key: actor.accountId });
        await audit.record(trx, actor, { action: 'signing_key.renewal_deleted', targetKind: 'signing_key', targetId: id });
      });
      deps.changes.announceHere({ topic: SIGNING_KEYS_TOPIC, key: actor.accountId });
    },
  };
}

export type SigningKeyService = ReturnType<typeof createSigningKeyService>;
