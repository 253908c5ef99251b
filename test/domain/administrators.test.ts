import { sql, type Kysely } from 'kysely';
import * as OTPAuth from 'otpauth';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { lockAccount } from '../../src/db/repositories/accounts-repository.js';
import type { DB } from '../../src/db/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import { MFA_FAILURE_LIMITS } from '../../src/domain/accounts/admin-mfa-service.js';
import { ADMIN_INVITATION_TTL_MS, SECOND_FACTOR_TTL_MS } from '../../src/domain/accounts/admin-service.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { operatorActor, type TestInstance } from '../helpers/test-app.js';
import { startTestSmtpServer } from '../helpers/test-smtp-server.js';

afterAll(dropTestDatabases);

/** Until `count` PostgreSQL sessions of this database wait on a lock. */
async function waitForLockWaiters(db: Kysely<DB>, count: number): Promise<void> {
  for (;;) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
    if ((rows[0]?.n ?? 0) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const PASSWORD = 'correct horse battery staple';
const HOME = '192.0.2.10';
const ELSEWHERE = '198.51.100.20';

const tokenOf = (url: string) => new URL(url).searchParams.get('token') ?? '';

/** The code an authenticator app shows for this secret, `steps` time steps away from the server's clock. */
function codeAt(secret: string, now: number, steps = 0): string {
  return OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secret), timestamp: now + steps * 30_000 });
}

async function refusal(promise: Promise<unknown>): Promise<{ code?: string; message?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a refusal').toBeDefined();
  return error as { code?: string; message?: string };
}

