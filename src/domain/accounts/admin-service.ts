import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import { findAccount, lockAccount } from '../../db/repositories/accounts-repository.js';
import { countAdmins, findAdminByEmail, insertAdmin, recordAdminSignIn } from '../../db/repositories/admins-repository.js';
import { deleteExpiredSessions, deleteSession, findLiveSession, insertSession } from '../../db/repositories/sessions-repository.js';
import { deleteAccountSetupTokens, findLiveSetupToken } from '../../db/repositories/setup-tokens-repository.js';
import { AppError } from '../../errors.js';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import { hashSecret, verifyAgainstDummy, verifySecret } from '../credentials/secrets.js';
import type { Throttle } from '../throttle/throttle.js';
import { parseInput } from '../validation.js';
import { hashToken } from './account-service.js';

export const ADMIN_PASSWORD_MIN_LENGTH = 12;

/** The operator's way to add an admin once setup links are void (docs/configuration.md, CLI). */
export const ADMIN_CREATE_COMMAND = 'npx ssobridge admin create --email you@example.com';

/** Said for a setup link that expired, was used, or lost its point because an admin exists. */
export const SETUP_LINK_INVALID_MESSAGE =
  `This setup link is no longer valid: it expired, or the first admin already exists. Admins sign in at /console/sign-in; to add one, run "${ADMIN_CREATE_COMMAND}" on the server.`;

const setupLinkInvalid = () => new AppError('SETUP_TOKEN_INVALID', SETUP_LINK_INVALID_MESSAGE);

export const newAdminInput = z.strictObject({
  email: z
    .email({ error: 'must be an email address' })
    .max(254, 'must be at most 254 characters long')
    .transform((e) => e.toLowerCase()),
  password: z
    .string({ error: 'must be a string' })
    .min(ADMIN_PASSWORD_MIN_LENGTH, `must be at least ${ADMIN_PASSWORD_MIN_LENGTH} characters long`)
    .max(256, 'must be at most 256 characters long'),
});
export type NewAdminInput = z.input<typeof newAdminInput>;

export interface AdminSession {
  sessionId: string;
  adminId: string;
  accountId: string;
  email: string;
}

export function createAdminService(deps: { db: Kysely<DB>; clock: Clock; audit: AuditLog; throttle: Throttle; sessionTtlMs: number }) {
  const { db, clock, audit, throttle, sessionTtlMs } = deps;

  const adminActor = (admin: { id: string; accountId: string; email: string }, sourceIp: string): Actor => ({
    kind: 'admin',
    id: admin.id,
    label: admin.email,
    accountId: admin.accountId,
    sourceIp,
  });

  const insertNewAdmin = async (trx: Kysely<DB>, actor: Actor, accountId: string, input: z.output<typeof newAdminInput>, passwordHash: string) => {
    if (await findAdminByEmail(trx, input.email)) {
      throw new AppError('ADMIN_EXISTS', 'An admin with this email address already exists.', {
        fields: [{ field: 'email', message: 'is already used by another admin' }],
      });
    }
    const admin = { id: randomUUID(), accountId, email: input.email, passwordHash, createdAt: clock.now(), lastSignInAt: null };
    await insertAdmin(trx, admin);
    await audit.record(trx, { ...actor, accountId }, { action: 'admin.created', targetKind: 'admin', targetId: admin.id, details: { email: admin.email } });
    return admin;
  };

  const startSession = async (admin: { id: string; accountId: string; email: string }, sourceIp: string) => {
    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      await insertSession(trx, { id: hashToken(token), adminId: admin.id, accountId: admin.accountId, createdAt: now, expiresAt: now + sessionTtlMs, sourceIp });
      await recordAdminSignIn(trx, admin.id, now);
      await audit.record(trx, adminActor(admin, sourceIp), { action: 'admin.signed_in', targetKind: 'admin', targetId: admin.id });
      await deleteExpiredSessions(trx, now);
    });
    return { token, expiresAt: now + sessionTtlMs };
  };

  return {
    adminActor,

    /** Operator path (CLI): adds an admin to an account. */
    async createAdmin(actor: Actor, accountId: string, input: NewAdminInput) {
      const valid = parseInput(newAdminInput, input);
      if (!(await findAccount(db, accountId))) throw new AppError('ACCOUNT_NOT_FOUND', `No account with id ${accountId}.`);
      const passwordHash = await hashSecret(valid.password);
      return db.transaction().execute(async (trx) => {
        await lockAccount(trx, accountId);
        const admin = await insertNewAdmin(trx, actor, accountId, valid, passwordHash);
        // The account has an admin now: every first-admin link printed so far is void.
        await deleteAccountSetupTokens(trx, accountId);
        return admin;
      });
    },

    async isSetupTokenValid(token: string): Promise<boolean> {
      const live = await findLiveSetupToken(db, hashToken(token), clock.now());
      return live !== undefined && (await countAdmins(db, live.accountId)) === 0;
    },

    /**
     * Creates the first admin of an account with any of its unexpired setup links, and signs them
     * in. Every link of the account is consumed in the same transaction, under the account lock,
     * so links used at the same moment create exactly one admin.
     */
    async completeSetup(token: string, input: NewAdminInput, sourceIp: string) {
      const valid = parseInput(newAdminInput, input);
      const tokenHash = hashToken(token);
      const live = await findLiveSetupToken(db, tokenHash, clock.now());
      if (!live) throw setupLinkInvalid();
      const passwordHash = await hashSecret(valid.password);
      const admin = await db.transaction().execute(async (trx) => {
        await lockAccount(trx, live.accountId);
        // Re-read under the lock: a racing link may have created the admin and voided this one.
        if (!(await findLiveSetupToken(trx, tokenHash, clock.now())) || (await countAdmins(trx, live.accountId)) > 0) throw setupLinkInvalid();
        const setupActor: Actor = { kind: 'operator', id: 'setup-link', label: 'first-admin setup link', accountId: live.accountId, sourceIp };
        const created = await insertNewAdmin(trx, setupActor, live.accountId, valid, passwordHash);
        await deleteAccountSetupTokens(trx, live.accountId);
        return created;
      });
      return startSession(admin, sourceIp);
    },

    /**
     * Checks an email and password, throttled before the slow hash per source address, per
     * (email, address), and by a per-email ceiling that never refuses an address with no failures
     * for that email: wrong passwords from elsewhere cannot lock the admin out.
     */
    async signIn(credentials: { email: string; password: string }, sourceIp: string) {
      const email = credentials.email.trim().toLowerCase();
      const reservation = await throttle.reserve({ sourceIp, identities: [email] });
      const admin = await findAdminByEmail(db, email);
      const ok = admin ? await verifySecret(admin.passwordHash, credentials.password) : await verifyAgainstDummy(credentials.password);
      if (!admin || !ok) {
        await reservation.failed();
        if (admin) {
          await db.transaction().execute((trx) =>
            audit.record(trx, adminActor(admin, sourceIp), { action: 'admin.sign_in_failed', targetKind: 'admin', targetId: admin.id }),
          );
        }
        throw new AppError('INVALID_SIGN_IN', 'The email address or password is not correct.');
      }
      await reservation.succeeded();
      return startSession(admin, sourceIp);
    },

    async signOut(token: string): Promise<void> {
      await deleteSession(db, hashToken(token));
    },

    async resolveSession(token: string): Promise<AdminSession | undefined> {
      const session = await findLiveSession(db, hashToken(token), clock.now());
      return session && { sessionId: session.id, adminId: session.adminId, accountId: session.accountId, email: session.adminEmail };
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
