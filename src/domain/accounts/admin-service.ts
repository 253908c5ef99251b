import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import { findAccount, lockAccount } from '../../db/repositories/accounts-repository.js';
import { countAdmins, deleteAdmin, findAdminByEmail, findAdminById, insertAdmin, listAdmins, recordAdminSignIn, type AdminListing } from '../../db/repositories/admins-repository.js';
import { deleteExpiredSessions, deleteSession, findLiveSession, insertSession } from '../../db/repositories/sessions-repository.js';
import { deleteAccountSetupTokens, findLiveSetupToken } from '../../db/repositories/setup-tokens-repository.js';
import {
  acceptAdminInvitation,
  findOpenAdminInvitationByTokenHash,
  insertAdminInvitation,
  listOpenAdminInvitations,
  revokeAdminInvitation,
  revokeAdminInvitationsFor,
  revokeAdminInvitationsSentBy,
  type AdminInvitationRecord,
} from '../../db/repositories/admin-invitations-repository.js';
import { AppError, isAppError } from '../../errors.js';
import type { Mailer } from '../../mail/smtp-mailer.js';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import { hashSecret, verifyAgainstDummy, verifySecret } from '../credentials/secrets.js';
import type { Throttle } from '../throttle/throttle.js';
import { parseInput } from '../validation.js';
import { hashToken } from './account-service.js';
import type { AdminMfaService } from './admin-mfa-service.js';

export const ADMIN_PASSWORD_MIN_LENGTH = 12;

/** The operator's way to add an admin once setup links are void (docs/configuration.md, CLI). */
export const ADMIN_CREATE_COMMAND = 'npx ssobridge admin create --email you@example.com';

/** Said for a setup link that expired, was used, or lost its point because an admin exists. */
export const SETUP_LINK_INVALID_MESSAGE =
  `This setup link is no longer valid: it expired, or the first admin already exists. Admins sign in at /console/sign-in; to add one, run "${ADMIN_CREATE_COMMAND}" on the server.`;

/** How long an invitation link works. */
export const ADMIN_INVITATION_TTL_MS = 72 * 3_600_000;
export const ADMIN_INVITATION_PATH = '/console/join';

const invitationInvalid = () =>
  new AppError('ADMIN_INVITATION_INVALID', 'This invitation link is no longer valid: it expired, was used, or was revoked. Ask an administrator of the account for a new one.');

export const adminInvitationInput = z.strictObject({
  email: newAdminInput_email(),
});

function newAdminInput_email() {
  return z
    .email({ error: 'must be an email address' })
    .max(254, 'must be at most 254 characters long')
    .transform((e) => e.toLowerCase());
}

/** An invitation as the console shows it after creating it: the link carries its secret, so it is shown once and never stored. */
export interface CreatedAdminInvitation {
  invitation: AdminInvitationRecord;
  url: string;
  /** Whether it was mailed; when it was not (no SMTP_URL, or the server refused), `mailError` may say why. */
  sent: boolean;
  mailError?: string;
}

const setupLinkInvalid = () => new AppError('SETUP_TOKEN_INVALID', SETUP_LINK_INVALID_MESSAGE);

export const newAdminInput = z.strictObject({
  email: newAdminInput_email(),
  password: z
    .string({ error: 'must be a string' })
    .min(ADMIN_PASSWORD_MIN_LENGTH, `must be at least ${ADMIN_PASSWORD_MIN_LENGTH} characters long`)
    .max(256, 'must be at most 256 characters long'),
});
export type NewAdminInput = z.input<typeof newAdminInput>;

/** A session that has passed the password waits this long for the second factor. */
export const SECOND_FACTOR_TTL_MS = 5 * 60_000;

/**
 * How far a session may go: `full`; `second-factor` (password given, TOTP or recovery code not
 * yet: only the code page); `enrolment` (the account requires MFA and this admin has none: only
 * the enrolment page, until they have one).
 */
export type AdminSessionStage = 'full' | 'second-factor' | 'enrolment';

export interface AdminSession {
  sessionId: string;
  adminId: string;
  accountId: string;
  email: string;
  stage: AdminSessionStage;
}

/** What a correct password (or accepted invitation) leads to. */
export interface StartedSession {
  token: string;
  expiresAt: number;
  /** True when the admin must still give a code (the session opens only the code page). */
  secondFactorPending: boolean;
}

