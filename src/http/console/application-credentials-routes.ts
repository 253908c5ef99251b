import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { Services } from '../../services.js';
import { adminActor } from './console-session.js';
import { formOf, submitForm } from './forms.js';
import {
  addApplicationCredentialPage,
  applicationCredentialShownOncePage,
  applicationCredentialsListPage,
  deleteApplicationCredentialPage,
} from './pages/application-credentials-pages.js';
import { APPLICATION_CREDENTIALS_PATH } from './pages/integration-pages.js';
import { chromeOf, noticeFrom, sendPage, sendSecretPage } from './replies.js';

type Params = { Params: { id: string } };

const notices: Record<string, string> = {
  repeated: 'That form was already submitted, so no more credentials were created. A secret is shown only once.',
  updated: 'Description saved.',
  deleted: 'Application credentials deleted.',
};

/** Account › Integration › Application Credentials: up to 30, each bound to one application. */
export function registerApplicationCredentialRoutes(app: FastifyInstance, services: Services): void {
  const csrf = { preValidation: app.csrfProtection };
  const accountOf = (request: FastifyRequest) => adminActor(request).accountId;
  const load = async (accountId: string) => {
    const [credentials, applications] = await Promise.all([
      services.credentials.listApplicationCredentials(accountId),
      services.applications.listApplications(accountId),
    ]);
    return { credentials, applications };
  };
  /** The service has no single-credential read for this kind; the list holds at most 30. */
  const find = async (accountId: string, id: string) => {
    const { credentials, applications } = await load(accountId);
    const credential = credentials.find((c) => c.id === id);
    if (!credential) throw new AppError('CREDENTIAL_NOT_FOUND', 'No such credential in this account.');
    return { credential, applications };
  };

  app.get<{ Querystring: { edit?: string; notice?: string } }>(APPLICATION_CREDENTIALS_PATH, async (request, reply) => {
    const data = await load(accountOf(request));
    const editing = typeof request.query.edit === 'string' ? request.query.edit : undefined;
    return sendPage(reply, applicationCredentialsListPage(chromeOf(request, reply), { ...data, editing, notice: noticeFrom(notices, request.query.notice) }));
  });

  app.get(`${APPLICATION_CREDENTIALS_PATH}/new`, async (request, reply) => {
    const applications = await services.applications.listApplications(accountOf(request));
    return sendPage(reply, addApplicationCredentialPage(chromeOf(request, reply), { applications, submissionKey: services.formSubmissions.newKey() }));
  });

  app.post(APPLICATION_CREDENTIALS_PATH, csrf, async (request, reply) => {
    const accountId = accountOf(request);
    // Reloading the page that shows the secret re-posts this form: it must not create again.
    if (!(await services.formSubmissions.claim(accountId, formOf(request).submissionKey ?? ''))) {
      return reply.redirect(`${APPLICATION_CREDENTIALS_PATH}?notice=repeated`, 303);
    }
    const form = formOf(request);
    const saasid = form.saasid ?? '';
    const description = form.description ?? '';
    const outcome = await submitForm(() => services.credentials.createApplicationCredential(adminActor(request), { saasid, description }));
    const applications = await services.applications.listApplications(accountId);
    if (!outcome.ok) {
      return sendPage(
        reply,
        addApplicationCredentialPage(chromeOf(request, reply), {
          applications,
          saasid,
          description,
          errors: outcome.fields,
          error: outcome.message,
          submissionKey: services.formSubmissions.newKey(),
        }),
        outcome.status,
      );
    }
    const application = applications.find((a) => a.saasid === outcome.value.credential.applicationId);
    return sendSecretPage(reply, applicationCredentialShownOncePage(chromeOf(request, reply), { ...outcome.value, application }));
  });

  app.post<Params>(`${APPLICATION_CREDENTIALS_PATH}/:id`, csrf, async (request, reply) => {
    const description = formOf(request).description ?? '';
    const outcome = await submitForm(() => services.credentials.updateApplicationCredential(adminActor(request), request.params.id, { description }));
    if (!outcome.ok) {
      const data = await load(accountOf(request));
      return sendPage(
        reply,
        applicationCredentialsListPage(chromeOf(request, reply), { ...data, editing: request.params.id, description, errors: outcome.fields, error: outcome.message }),
        outcome.status,
      );
    }
    return reply.redirect(`${APPLICATION_CREDENTIALS_PATH}?notice=updated`, 303);
  });

  app.get<Params>(`${APPLICATION_CREDENTIALS_PATH}/:id/delete`, async (request, reply) => {
    const { credential, applications } = await find(accountOf(request), request.params.id);
    return sendPage(reply, deleteApplicationCredentialPage(chromeOf(request, reply), credential, applications));
  });

  app.post<Params>(`${APPLICATION_CREDENTIALS_PATH}/:id/delete`, csrf, async (request, reply) => {
    await services.credentials.deleteApplicationCredential(adminActor(request), request.params.id);
    return reply.redirect(`${APPLICATION_CREDENTIALS_PATH}?notice=deleted`, 303);
  });
}
