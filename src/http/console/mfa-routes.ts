import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.js';
import { adminActor } from './console-session.js';
import { formOf, submitForm } from './forms.js';
import { MFA_PATH, mfaPage, recoveryCodesPage } from './pages/mfa-pages.js';
import { chromeOf, noticeFrom, sendPage, sendSecretPage } from './replies.js';

const notices: Record<string, string> = { disabled: 'Two-step verification is off: signing in asks only for your password.' };

/** The signed-in admin's own two-step verification (TOTP and recovery codes). */
export function registerMfaRoutes(app: FastifyInstance, services: Services): void {
  const csrf = { preValidation: app.csrfProtection };

  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { notice?: string | undefined; error?: string; errorForm?: 'confirm' | 'regenerate' | 'disable' } = {},
    status = 200,
  ) => {
    const actor = adminActor(request);
    const [state, required] = await Promise.all([services.adminMfa.secondFactorOf(actor), services.adminMfa.requiresMfa(actor.accountId)]);
    const page = mfaPage(chromeOf(request, reply), { state, required, gated: request.admin?.stage === 'enrolment', ...extra });
    // An enrolment in progress shows its secret: never cached.
    reply.header('Cache-Control', 'no-store');
    return sendPage(reply, page, status);
  };

  app.get<{ Querystring: { notice?: string } }>(MFA_PATH, async (request, reply) => render(request, reply, { notice: noticeFrom(notices, request.query.notice) }));

  app.post(`${MFA_PATH}/confirm`, csrf, async (request, reply) => {
    const outcome = await submitForm(() => services.adminMfa.confirmEnrolment(adminActor(request), formOf(request).code ?? ''));
    if (!outcome.ok) return render(request, reply, { error: outcome.message, errorForm: 'confirm' }, outcome.status);
    // The session is a full one from the next request: the account's requirement is now met.
    return sendSecretPage(reply, recoveryCodesPage(chromeOf(request, reply), { codes: outcome.value.recoveryCodes, notice: 'Two-step verification is on.' }));
  });

  app.post(`${MFA_PATH}/recovery-codes`, csrf, async (request, reply) => {
    const outcome = await submitForm(() => services.adminMfa.regenerateRecoveryCodes(adminActor(request), formOf(request).code ?? ''));
    if (!outcome.ok) return render(request, reply, { error: outcome.message, errorForm: 'regenerate' }, outcome.status);
    return sendSecretPage(reply, recoveryCodesPage(chromeOf(request, reply), { codes: outcome.value.recoveryCodes, notice: 'New recovery codes: the old ones no longer work.' }));
  });

  app.post(`${MFA_PATH}/disable`, csrf, async (request, reply) => {
    const outcome = await submitForm(() => services.adminMfa.disableOwn(adminActor(request), formOf(request).code ?? ''));
    if (!outcome.ok) return render(request, reply, { error: outcome.message, errorForm: 'disable' }, outcome.status);
    return reply.redirect(`${MFA_PATH}?notice=disabled`, 303);
  });
}