export function createAdminService(deps: {
  db: Kysely<DB>;
  clock: Clock;
  audit: AuditLog;
  throttle: Throttle;
  sessionTtlMs: number;
  mfa: Pick<AdminMfaService, 'isEnrolled' | 'verify'>;
  /** Undefined when no mail server is configured: invitation links are then copied, not sent. */
  mailer: Mailer | undefined;
  publicUrl: string;
}) {
  const { db, clock, audit, throttle, sessionTtlMs, mfa, mailer, publicUrl } = deps;

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

  const startSession = async (
    admin: { id: string; accountId: string; email: string },
    sourceIp: string,
    options: { secondFactor?: string; replacing?: string } = {},
  ): Promise<StartedSession> => {
    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      // A new token once the second factor is given: the half-signed-in one never becomes a full session.
      if (options.replacing !== undefined) await deleteSession(trx, options.replacing);
      await insertSession(trx, { id: hashToken(token), adminId: admin.id, accountId: admin.accountId, createdAt: now, expiresAt: now + sessionTtlMs, sourceIp });
      await recordAdminSignIn(trx, admin.id, now);
      await audit.record(trx, adminActor(admin, sourceIp), {
        action: 'admin.signed_in',
        targetKind: 'admin',
        targetId: admin.id,
        ...(options.secondFactor !== undefined && { details: { secondFactor: options.secondFactor } }),
      });
      await deleteExpiredSessions(trx, now);
    });
    return { token, expiresAt: now + sessionTtlMs, secondFactorPending: false };
  };

  /** After the password, for an admin with a second factor: a short session that opens only the code page. */
  const startSecondFactorSession = async (admin: { id: string; accountId: string }, sourceIp: string): Promise<StartedSession> => {
    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    await insertSession(db, {
      id: hashToken(token),
      adminId: admin.id,
      accountId: admin.accountId,
      createdAt: now,
      expiresAt: now + SECOND_FACTOR_TTL_MS,
      sourceIp,
      secondFactorPending: true,
    });
    return { token, expiresAt: now + SECOND_FACTOR_TTL_MS, secondFactorPending: true };
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
      if (await mfa.isEnrolled(admin.id)) return startSecondFactorSession(admin, sourceIp);
      return startSession(admin, sourceIp);
    },

    /**
     * The second step of signing in: a TOTP code or a recovery code for the session the password
     * started. Success replaces that session by a full one (a new token).
     */
    async completeSecondFactor(token: string, code: string, sourceIp: string): Promise<StartedSession> {
      const pending = await findLiveSession(db, hashToken(token), clock.now());
      if (!pending || !pending.secondFactorPending) throw new AppError('INVALID_SIGN_IN', 'This sign-in has expired. Sign in again.');
      const admin = { id: pending.adminId, accountId: pending.accountId, email: pending.adminEmail };
      const method = await mfa.verify(admin, code, sourceIp);
      return startSession(admin, sourceIp, { secondFactor: method, replacing: pending.id });
    },

    /** Whether invitations are mailed (SMTP_URL and SMTP_FROM are set). */
    canMailInvitations: mailer !== undefined,

    /**
     * Invites someone to become an admin of the account: a one-time link (only its SHA-256 is
     * kept) that replaces any open invitation for the same address, mailed when a mail server is
     * configured. The link is returned to be shown once.
     */
    async inviteAdmin(actor: Actor, input: { email: string }): Promise<CreatedAdminInvitation> {
      const valid = parseInput(adminInvitationInput, input);
      const token = randomBytes(32).toString('base64url');
      const now = clock.now();
      const invitation: AdminInvitationRecord = {
        id: randomUUID(),
        accountId: actor.accountId,
        email: valid.email,
        invitedById: actor.id,
        invitedByLabel: actor.label,
        createdAt: now,
        expiresAt: now + ADMIN_INVITATION_TTL_MS,
        revokedAt: null,
        acceptedAt: null,
      };
      const account = await db.transaction().execute(async (trx) => {
        await lockAccount(trx, actor.accountId);
        const found = await findAccount(trx, actor.accountId);
        if (!found) throw new AppError('ACCOUNT_NOT_FOUND', `No account with id ${actor.accountId}.`);
        if (await findAdminByEmail(trx, valid.email)) {
          throw new AppError('ADMIN_EXISTS', 'An admin with this email address already exists.', { fields: [{ field: 'email', message: 'is already used by an admin' }] });
        }
        await revokeAdminInvitationsFor(trx, actor.accountId, valid.email, now);
        await insertAdminInvitation(trx, { ...invitation, tokenHash: hashToken(token) });
        await audit.record(trx, actor, { action: 'admin_invitation.created', targetKind: 'admin_invitation', targetId: invitation.id, details: { email: valid.email } });
        return found;
      });
      const url = `${publicUrl}${ADMIN_INVITATION_PATH}?token=${token}`;
      if (!mailer) return { invitation, url, sent: false };
      try {
        await mailer.send({
          to: valid.email,
          subject: `You are invited to administer ${account.name} in ssobridge`,
          text: [
            `${actor.label} invites you to become an administrator of ${account.name} in ssobridge.`,
            '',
            'Open this link to choose your password (it works once, until ' + new Date(invitation.expiresAt).toISOString().replace('T', ' ').slice(0, 16) + ' UTC):',
            url,
            '',
            'If you did not expect this invitation, ignore this message.',
          ].join('\n'),
        });
      } catch (error) {
        if (!isAppError(error)) throw error;
        return { invitation, url, sent: false, mailError: error.message };
      }
      await db.transaction().execute((trx) =>
        audit.record(trx, actor, { action: 'admin_invitation.sent', targetKind: 'admin_invitation', targetId: invitation.id, details: { recipient: valid.email } }),
      );
      return { invitation, url, sent: true };
    },

    listOpenInvitations(accountId: string): Promise<AdminInvitationRecord[]> {
      return listOpenAdminInvitations(db, accountId, clock.now());
    },

    async revokeInvitation(actor: Actor, invitationId: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        if (!(await revokeAdminInvitation(trx, actor.accountId, invitationId, clock.now()))) {
          throw new AppError('ADMIN_INVITATION_INVALID', 'This invitation is no longer open: it was accepted, revoked or has expired.');
        }
        await audit.record(trx, actor, { action: 'admin_invitation.revoked', targetKind: 'admin_invitation', targetId: invitationId });
      });
    },

    /** The invitation behind a link, while it is open. */
    async openInvitation(token: string): Promise<{ email: string; expiresAt: number } | undefined> {
      const found = await findOpenAdminInvitationByTokenHash(db, hashToken(token), clock.now());
      return found && { email: found.email, expiresAt: found.expiresAt };
    },

    /**
     * The invitee chooses a password (the same rules as every admin's): the admin is created with
     * the invited address and signed in, and the link is used up, in one transaction.
     */
    async acceptInvitation(token: string, input: { password: string }, sourceIp: string): Promise<StartedSession> {
      const tokenHash = hashToken(token);
      const open = await findOpenAdminInvitationByTokenHash(db, tokenHash, clock.now());
      if (!open) throw invitationInvalid();
      const valid = parseInput(newAdminInput, { email: open.email, password: input.password });
      const passwordHash = await hashSecret(valid.password);
      const admin = await db.transaction().execute(async (trx) => {
        await lockAccount(trx, open.accountId);
        // An invitation speaks for the admin who sent it: once they are removed it admits nobody.
        if (!(await findAdminById(trx, open.invitedById))) throw invitationInvalid();
        // Used up first: of two racing acceptances only one gets past this line.
        if (!(await acceptAdminInvitation(trx, open.id, clock.now()))) throw invitationInvalid();
        // The admin is created on the inviter's word; the acceptance is the invitee's own act.
        const inviter: Actor = { kind: 'admin', id: open.invitedById, label: open.invitedByLabel, accountId: open.accountId, sourceIp };
        const created = await insertNewAdmin(trx, inviter, open.accountId, valid, passwordHash);
        const invitee: Actor = { kind: 'admin', id: created.id, label: created.email, accountId: open.accountId, sourceIp };
        await audit.record(trx, invitee, { action: 'admin_invitation.accepted', targetKind: 'admin_invitation', targetId: open.id, details: { email: open.email } });
        return created;
      });
      return startSession(admin, sourceIp);
    },

    /** Account › Administrators: every admin of the account, with last sign-in and whether MFA is on. */
    listAdmins(accountId: string): Promise<AdminListing[]> {
      return listAdmins(db, accountId);
    },

    /**
     * Removes an admin, never the last one: under the account lock, so two admins removing each
     * other at once leave one (the second removal sees one admin left, or finds its own actor gone).
     */
    async removeAdmin(actor: Actor, adminId: string): Promise<{ email: string }> {
      return db.transaction().execute(async (trx) => {
        await lockAccount(trx, actor.accountId);
        if (actor.kind === 'admin' && !(await findAdminById(trx, actor.id))) throw new AppError('ADMIN_NOT_FOUND', 'Your administrator account was removed.');
        const target = await findAdminById(trx, adminId);
        if (!target || target.accountId !== actor.accountId) throw new AppError('ADMIN_NOT_FOUND', 'There is no such administrator in this account.');
        if ((await countAdmins(trx, actor.accountId)) <= 1) {
          throw new AppError('LAST_ADMIN', `${target.email} is the account's only administrator: invite another one before removing this one.`);
        }
        await deleteAdmin(trx, target.id);
        const invitationsRevoked = await revokeAdminInvitationsSentBy(trx, actor.accountId, target.id, clock.now());
        await audit.record(trx, actor, { action: 'admin.removed', targetKind: 'admin', targetId: target.id, details: { email: target.email, invitationsRevoked } });
        return { email: target.email };
      });
    },

    async signOut(token: string): Promise<void> {
      await deleteSession(db, hashToken(token));
    },

    async resolveSession(token: string): Promise<AdminSession | undefined> {
      const session = await findLiveSession(db, hashToken(token), clock.now());
      if (!session) return undefined;
      const stage: AdminSessionStage = session.secondFactorPending ? 'second-factor' : session.accountRequiresMfa && !session.mfaEnrolled ? 'enrolment' : 'full';
      return { sessionId: session.id, adminId: session.adminId, accountId: session.accountId, email: session.adminEmail, stage };
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
