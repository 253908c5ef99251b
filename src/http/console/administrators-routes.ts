import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { Services } from '../../services.js';
import type { CookiePolicy } from './console-session.js';
import { adminActor, clearSessionCookie } from './console-session.js';
import { checked, formOf, submitForm } from './forms.js';
import { ADMINISTRATORS_PATH, administratorsPage, removeAdministratorPage, resetMfaPage } from './pages/administrators-pages.js';
import { chromeOf, noticeFrom, sendPage, sendSecretPage } from './replies.js';

const notices: Record<string, string> = {
  removed: 'The administrator was removed.',
  revoked: 'The invitation was revoked: its link no longer works.',
  'mfa-reset': 'Two-step verification was reset: that administrator signs in with their password until they set it up again.',
  saved: 'Administrator settings saved.',
};

/** Account › Administrators: list, invite, remove, reset another admin's second factor, require MFA for all. */
export function registerAdministratorsRoutes(app: FastifyInstance, services: Services, cookie: CookiePolicy): void {
  const csrf = { preValidation: app.csrfProtection };

  const render = async (
    request: FastifyRequest,
    extra: Partial<Pick<Parameters<typeof administratorsPage>[1], 'created' | 'email' | 'errors' | 'error' | 'notice'>> = {},
  ) => {
    const actor = adminActor(request);
    const [admins, invitations, requireMfa] = await Promise.all([
      services.admins.listAdmins(actor.accountId),
      services.admins.listOpenInvitations(actor.accountId),
      services.adminMfa.requiresMfa(actor.accountId),
    ]);
    return { admins, invitations, requireMfa, currentAdminId: actor.id, canMail: services.admins.canMailInvitations, ...extra };
  };

  const adminOf = async (request: FastifyRequest<{ Params: { adminId: string } }>) => {
    const admin = (await services.admins.listAdmins(adminActor(request).accountId)).find((a) => a.id === request.params.adminId);
    if (!admin) throw new AppError('ADMIN_NOT_FOUND', 'There is no such administrator in this account.');
    return admin;
  };

  app.get<{ Querystring: { notice?: string } }>(ADMINISTRATORS_PATH, async (request, reply) =>
    sendPage(reply, administratorsPage(chromeOf(request, reply), await render(request, { notice: noticeFrom(notices, request.query.notice) }))),
  );

  app.post(`${ADMINISTRATORS_PATH}/invitations`, csrf, async (request, reply) => {
    const email = formOf(request).email ?? '';
    const outcome = await submitForm(() => services.admins.inviteAdmin(adminActor(request), { email }));
    if (!outcome.ok) {
      return sendPage(reply, administratorsPage(chromeOf(request, reply), await render(request, { email, errors: outcome.fields, error: outcome.message })), outcome.status);
    }
    return sendSecretPage(reply, administratorsPage(chromeOf(request, reply), await render(request, { created: outcome.value })));
  });

  app.post<{ Params: { id: string } }>(`${ADMINISTRATORS_PATH}/invitations/:id/revoke`, csrf, async (request, reply) => {
    const outcome = await submitForm(() => services.admins.revokeInvitation(adminActor(request), request.params.id));
    if (!outcome.ok) return sendPage(reply, administratorsPage(chromeOf(request, reply), await render(request, { error: outcome.message })), outcome.status);
    return reply.redirect(`${ADMINISTRATORS_PATH}?notice=revoked`, 303);
  });

  app.post(`${ADMINISTRATORS_PATH}/settings`, csrf, async (request, reply) => {
    const outcome = await submitForm(() => services.adminMfa.setRequireMfa(adminActor(request), { requireMfa: checked(formOf(request), 'requireMfa') }));
    if (!outcome.ok) return sendPage(reply, administratorsPage(chromeOf(request, reply), await render(request, { error: outcome.message })), outcome.status);
    return reply.redirect(`${ADMINISTRATORS_PATH}?notice=saved`, 303);
  });

  app.get<{ Params: { adminId: string } }>(`${ADMINISTRATORS_PATH}/:adminId/remove`, async (request, reply) => {
    const admin = await adminOf(request);
    return sendPage(reply, removeAdministratorPage(chromeOf(request, reply), { admin, self: admin.id === adminActor(request).id }));
  });

  app.post<{ Params: { adminId: string } }>(`${ADMINISTRATORS_PATH}/:adminId/remove`, csrf, async (request, reply) => {
    const actor = adminActor(request);
    const outcome = await submitForm(() => services.admins.removeAdmin(actor, request.params.adminId));
    if (!outcome.ok) return sendPage(reply, administratorsPage(chromeOf(request, reply), await render(request, { error: outcome.message })), outcome.status);
    if (request.params.adminId === actor.id) {
      // Their sessions went with them.
      clearSessionCookie(reply, cookie);
      return reply.redirect('/console/sign-in', 303);
    }
    return reply.redirect(`${ADMINISTRATORS_PATH}?notice=removed`, 303);
  });

  app.get<{ Params: { adminId: string } }>(`${ADMINISTRATORS_PATH}/:adminId/reset-mfa`, async (request, reply) =>
    sendPage(reply, resetMfaPage(chromeOf(request, reply), { admin: await adminOf(request) })),
  );

  app.post<{ Params: { adminId: string } }>(`${ADMINISTRATORS_PATH}/:adminId/reset-mfa`, csrf, async (request, reply) => {
    const outcome = await submitForm(() => services.adminMfa.resetForAdmin(adminActor(request), request.params.adminId));
    if (!outcome.ok) return sendPage(reply, administratorsPage(chromeOf(request, reply), await render(request, { error: outcome.message })), outcome.status);
    return reply.redirect(`${ADMINISTRATORS_PATH}?notice=mfa-reset`, 303);
  });
}