describe.each(testDialects)('administrators and their second factor (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function accountWithAdmin(env: Record<string, string> = {}) {
    const instance = await apps.start({ env });
    const { services } = instance.app;
    const { account } = await services.accounts.createAccount(operatorActor, 'Acme SaaS');
    const admin = await services.admins.createAdmin(operatorActor(account.id), account.id, { email: 'first@acme.example', password: PASSWORD });
    const actor: Actor = { kind: 'admin', id: admin.id, label: admin.email, accountId: account.id, sourceIp: HOME };
    return { instance, services, accountId: account.id, admin, actor };
  }

  async function addAdmin(instance: TestInstance, inviter: Actor, email: string): Promise<Actor> {
    const { url } = await instance.app.services.admins.inviteAdmin(inviter, { email });
    await instance.app.services.admins.acceptInvitation(tokenOf(url), { password: PASSWORD }, HOME);
    const created = (await instance.app.services.admins.listAdmins(inviter.accountId)).find((a) => a.email === email)!;
    return { kind: 'admin', id: created.id, label: email, accountId: inviter.accountId, sourceIp: HOME };
  }

  /** Turns on TOTP for the actor; returns the secret an authenticator app would hold and the recovery codes. */
  async function enrol(instance: TestInstance, actor: Actor) {
    const { services } = instance.app;
    const state = await services.adminMfa.secondFactorOf(actor);
    if (state.enrolled) throw new Error('already enrolled');
    const { recoveryCodes } = await services.adminMfa.confirmEnrolment(actor, codeAt(state.secret, instance.clock.now()));
    // The next code accepted must be of a later step.
    instance.clock.advance(30_000);
    return { secret: state.secret, uri: state.uri, recoveryCodes };
  }

  async function auditText(instance: TestInstance, accountId: string): Promise<string> {
    return JSON.stringify((await instance.app.services.audit.list(accountId, { limit: 500 })).events);
  }

  it('invites an administrator by a one-time link that creates them with the password they choose, and keeps only its digest', async () => {
    const { instance, services, actor, accountId } = await accountWithAdmin();
    const created = await services.admins.inviteAdmin(actor, { email: 'Second@Acme.example' });
    expect(created).toMatchObject({ sent: false, invitation: { email: 'second@acme.example', expiresAt: instance.clock.now() + ADMIN_INVITATION_TTL_MS } });
    expect(created.url).toMatch(/^http:\/\/localhost:8080\/console\/join\?token=[A-Za-z0-9_-]{43}$/);
    const token = tokenOf(created.url);
    const rows = await instance.database.db.selectFrom('admin_invitations').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);

    await expect(services.admins.openInvitation(token)).resolves.toMatchObject({ email: 'second@acme.example' });
    expect(await refusal(services.admins.acceptInvitation(token, { password: 'short' }, HOME))).toMatchObject({ code: 'VALIDATION_FAILED' });
    const session = await services.admins.acceptInvitation(token, { password: PASSWORD }, HOME);
    expect(await services.admins.resolveSession(session.token)).toMatchObject({ email: 'second@acme.example', stage: 'full' });
    expect((await services.admins.listAdmins(accountId)).map((a) => a.email)).toEqual(['first@acme.example', 'second@acme.example']);
    await expect(services.admins.signIn({ email: 'second@acme.example', password: PASSWORD }, HOME)).resolves.toMatchObject({ secondFactorPending: false });

    // Used once: the link is dead now.
    await expect(services.admins.openInvitation(token)).resolves.toBeUndefined();
    expect(await refusal(services.admins.acceptInvitation(token, { password: PASSWORD }, HOME))).toMatchObject({ code: 'ADMIN_INVITATION_INVALID' });
    const actions = (await services.audit.list(accountId, { limit: 50 })).events.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['admin_invitation.created', 'admin.created', 'admin_invitation.accepted']));
  });

  it('mails the invitation through SMTP_URL when one is configured', async () => {
    const smtp = await startTestSmtpServer();
    try {
      const { services, actor } = await accountWithAdmin({ SMTP_URL: smtp.url, SMTP_FROM: 'ssobridge@saas.example' });
      const created = await services.admins.inviteAdmin(actor, { email: 'mailed@acme.example' });
      expect(created.sent).toBe(true);
      expect(smtp.messages).toHaveLength(1);
      expect(smtp.messages[0]!.to).toMatchObject({ text: 'mailed@acme.example' });
      expect(smtp.messages[0]!.text).toContain(created.url);
    } finally {
      await smtp.close();
    }
  });

  it('voids a revoked link, an expired link, and the earlier link when the same address is invited again', async () => {
    const { instance, services, actor } = await accountWithAdmin();
    const revoked = await services.admins.inviteAdmin(actor, { email: 'r@acme.example' });
    await services.admins.revokeInvitation(actor, revoked.invitation.id);
    expect(await refusal(services.admins.acceptInvitation(tokenOf(revoked.url), { password: PASSWORD }, HOME))).toMatchObject({ code: 'ADMIN_INVITATION_INVALID' });

    const first = await services.admins.inviteAdmin(actor, { email: 'again@acme.example' });
    const second = await services.admins.inviteAdmin(actor, { email: 'again@acme.example' });
    await expect(services.admins.openInvitation(tokenOf(first.url))).resolves.toBeUndefined();
    expect((await services.admins.listOpenInvitations(actor.accountId)).map((i) => i.id)).toEqual([second.invitation.id]);

    instance.clock.advance(ADMIN_INVITATION_TTL_MS);
    expect(await refusal(services.admins.acceptInvitation(tokenOf(second.url), { password: PASSWORD }, HOME))).toMatchObject({ code: 'ADMIN_INVITATION_INVALID' });
    expect(await refusal(services.admins.inviteAdmin(actor, { email: 'first@acme.example' }))).toMatchObject({ code: 'ADMIN_EXISTS' });
  });

  it("voids the links an administrator sent once they are removed, so nobody joins on a removed admin's word", async () => {
    const { instance, services, actor, accountId } = await accountWithAdmin();
    const leaving = await addAdmin(instance, actor, 'leaving@acme.example');
    // Sent before the removal: one still open, one revoked at removal, both refused after.
    const backdoor = await services.admins.inviteAdmin(leaving, { email: 'backdoor@evil.example' });
    await services.admins.removeAdmin(actor, leaving.id);
    expect(await refusal(services.admins.acceptInvitation(tokenOf(backdoor.url), { password: PASSWORD }, HOME))).toMatchObject({ code: 'ADMIN_INVITATION_INVALID' });
    expect((await services.admins.listAdmins(accountId)).map((a) => a.email)).toEqual(['first@acme.example']);
    expect(await services.admins.listOpenInvitations(accountId)).toEqual([]);
    const removed = (await services.audit.list(accountId, { limit: 50 })).events.find((e) => e.action === 'admin.removed');
    expect(removed).toMatchObject({ details: { email: 'leaving@acme.example', invitationsRevoked: 1 } });
  });

  it('creates one administrator when the same link is accepted twice at once', async () => {
    const { services, actor, accountId } = await accountWithAdmin();
    const { url } = await services.admins.inviteAdmin(actor, { email: 'race@acme.example' });
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => services.admins.acceptInvitation(tokenOf(url), { password: PASSWORD }, HOME)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect((await services.admins.listAdmins(accountId)).filter((a) => a.email === 'race@acme.example')).toHaveLength(1);
  });

  it('never removes the last administrator; an administrator may remove themself while another remains', async () => {
    const { instance, services, actor, accountId } = await accountWithAdmin();
    expect(await refusal(services.admins.removeAdmin(actor, actor.id))).toMatchObject({ code: 'LAST_ADMIN' });
    const second = await addAdmin(instance, actor, 'second@acme.example');
    const session = await services.admins.signIn({ email: 'second@acme.example', password: PASSWORD }, HOME);
    await services.admins.removeAdmin(second, second.id);
    expect((await services.admins.listAdmins(accountId)).map((a) => a.email)).toEqual(['first@acme.example']);
    // Their sessions went with them.
    await expect(services.admins.resolveSession(session.token)).resolves.toBeUndefined();
    expect(await refusal(services.admins.removeAdmin(actor, actor.id))).toMatchObject({ code: 'LAST_ADMIN' });
    const removed = (await services.audit.list(accountId, { limit: 50 })).events.find((e) => e.action === 'admin.removed');
    expect(removed).toMatchObject({ actorId: second.id, targetId: second.id, details: { email: 'second@acme.example' } });
  });

  it('leaves one administrator when two remove each other at the same moment', async () => {
    const { instance, services, actor, accountId } = await accountWithAdmin();
    const other = await addAdmin(instance, actor, 'other@acme.example');
    const removeEachOther = () => Promise.allSettled([services.admins.removeAdmin(actor, other.id), services.admins.removeAdmin(other, actor.id)]);
    let outcomes: PromiseSettledResult<unknown>[];
    if (dialect === 'postgres') {
      // Both removals start while another transaction holds the account, so they truly overlap.
      let release = () => {};
      let locked = () => {};
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holder = instance.database.db.transaction().execute(async (trx) => {
        await lockAccount(trx, accountId);
        locked();
        await new Promise<void>((resolve) => (release = resolve));
      });
      await isLocked;
      const removals = removeEachOther();
      await Promise.race([waitForLockWaiters(instance.database.db, 2), removals]);
      release();
      await holder;
      outcomes = await removals;
    } else {
      outcomes = await removeEachOther();
    }
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: { code: expect.stringMatching(/^(LAST_ADMIN|ADMIN_NOT_FOUND)$/) } });
    expect(await services.admins.listAdmins(accountId)).toHaveLength(1);
  });

  it('asks for a TOTP code after the password, accepting the codes one step either side of the clock and nothing further', async () => {
    const { instance, services, actor } = await accountWithAdmin();
    const { secret, uri } = await enrol(instance, actor);
    expect(uri).toMatch(/^otpauth:\/\/totp\/ssobridge:first%40acme\.example\?issuer=ssobridge&secret=[A-Z2-7]+&algorithm=SHA1&digits=6&period=30$/);

    // Past the enrolment's step, so that the code one step back is a fresh one.
    instance.clock.advance(30_000);
    const signIn = () => services.admins.signIn({ email: 'first@acme.example', password: PASSWORD }, HOME);
    const pending = await signIn();
    expect(pending.secondFactorPending).toBe(true);
    // The password alone opens only the code page.
    expect(await services.admins.resolveSession(pending.token)).toMatchObject({ stage: 'second-factor' });

    for (const steps of [2, -2]) {
      expect(await refusal(services.admins.completeSecondFactor(pending.token, codeAt(secret, instance.clock.now(), steps), HOME))).toMatchObject({ code: 'INVALID_MFA_CODE' });
    }
    const full = await services.admins.completeSecondFactor(pending.token, codeAt(secret, instance.clock.now(), -1), HOME);
    expect(await services.admins.resolveSession(full.token)).toMatchObject({ stage: 'full' });
    // The half-signed-in session is not the full one, and is gone.
    expect(full.token).not.toBe(pending.token);
    await expect(services.admins.resolveSession(pending.token)).resolves.toBeUndefined();

    const next = await signIn();
    await expect(services.admins.completeSecondFactor(next.token, codeAt(secret, instance.clock.now(), 1), HOME)).resolves.toMatchObject({ secondFactorPending: false });
  });

  it('refuses a code that was already accepted, and a code of an earlier step than the last accepted one', async () => {
    const { instance, services, actor } = await accountWithAdmin();
    const { secret } = await enrol(instance, actor);
    const code = codeAt(secret, instance.clock.now());
    const first = await services.admins.signIn({ email: 'first@acme.example', password: PASSWORD }, HOME);
    await services.admins.completeSecondFactor(first.token, code, HOME);

    const second = await services.admins.signIn({ email: 'first@acme.example', password: PASSWORD }, HOME);
    const replayed = await refusal(services.admins.completeSecondFactor(second.token, code, HOME));
    expect(replayed).toMatchObject({ code: 'INVALID_MFA_CODE', message: expect.stringContaining('already used') });
    expect(await refusal(services.admins.completeSecondFactor(second.token, codeAt(secret, instance.clock.now(), -1), HOME))).toMatchObject({ code: 'INVALID_MFA_CODE' });
    // Two requests racing with one fresh code: one passes.
    instance.clock.advance(30_000);
    const fresh = codeAt(secret, instance.clock.now());
    const third = await services.admins.signIn({ email: 'first@acme.example', password: PASSWORD }, HOME);
    const outcomes = await Promise.allSettled([
      services.admins.completeSecondFactor(second.token, fresh, HOME),
      services.admins.completeSecondFactor(third.token, fresh, HOME),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  });

  it('accepts each recovery code once, in any case and with or without its dash, and new codes void the old ones', async () => {
    const { instance, services, actor } = await accountWithAdmin();
    const { secret, recoveryCodes } = await enrol(instance, actor);
    expect(recoveryCodes).toHaveLength(10);
    for (const c of recoveryCodes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(new Set(recoveryCodes).size).toBe(10);

    const pending = await services.admins.signIn({ email: 'first@acme.example', password: PASSWORD }, HOME);
    await services.admins.completeSecondFactor(pending.token, recoveryCodes[0]!.toUpperCase().replace('-', ' '), HOME);
    const again = await services.admins.signIn({ email: 'first@acme.example', password: PASSWORD }, HOME);
    expect(await refusal(services.admins.completeSecondFactor(again.token, recoveryCodes[0]!, HOME))).toMatchObject({ code: 'INVALID_MFA_CODE' });
    await expect(services.adminMfa.secondFactorOf(actor)).resolves.toEqual({ enrolled: true, recoveryCodesLeft: 9 });

    const { recoveryCodes: renewed } = await services.adminMfa.regenerateRecoveryCodes(actor, codeAt(secret, instance.clock.now()));
    expect(await refusal(services.admins.completeSecondFactor(again.token, recoveryCodes[1]!, HOME))).toMatchObject({ code: 'INVALID_MFA_CODE' });
    await services.admins.completeSecondFactor(again.token, renewed[1]!, HOME);
    const rows = JSON.stringify(await instance.database.db.selectFrom('admin_recovery_codes').selectAll().execute());
    for (const c of [...recoveryCodes, ...renewed]) expect(rows).not.toContain(c.replace('-', ''));
  });

  it('throttles wrong codes per address without locking the real administrator out from theirs', async () => {
    const { instance, services, actor } = await accountWithAdmin();
    const { secret } = await enrol(instance, actor);
    const attackerAddresses = ['203.0.113.1', '203.0.113.2'];
    let refused = 0;
    for (const address of attackerAddresses) {
      // Someone who has the password, guessing codes.
      const stolen = await services.admins.signIn({ email: 'first@acme.example', password: PASSWORD }, address);
      for (let i = 0; i < MFA_FAILURE_LIMITS.perIdentityAndAddress; i++) {
        const error = await refusal(services.admins.completeSecondFactor(stolen.token, i % 2 ? '000000' : '999999', address));
        expect(error.code).toBe('INVALID_MFA_CODE');
      }
      const limited = await refusal(services.admins.completeSecondFactor(stolen.token, codeAt(secret, instance.clock.now()), address));
      expect(limited.code).toBe('TOO_MANY_ATTEMPTS');
      refused++;
    }
    expect(refused).toBe(2);
    // The admin's own address, with their authenticator: signed in, although the admin is over its ceiling.
    const own = await services.admins.signIn({ email: 'first@acme.example', password: PASSWORD }, ELSEWHERE);
    await expect(services.admins.completeSecondFactor(own.token, codeAt(secret, instance.clock.now()), ELSEWHERE)).resolves.toMatchObject({ secondFactorPending: false });
  });

  it('sends an administrator without a second factor to enrolment when the account requires one, until they have it', async () => {
    const { instance, services, actor, accountId } = await accountWithAdmin();
    expect(await refusal(services.adminMfa.setRequireMfa(actor, { requireMfa: true }))).toMatchObject({ code: 'MFA_NOT_ENROLLED' });
    const { secret } = await enrol(instance, actor);
    const second = await addAdmin(instance, actor, 'second@acme.example');
    await services.adminMfa.setRequireMfa(actor, { requireMfa: true });
    await expect(services.adminMfa.requiresMfa(accountId)).resolves.toBe(true);

    const session = await services.admins.signIn({ email: 'second@acme.example', password: PASSWORD }, HOME);
    expect(session.secondFactorPending).toBe(false);
    expect(await services.admins.resolveSession(session.token)).toMatchObject({ stage: 'enrolment' });
    const { secret: secondSecret } = await enrol(instance, second);
    expect(await services.admins.resolveSession(session.token)).toMatchObject({ stage: 'full' });

    // Required: nobody turns their own off; another admin can still reset it (lost phone), audited.
    expect(await refusal(services.adminMfa.disableOwn(actor, codeAt(secret, instance.clock.now())))).toMatchObject({ code: 'MFA_REQUIRED' });
    await services.adminMfa.resetForAdmin(actor, second.id);
    expect(await services.admins.resolveSession(session.token)).toMatchObject({ stage: 'enrolment' });
    expect(secondSecret).not.toBe(secret);
    const reset = (await services.audit.list(accountId, { limit: 50 })).events.find((e) => e.action === 'admin.mfa_reset');
    expect(reset).toMatchObject({ actorId: actor.id, targetId: second.id });

    await services.adminMfa.setRequireMfa(actor, { requireMfa: false });
    await services.adminMfa.disableOwn(actor, codeAt(secret, instance.clock.now()));
    await expect(services.admins.signIn({ email: 'first@acme.example', password: PASSWORD }, HOME)).resolves.toMatchObject({ secondFactorPending: false });
  });

  it('keeps the TOTP secret sealed at rest and writes no secret, code or link to the audit log', async () => {
    const { instance, services, actor, accountId } = await accountWithAdmin();
    const { secret, recoveryCodes } = await enrol(instance, actor);
    const row = await instance.database.db.selectFrom('admin_totp').selectAll().executeTakeFirstOrThrow();
    expect(row.secret_sealed).toMatch(/^kek1\./);
    expect(row.secret_sealed).not.toContain(secret);

    const used = codeAt(secret, instance.clock.now());
    const pending = await services.admins.signIn({ email: 'first@acme.example', password: PASSWORD }, HOME);
    await refusal(services.admins.completeSecondFactor(pending.token, '123456', HOME));
    await services.admins.completeSecondFactor(pending.token, used, HOME);
    const invitation = await services.admins.inviteAdmin(actor, { email: 'x@acme.example' });
    await services.adminMfa.regenerateRecoveryCodes(actor, recoveryCodes[2]!);

    const audit = await auditText(instance, accountId);
    for (const leaked of [secret, used, '123456', tokenOf(invitation.url), PASSWORD, ...recoveryCodes]) expect(audit).not.toContain(leaked);
    expect(audit).toContain('admin.mfa_enrolled');
    expect(audit).toContain('admin.mfa_failed');
  });
});

describe('docs/administrators.md and docs/limits.md', () => {
  it('state the throttle limits, the invitation lifetime and the code-page lifetime the code enforces', () => {
    const guide = fs.readFileSync('docs/administrators.md', 'utf8');
    const limits = fs.readFileSync('docs/limits.md', 'utf8').split('\n');
    expect(guide).toContain(`| wrong codes per administrator from one address | ${MFA_FAILURE_LIMITS.perIdentityAndAddress} a minute |`);
    expect(guide).toContain(`| wrong codes from one address, any administrator | ${MFA_FAILURE_LIMITS.perAddress} a minute |`);
    expect(guide).toContain(`| wrong codes per administrator, all addresses together | ${MFA_FAILURE_LIMITS.perIdentity} a minute;`);
    expect(limits.find((l) => l.startsWith('| Wrong two-step verification codes'))).toContain(
      `${MFA_FAILURE_LIMITS.perIdentityAndAddress} per minute per (administrator, address), ${MFA_FAILURE_LIMITS.perAddress} per address; per administrator from all addresses ${MFA_FAILURE_LIMITS.perIdentity},`,
    );
    const hours = ADMIN_INVITATION_TTL_MS / 3_600_000;
    expect(guide).toContain(`for **${hours} hours**`);
    expect(limits.find((l) => l.startsWith('| Administrator invitation link'))).toContain(`${hours} hours`);
    expect(limits.find((l) => l.startsWith('| Sign-in waiting for its second factor'))).toContain(`${SECOND_FACTOR_TTL_MS / 60_000} minutes`);
    expect(guide).toContain(`it lasts ${SECOND_FACTOR_TTL_MS / 60_000} minutes`);
  });
});
