import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { lockAccount } from '../../db/repositories/accounts-repository.js';
import {
  claimTotpStep,
  countUnusedRecoveryCodes,
  deleteAdminSecondFactor,
  findAdminTotp,
  findRequireMfa,
  replaceRecoveryCodes,
  savePendingAdminTotp,
  saveRequireMfa,
  useRecoveryCode,
} from '../../db/repositories/admin-mfa-repository.js';
import { findAdminById } from '../../db/repositories/admins-repository.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { SecretSealer } from '../keys/secret-sealer.js';
import type { FailureLimits, Throttle } from '../throttle/throttle.js';
import { parseInput } from '../validation.js';
import { asRecoveryCode, asTotpCode, hashRecoveryCode, matchTotpStep, newRecoveryCodes, newTotpSecret, totpUri } from './second-factor-codes.js';

/**
 * Wrong second-factor codes allowed per minute (docs/administrators.md). A code is one in a
 * million (three with the ±1 step window), and only someone who already has the password gets
 * to try one: 5 per admin and address, 10 per address, and past 10 for one admin from all
 * addresses only addresses that have not failed for that admin may go on, one attempt at a time,
 * so wrong codes from elsewhere cannot lock the real admin out.
 */
export const MFA_FAILURE_LIMITS: FailureLimits = { perAddress: 10, perIdentityAndAddress: 5, perIdentity: 10 };

const INVALID_CODE_MESSAGE = 'The code is not correct. Enter the current code from your authenticator app, or one of your recovery codes.';
const REPLAYED_CODE_MESSAGE = 'This code was already used. Wait for the next code in your authenticator app.';

export const requireMfaInput = z.strictObject({ requireMfa: z.boolean({ error: 'must be true or false' }) });

/** The admin's own second factor, as their page shows it. */
export type SecondFactorState =
  | { enrolled: true; recoveryCodesLeft: number }
  /** An enrolment waiting for its first code: the secret is shown so it can be typed in, the URI so it can be scanned. */
  | { enrolled: false; secret: string; uri: string };

export type SecondFactorMethod = 'totp' | 'recovery_code';

const sealingContext = (adminId: string) => `admin_totp:${adminId}`;
const adminOnly = (actor: Actor) => {
  if (actor.kind !== 'admin') throw new AppError('ADMIN_NOT_FOUND', 'Only a signed-in admin has a second factor.');
  return actor.id;
};

/**
 * Administrators' TOTP second factor and recovery codes (docs/administrators.md). The TOTP secret
 * is sealed under the key-encryption key; each accepted code moves the admin's last used time
 * step forward in one conditional update, so a code is accepted once, even by racing requests.
 */
