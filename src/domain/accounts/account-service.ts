import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import { findAccount, insertAccount, listAccounts, lockAccount, type AccountRecord } from '../../db/repositories/accounts-repository.js';
import { countAdmins } from '../../db/repositories/admins-repository.js';
import { insertCredential } from '../../db/repositories/credentials-repository.js';
import { insertSetupToken } from '../../db/repositories/setup-tokens-repository.js';
import { AppError } from '../../errors.js';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import { parseInput } from '../validation.js';

export type Account = AccountRecord;

export const accountNameSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters long');

const accountInput = z.strictObject({ name: accountNameSchema });

export const SETUP_TOKEN_TTL_MS = 24 * 3600_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function createAccountService(deps: { db: Kysely<DB>; clock: Clock; audit: AuditLog }) {
  const { db, clock, audit } = deps;

  const createAccount = async (actorOf: (accountId: string) => Actor, name: string): Promise<{ account: Account; globalClientId: string }> => {
    const validName = parseInput(accountInput, { name }).name;
    const now = clock.now();
    const account: Account = { id: randomUUID(), name: validName, createdAt: now };
    // The global credentials' client ID is a GUID fixed at creation; the admin sets the secret later.
    const globalClientId = randomUUID();
    await db.transaction().execute(async (trx) => {
      await insertAccount(trx, account);
      await insertCredential(trx, {
        id: randomUUID(),
        accountId: account.id,
        kind: 'global',
        clientId: globalClientId,
        description: 'Global credentials',
        secretHash: null,
        secretHint: null,
        enabled: false,
        createdAt: now,
        updatedAt: now,
        secretUpdatedAt: null,
        lastUsedAt: null,
        applicationId: null,
      });
      await audit.record(trx, actorOf(account.id), { action: 'account.created', targetKind: 'account', targetId: account.id, details: { name: validName } });
    });
    return { account, globalClientId };
  };

  return {
    createAccount,

    async getAccount(id: string): Promise<Account> {
      const account = await findAccount(db, id);
      if (!account) throw new AppError('ACCOUNT_NOT_FOUND', `No account with id ${id}.`);
      return account;
    },

    listAccounts: () => listAccounts(db),

    /** On first start there is no account: create the default one. Returns the first account. */
    async ensureDefaultAccount(actorOf: (accountId: string) => Actor): Promise<{ account: Account; created: boolean }> {
      const [first] = await listAccounts(db);
      if (first) return { account: first, created: false };
      const { account } = await createAccount(actorOf, 'Default account');
      return { account, created: true };
    },

    /**
     * A link for creating an account's first admin, valid for 24 hours. Links issued before stay
     * valid (another instance may have printed one that someone is about to open); creating the
     * first admin voids them all. Only while the account has no admin: there is never a default password.
     */
    async issueSetupToken(accountId: string): Promise<string | undefined> {
      const token = randomBytes(32).toString('base64url');
      const now = clock.now();
      // Under the account lock, so that no link is stored after a racing setup created the first admin.
      return db.transaction().execute(async (trx) => {
        if (!(await lockAccount(trx, accountId)) || (await countAdmins(trx, accountId)) > 0) return undefined;
        await insertSetupToken(trx, { tokenHash: hashToken(token), accountId, createdAt: now, expiresAt: now + SETUP_TOKEN_TTL_MS });
        return token;
      });
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
