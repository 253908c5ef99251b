import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import { findAccount } from '../../db/repositories/accounts-repository.js';
import { countAdmins, findAdminByEmail, insertAdmin, recordAdminSignIn } from '../../db/repositories/admins-repository.js';
import { deleteExpiredSessions, deleteSession, findLiveSession, insertSession } from '../../db/repositories/sessions-repository.js';
import { consumeSetupToken, findLiveSetupToken } from '../../db/repositories/setup-tokens-repository.js';
import { AppError } from '../../errors.js';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import { hashSecret, verifyAgainstDummy, verifySecret } from '../credentials/secrets.js';
import { throttleKeyForAddress, type Throttle } from '../throttle/throttle.js';
import { parseInput } from '../validation.js';
import { hashToken } from './account-service.js';

export const ADMIN_PASSWORD_MIN_LENGTH = 12;

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
      return db.transaction().execute((trx) => insertNewAdmin(trx, actor, accountId, valid, passwordHash));
    },

    async isSetupTokenValid(token: string): Promise<boolean> {
      return (await findLiveSetupToken(db, hashToken(token), clock.now())) !== undefined;
    },

    /** Creates the first admin of an account with a one-time setup token, and signs them in. */
    async completeSetup(token: string, input: NewAdminInput, sourceIp: string) {
      const valid = parseInput(newAdminInput, input);
      const tokenHash = hashToken(token);
      const live = await findLiveSetupToken(db, tokenHash, clock.now());
      if (!live) throw new AppError('SETUP_TOKEN_INVALID', 'This setup link is not valid any more. Restart the server or run "ssobridge admin create".');
      const passwordHash = await hashSecret(valid.password);
      const admin = await db.transaction().execute(async (trx) => {
        if (!(await consumeSetupToken(trx, tokenHash)) || (await countAdmins(trx, live.accountId)) > 0) {
          throw new AppError('SETUP_TOKEN_INVALID', 'This setup link has already been used.');
        }
        const setupActor: Actor = { kind: 'operator', id: 'setup-link', label: 'first-admin setup link', accountId: live.accountId, sourceIp };
        return insertNewAdmin(trx, setupActor, live.accountId, valid, passwordHash);
      });
      return startSession(admin, sourceIp);
    },

    /** Checks an email and password, throttled per source address and per email before the slow hash. */
    async signIn(credentials: { email: string; password: string }, sourceIp: string) {
      const email = credentials.email.trim().toLowerCase();
      const reservation = await throttle.reserve([`signin-${throttleKeyForAddress(sourceIp)}`, `signin-email:${email}`]);
      const admin = await findAdminByEmail(db, email);
      const ok = admin ? await verifySecret(admin.passwordHash, credentials.password) : await verifyAgainstDummy(credentials.password);
      if (!admin || !ok) {
        if (admin) {
          await db.transaction().execute((trx) =>
            audit.record(trx, adminActor(admin, sourceIp), { action: 'admin.sign_in_failed', targetKind: 'admin', targetId: admin.id }),
          );
        }
        throw new AppError('INVALID_SIGN_IN', 'The email address or password is not correct.');
      }
      await reservation.release();
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