export function createAdminMfaService(deps: { db: Kysely<DB>; clock: Clock; audit: AuditLog; sealer: SecretSealer; throttle: Throttle }) {
  const { db, clock, audit, sealer, throttle } = deps;

  const issueRecoveryCodes = async (trx: Kysely<DB>, adminId: string): Promise<string[]> => {
    const codes = newRecoveryCodes();
    await replaceRecoveryCodes(trx, adminId, codes.map((c) => hashRecoveryCode(asRecoveryCode(c) ?? c)), clock.now());
    return codes;
  };

  /** What the code is, if it is good now; a good TOTP code is used up by this call. */
  const checkCode = async (adminId: string, input: string, confirming: boolean): Promise<SecondFactorMethod | 'replayed' | undefined> => {
    const now = clock.now();
    const totpCode = asTotpCode(input);
    if (totpCode !== undefined) {
      const totp = await findAdminTotp(db, adminId);
      if (!totp || (totp.confirmedAt !== null) === confirming) return undefined;
      const step = matchTotpStep(sealer.open(totp.secretSealed, sealingContext(adminId)), totpCode, now);
      if (step === undefined) return undefined;
      return (await claimTotpStep(db, adminId, step, now, confirming)) ? 'totp' : 'replayed';
    }
    const recovery = confirming ? undefined : asRecoveryCode(input);
    if (recovery !== undefined && (await useRecoveryCode(db, adminId, hashRecoveryCode(recovery), now))) return 'recovery_code';
    return undefined;
  };

  /**
   * Checks a code (TOTP, or a recovery code unless confirming an enrolment), throttled per admin
   * and per address before anything is compared. A wrong or replayed code is audited (without
   * the code) and refused with INVALID_MFA_CODE.
   */
  const verify = async (admin: { id: string; accountId: string; email: string }, code: string, sourceIp: string, confirming = false): Promise<SecondFactorMethod> => {
    const reservation = await throttle.reserve({ sourceIp, identities: [`admin:${admin.id}`] });
    const outcome = await checkCode(admin.id, code, confirming);
    if (outcome === 'totp' || outcome === 'recovery_code') {
      await reservation.succeeded();
      return outcome;
    }
    await reservation.failed();
    const actor: Actor = { kind: 'admin', id: admin.id, label: admin.email, accountId: admin.accountId, sourceIp };
    await db.transaction().execute((trx) =>
      audit.record(trx, actor, { action: 'admin.mfa_failed', targetKind: 'admin', targetId: admin.id, details: { reason: outcome === 'replayed' ? 'code already used' : 'wrong code' } }),
    );
    throw new AppError('INVALID_MFA_CODE', outcome === 'replayed' ? REPLAYED_CODE_MESSAGE : INVALID_CODE_MESSAGE, {
      fields: [{ field: 'code', message: outcome === 'replayed' ? 'was already used' : 'is not correct' }],
    });
  };

  const actorAdmin = async (actor: Actor) => {
    const admin = await findAdminById(db, adminOnly(actor));
    if (!admin || admin.accountId !== actor.accountId) throw new AppError('ADMIN_NOT_FOUND', 'This administrator no longer exists.');
    return admin;
  };

  const isEnrolled = async (adminId: string): Promise<boolean> => (await findAdminTotp(db, adminId))?.confirmedAt != null;

  return {
    isEnrolled,
    verify,

    /** The admin's second factor, starting an enrolment (a new secret, not yet in force) when there is none. */
    async secondFactorOf(actor: Actor): Promise<SecondFactorState> {
      const admin = await actorAdmin(actor);
      const existing = await findAdminTotp(db, admin.id);
      if (existing?.confirmedAt != null) return { enrolled: true, recoveryCodesLeft: await countUnusedRecoveryCodes(db, admin.id) };
      let secret: string;
      if (existing) {
        secret = sealer.open(existing.secretSealed, sealingContext(admin.id));
      } else {
        secret = newTotpSecret();
        await db.transaction().execute((trx) => savePendingAdminTotp(trx, admin.id, sealer.seal(secret, sealingContext(admin.id)), clock.now()));
      }
      return { enrolled: false, secret, uri: totpUri(secret, admin.email) };
    },

    /** Confirms the enrolment with a first code; returns the recovery codes, shown this once. */
    async confirmEnrolment(actor: Actor, code: string): Promise<{ recoveryCodes: string[] }> {
      const admin = await actorAdmin(actor);
      const existing = await findAdminTotp(db, admin.id);
      if (existing?.confirmedAt != null) throw new AppError('MFA_ALREADY_ENROLLED', 'Two-step verification is already on for you. Turn it off first to set up another authenticator.');
      if (!existing) throw new AppError('MFA_NOT_ENROLLED', 'There is no enrolment to confirm: open the two-step verification page again.');
      await verify(admin, code, actor.sourceIp, true);
      const recoveryCodes = await db.transaction().execute(async (trx) => {
        const codes = await issueRecoveryCodes(trx, admin.id);
        await audit.record(trx, actor, { action: 'admin.mfa_enrolled', targetKind: 'admin', targetId: admin.id, details: { method: 'totp' } });
        return codes;
      });
      return { recoveryCodes };
    },

    /** New recovery codes (the old ones stop working), with a current code. */
    async regenerateRecoveryCodes(actor: Actor, code: string): Promise<{ recoveryCodes: string[] }> {
      const admin = await actorAdmin(actor);
      if (!(await isEnrolled(admin.id))) throw new AppError('MFA_NOT_ENROLLED', 'Two-step verification is not on for you.');
      await verify(admin, code, actor.sourceIp);
      const recoveryCodes = await db.transaction().execute(async (trx) => {
        const codes = await issueRecoveryCodes(trx, admin.id);
        await audit.record(trx, actor, { action: 'admin.recovery_codes_regenerated', targetKind: 'admin', targetId: admin.id });
        return codes;
      });
      return { recoveryCodes };
    },

    /** Turns the admin's own second factor off, with a current code; refused while the account requires it. */
    async disableOwn(actor: Actor, code: string): Promise<void> {
      const admin = await actorAdmin(actor);
      if (!(await isEnrolled(admin.id))) throw new AppError('MFA_NOT_ENROLLED', 'Two-step verification is not on for you.');
      if (await findRequireMfa(db, admin.accountId)) throw new AppError('MFA_REQUIRED', 'This account requires two-step verification of every administrator: it cannot be turned off.');
      await verify(admin, code, actor.sourceIp);
      await db.transaction().execute(async (trx) => {
        await deleteAdminSecondFactor(trx, admin.id);
        await audit.record(trx, actor, { action: 'admin.mfa_disabled', targetKind: 'admin', targetId: admin.id });
      });
    },

    /**
     * Another admin lost their authenticator: their second factor and recovery codes go, and they
     * sign in with the password alone (or, when the account requires MFA, enrol again first).
     */
    async resetForAdmin(actor: Actor, adminId: string): Promise<{ email: string }> {
      return db.transaction().execute(async (trx) => {
        await lockAccount(trx, actor.accountId);
        const target = await findAdminById(trx, adminId);
        if (!target || target.accountId !== actor.accountId) throw new AppError('ADMIN_NOT_FOUND', 'There is no such administrator in this account.');
        if (target.id === actor.id) throw new AppError('MFA_REQUIRED', 'To turn off your own two-step verification, use your own two-step verification page (it asks for a current code).');
        if (!(await deleteAdminSecondFactor(trx, target.id))) throw new AppError('MFA_NOT_ENROLLED', `${target.email} has no two-step verification to reset.`);
        await audit.record(trx, actor, { action: 'admin.mfa_reset', targetKind: 'admin', targetId: target.id, details: { email: target.email } });
        return { email: target.email };
      });
    },

    requiresMfa: (accountId: string) => findRequireMfa(db, accountId),

    /** Account › Administrators: "Require two-step verification for all administrators". Only an enrolled admin may turn it on. */
    async setRequireMfa(actor: Actor, input: unknown): Promise<void> {
      const valid = parseInput(requireMfaInput, input);
      if (valid.requireMfa && actor.kind === 'admin' && !(await isEnrolled(actor.id))) {
        throw new AppError('MFA_NOT_ENROLLED', 'Turn on two-step verification for yourself first, so that requiring it does not lock you out.');
      }
      await db.transaction().execute(async (trx) => {
        if (!(await lockAccount(trx, actor.accountId))) throw new AppError('ACCOUNT_NOT_FOUND', `No account with id ${actor.accountId}.`);
        if ((await findRequireMfa(trx, actor.accountId)) === valid.requireMfa) return;
        await saveRequireMfa(trx, actor.accountId, valid.requireMfa, clock.now());
        await audit.record(trx, actor, { action: 'admin_settings.updated', targetKind: 'account', targetId: actor.accountId, details: { requireMfa: valid.requireMfa ? 'yes' : 'no' } });
      });
    },
  };
}

export type AdminMfaService = ReturnType<typeof createAdminMfaService>;
