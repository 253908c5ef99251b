import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.js';
import { csrfToken } from './console-session.js';
import type { SafeHtml } from '../views/html.js';
import { adminActor } from './console-session.js';
import { formOf, optionalField, submitForm } from './forms.js';
import {
  addSecretStepOnePage,
  addSecretStepTwoPage,
  CONNECTION_API_PATH,
  connectionApiListPage,
  credentialsShownOncePage,
  deleteConfirmPage,
  GLOBAL_PATH,
  globalCredentialsPage,
} from './pages/integration-pages.js';
import { descriptionSchema } from '../../domain/credentials/credential-schemas.js';
import { MAX_CONNECTION_API_CREDENTIALS } from '../../domain/credentials/credential-service.js';
import { fieldErrorsFrom } from '../../domain/validation.js';

type Params = { Params: { id: string } };

// Notices after a redirect come from this fixed list, so the query string cannot inject text.
const notices: Record<string, string> = {
  repeated: 'That form was already submitted, so nothing was changed again. A secret is shown only once.',
  updated: 'Credentials updated.',
  deleted: 'Credentials deleted.',
  saved: 'Global credentials saved.',
};
const noticeOf = (key: unknown) => (typeof key === 'string' ? notices[key] : undefined);

function chromeOf(request: FastifyRequest, reply: FastifyReply) {
  return { admin: request.admin && { email: request.admin.email }, csrfToken: csrfToken(request, reply) };
}

function sendPage(reply: FastifyReply, page: SafeHtml, status = 200): FastifyReply {
  return reply.code(status).type('text/html').send(page.value);
}

/** A page that carries a plaintext secret: never cached, never stored in history caches. */
function sendSecretPage(reply: FastifyReply, page: SafeHtml): FastifyReply {
  reply.header('Cache-Control', 'no-store');
  return sendPage(reply, page);
}

