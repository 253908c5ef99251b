import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isAppError } from '../../errors.js';
import type { Services } from '../../services.js';
import { adminActor } from './console-session.js';
import { formOf, formValues, groupFieldErrors, submitForm } from './forms.js';
import { emptyInvitationForm, INVITATION_PATH, invitationFormPage, invitationPage, type InvitationFormValues } from './pages/customer-invitation-pages.js';
import { chromeOf, sendPage, sendSecretPage } from './replies.js';

/**
 * Customer Connections › Customer Email Invitation: "Create Connection" makes a setup link and
 * shows the message carrying it; "Send E-Mail" mails it through the configured SMTP server.
 */
export function registerCustomerInvitationRoutes(app: FastifyInstance, services: Services): void {
  const csrf = { preValidation: app.csrfProtection };
  const applicationsOf = (request: FastifyRequest) => services.applications.listApplications(adminActor(request).accountId);

  app.get(INVITATION_PATH, async (request, reply) =>
    sendPage(reply, invitationFormPage(chromeOf(request, reply), { applications: await applicationsOf(request), values: emptyInvitationForm })),
  );

  app.post(INVITATION_PATH, csrf, async (request, reply) => {
    const form = formOf(request);
    const values: InvitationFormValues = { email: form.email ?? '', idpId: form.idpId ?? '', applications: formValues(request, 'applications') };
    const outcome = await submitForm(() => services.invitations.createInvitation(adminActor(request), values));
    if (!outcome.ok) {
      const applications = await applicationsOf(request);
      const nameOf = (i: number) => applications.find((a) => a.saasid === values.applications[i])?.name ?? `application ${i + 1}`;
      const errors = groupFieldErrors(outcome.fields, (_field, i) => nameOf(i));
      return sendPage(reply, invitationFormPage(chromeOf(request, reply), { applications, values, errors, error: outcome.message }), outcome.status);
    }
    return sendSecretPage(reply, invitationPage(chromeOf(request, reply), { invitation: outcome.value, canSend: services.invitations.canSend }));
  });

  app.post(`${INVITATION_PATH}/send`, csrf, async (request, reply) => {
    const form = formOf(request);
    const given = { email: form.email ?? '', idpId: form.idpId ?? '', url: form.url ?? '' };
    try {
      const invitation = await services.invitations.sendInvitation(adminActor(request), given);
      return sendSecretPage(reply, invitationPage(chromeOf(request, reply), { invitation, canSend: true, notice: `The invitation was sent to ${invitation.email}.` }));
    } catch (error) {
      if (!isAppError(error) || error.code !== 'MAIL_NOT_SENT') throw error;
      // The link and the text are still good: the admin can try again or copy the message.
      request.log.warn({ code: error.code, detail: error.detail }, 'invitation not sent');
      const invitation = await services.invitations.describeInvitation(adminActor(request), given);
      const page = invitationPage(chromeOf(request, reply), { invitation, canSend: true, error: `The invitation was not sent. ${error.message} The setup link is kept: try again, or copy the message below and send it yourself.` });
      reply.header('Cache-Control', 'no-store');
      return sendPage(reply, page, error.status);
    }
  });
}