/** Account > Integration: the Global Credentials and Connection API Credentials tabs. */
export function registerIntegrationRoutes(app: FastifyInstance, services: Services): void {
  const csrf = { preValidation: app.csrfProtection };
  const list = (accountId: string) => services.credentials.listConnectionApiCredentials(accountId);
  const newKey = () => services.formSubmissions.newKey();
  /** A re-posted form (a reload of the page that shows a secret) must not create or rotate again. */
  const isRepeat = async (request: FastifyRequest) =>
    !(await services.formSubmissions.claim(adminActor(request).accountId, formOf(request).submissionKey ?? ''));
  const repeated = (reply: FastifyReply) => reply.redirect(`${CONNECTION_API_PATH}?notice=repeated`, 303);

  app.get('/console/account/integration', async (_request, reply) => reply.redirect(CONNECTION_API_PATH));

  app.get<{ Querystring: { edit?: string; notice?: string } }>(CONNECTION_API_PATH, async (request, reply) => {
    const credentials = await list(adminActor(request).accountId);
    const editing = typeof request.query.edit === 'string' ? request.query.edit : undefined;
    const notice = noticeOf(request.query.notice);
    return sendPage(reply, connectionApiListPage(chromeOf(request, reply), { credentials, editing, notice, submissionKey: newKey() }));
  });

  /**
   * At the limit the wizard does not open (a page loaded before the last place was taken still
   * shows Add Secret): the list explains the limit instead. The service enforces it regardless.
   */
  const refuseAtLimit = async (request: FastifyRequest, reply: FastifyReply, status: number) => {
    const credentials = await list(adminActor(request).accountId);
    if (credentials.length < MAX_CONNECTION_API_CREDENTIALS) return undefined;
    return sendPage(reply, connectionApiListPage(chromeOf(request, reply), { credentials, limitReached: true, submissionKey: newKey() }), status);
  };

  // Wizard step 1 → 2: the Short Description is checked before the secret is asked for.
  app.get(`${CONNECTION_API_PATH}/new`, async (request, reply) =>
    (await refuseAtLimit(request, reply, 200)) ?? sendPage(reply, addSecretStepOnePage(chromeOf(request, reply), {})),
  );

  app.post(`${CONNECTION_API_PATH}/new`, csrf, async (request, reply) => {
    const refused = await refuseAtLimit(request, reply, 409);
    if (refused) return refused;
    const description = formOf(request).description ?? '';
    const checked = descriptionSchema.safeParse(description);
    if (!checked.success) {
      const errors = Object.fromEntries(fieldErrorsFrom(checked.error).map((f) => ['description', f.message]));
      return sendPage(reply, addSecretStepOnePage(chromeOf(request, reply), { description, errors }), 400);
    }
    return sendPage(reply, addSecretStepTwoPage(chromeOf(request, reply), { description: checked.data, submissionKey: newKey() }));
  });

  app.post(CONNECTION_API_PATH, csrf, async (request, reply) => {
    if (await isRepeat(request)) return repeated(reply);
    const form = formOf(request);
    const description = form.description ?? '';
    const outcome = await submitForm(() =>
      services.credentials.createConnectionApiCredential(adminActor(request), { description, clientSecret: optionalField(form.clientSecret) }),
    );
    if (!outcome.ok) {
      if (outcome.fields.description !== undefined || outcome.fields.clientSecret === undefined) {
        const credentials = await list(adminActor(request).accountId);
        const limitReached = outcome.code === 'CREDENTIAL_LIMIT_REACHED' && credentials.length >= MAX_CONNECTION_API_CREDENTIALS;
        return sendPage(
          reply,
          connectionApiListPage(chromeOf(request, reply), { credentials, limitReached, ...(!limitReached && { error: outcome.message }), submissionKey: newKey() }),
          outcome.status,
        );
      }
      return sendPage(
        reply,
        addSecretStepTwoPage(chromeOf(request, reply), { description, errors: outcome.fields, error: outcome.message, submissionKey: newKey() }),
        outcome.status,
      );
    }
    return sendSecretPage(reply, credentialsShownOncePage(chromeOf(request, reply), { title: 'New credentials', ...outcome.value }));
  });

  app.post<Params>(`${CONNECTION_API_PATH}/:id`, csrf, async (request, reply) => {
    if (await isRepeat(request)) return repeated(reply);
    const form = formOf(request);
    const outcome = await submitForm(() =>
      services.credentials.updateConnectionApiCredential(adminActor(request), request.params.id, {
        description: form.description ?? '',
        clientSecret: optionalField(form.clientSecret),
        generateSecret: form.generateSecret === 'true',
      }),
    );
    if (!outcome.ok) {
      const credentials = await list(adminActor(request).accountId);
      return sendPage(
        reply,
        connectionApiListPage(chromeOf(request, reply), {
          credentials,
          editing: request.params.id,
          values: { description: form.description ?? '', generateSecret: form.generateSecret === 'true' },
          errors: outcome.fields,
          error: outcome.message,
          submissionKey: newKey(),
        }),
        outcome.status,
      );
    }
    const { credential, clientSecret } = outcome.value;
    if (clientSecret !== undefined) {
      return sendSecretPage(reply, credentialsShownOncePage(chromeOf(request, reply), { title: 'Credentials updated', credential, clientSecret }));
    }
    return reply.redirect(`${CONNECTION_API_PATH}?notice=updated`, 303);
  });

  app.get<Params>(`${CONNECTION_API_PATH}/:id/delete`, async (request, reply) => {
    const credential = await services.credentials.getConnectionApiCredential(adminActor(request).accountId, request.params.id);
    return sendPage(reply, deleteConfirmPage(chromeOf(request, reply), credential));
  });

  app.post<Params>(`${CONNECTION_API_PATH}/:id/delete`, csrf, async (request, reply) => {
    await services.credentials.deleteConnectionApiCredential(adminActor(request), request.params.id);
    return reply.redirect(`${CONNECTION_API_PATH}?notice=deleted`, 303);
  });

  app.get<{ Querystring: { notice?: string } }>(GLOBAL_PATH, async (request, reply) => {
    const credential = await services.credentials.getGlobalCredential(adminActor(request).accountId);
    return sendPage(reply, globalCredentialsPage(chromeOf(request, reply), { credential, notice: noticeOf(request.query.notice) }));
  });

  app.post(GLOBAL_PATH, csrf, async (request, reply) => {
    const form = formOf(request);
    const outcome = await submitForm(() =>
      services.credentials.updateGlobalCredential(adminActor(request), { clientSecret: optionalField(form.clientSecret), enabled: form.enabled === 'true' }),
    );
    if (!outcome.ok) {
      const credential = await services.credentials.getGlobalCredential(adminActor(request).accountId);
      return sendPage(
        reply,
        globalCredentialsPage(chromeOf(request, reply), { credential, enabled: form.enabled === 'true', errors: outcome.fields, error: outcome.message }),
        outcome.status,
      );
    }
    return reply.redirect(`${GLOBAL_PATH}?notice=saved`, 303);
  });
}
