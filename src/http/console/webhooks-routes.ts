import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.js';
import { adminActor } from './console-session.js';
import { checked, formOf, formValues, submitForm } from './forms.js';
import {
  addWebhookEndpointPage,
  deleteWebhookEndpointPage,
  webhookEndpointPage,
  webhookSecretShownOncePage,
  webhooksListPage,
  WEBHOOKS_PATH,
  type EndpointFormValues,
} from './pages/webhooks-pages.js';
import { chromeOf, noticeFrom, sendPage, sendSecretPage } from './replies.js';

type Params = { Params: { id: string } };

const notices: Record<string, string> = {
  repeated: 'That form was already submitted, so no second endpoint was created. A signing secret is shown only once.',
  saved: 'Endpoint saved.',
  deleted: 'Webhook endpoint deleted.',
  redelivered: 'The delivery is queued again; it is sent within seconds.',
};

/** The endpoint form as typed; "Only these" with no box ticked is sent as an empty list (and refused with a message). */
function endpointForm(request: FastifyRequest): EndpointFormValues {
  const form = formOf(request);
  return {
    url: form.url ?? '',
    description: form.description ?? '',
    eventTypes: form.filter === 'selected' ? formValues(request, 'eventTypes') : null,
    enabled: checked(form, 'enabled'),
  };
}

/** Account › Webhooks: endpoints, their signing secrets (shown once), delivery log and redelivery. */
export function registerWebhookRoutes(app: FastifyInstance, services: Services): void {
  const csrf = { preValidation: app.csrfProtection };
  const accountOf = (request: FastifyRequest) => adminActor(request).accountId;

  const sendEndpointPage = async (
    request: FastifyRequest<{ Params: { id: string }; Querystring: { before?: string; notice?: string } }>,
    reply: FastifyReply,
    extra: { values?: EndpointFormValues; errors?: Record<string, string>; error?: string; status?: number } = {},
  ) => {
    const accountId = accountOf(request);
    const endpoint = await services.webhooks.getEndpoint(accountId, request.params.id);
    const before = Number(request.query.before);
    const page = await services.webhooks.listDeliveries(accountId, endpoint.id, { beforeSeq: Number.isSafeInteger(before) && before > 0 ? before : undefined, limit: 50 });
    return sendPage(
      reply,
      webhookEndpointPage(chromeOf(request, reply), {
        endpoint,
        deliveries: page.deliveries,
        nextBefore: page.nextBeforeSeq,
        notice: noticeFrom(notices, request.query.notice),
        ...(extra.values && { values: extra.values }),
        ...(extra.errors && { errors: extra.errors }),
        error: extra.error,
      }),
      extra.status,
    );
  };

  app.get<{ Querystring: { notice?: string } }>(WEBHOOKS_PATH, async (request, reply) => {
    const endpoints = await services.webhooks.listEndpoints(accountOf(request));
    return sendPage(reply, webhooksListPage(chromeOf(request, reply), { endpoints, notice: noticeFrom(notices, request.query.notice) }));
  });

  app.get(`${WEBHOOKS_PATH}/new`, async (request, reply) =>
    sendPage(reply, addWebhookEndpointPage(chromeOf(request, reply), { values: { url: '', description: '', eventTypes: null, enabled: true }, submissionKey: services.formSubmissions.newKey() })),
  );

  app.post(WEBHOOKS_PATH, csrf, async (request, reply) => {
    // Reloading the page that shows the secret re-posts this form: it must not create again.
    if (!(await services.formSubmissions.claim(accountOf(request), formOf(request).submissionKey ?? ''))) {
      return reply.redirect(`${WEBHOOKS_PATH}?notice=repeated`, 303);
    }
    const values = endpointForm(request);
    const outcome = await submitForm(() => services.webhooks.createEndpoint(adminActor(request), values));
    if (!outcome.ok) {
      return sendPage(
        reply,
        addWebhookEndpointPage(chromeOf(request, reply), { values, errors: outcome.fields, error: outcome.message, submissionKey: services.formSubmissions.newKey() }),
        outcome.status,
      );
    }
    return sendSecretPage(reply, webhookSecretShownOncePage(chromeOf(request, reply), { ...outcome.value, rotated: false }));
  });

  app.get<{ Params: { id: string }; Querystring: { before?: string; notice?: string } }>(`${WEBHOOKS_PATH}/:id`, async (request, reply) => sendEndpointPage(request, reply));

  app.post<{ Params: { id: string }; Querystring: { before?: string; notice?: string } }>(`${WEBHOOKS_PATH}/:id`, csrf, async (request, reply) => {
    const values = endpointForm(request);
    const outcome = await submitForm(() => services.webhooks.updateEndpoint(adminActor(request), request.params.id, values));
    if (!outcome.ok) return sendEndpointPage(request, reply, { values, errors: outcome.fields, error: outcome.message, status: outcome.status });
    return reply.redirect(`${WEBHOOKS_PATH}/${encodeURIComponent(request.params.id)}?notice=saved`, 303);
  });

  app.post<Params>(`${WEBHOOKS_PATH}/:id/rotate-secret`, csrf, async (request, reply) => {
    const { endpoint, secret } = await services.webhooks.updateEndpoint(adminActor(request), request.params.id, { rotateSecret: true });
    return sendSecretPage(reply, webhookSecretShownOncePage(chromeOf(request, reply), { endpoint, secret: secret ?? '', rotated: true }));
  });

  app.get<Params>(`${WEBHOOKS_PATH}/:id/delete`, async (request, reply) => {
    const endpoint = await services.webhooks.getEndpoint(accountOf(request), request.params.id);
    return sendPage(reply, deleteWebhookEndpointPage(chromeOf(request, reply), endpoint));
  });

  app.post<Params>(`${WEBHOOKS_PATH}/:id/delete`, csrf, async (request, reply) => {
    await services.webhooks.deleteEndpoint(adminActor(request), request.params.id);
    return reply.redirect(`${WEBHOOKS_PATH}?notice=deleted`, 303);
  });

  app.post<{ Params: { id: string; deliveryId: string } }>(`${WEBHOOKS_PATH}/:id/deliveries/:deliveryId/redeliver`, csrf, async (request, reply) => {
    await services.webhooks.redeliver(adminActor(request), request.params.id, request.params.deliveryId);
    return reply.redirect(`${WEBHOOKS_PATH}/${encodeURIComponent(request.params.id)}?notice=redelivered`, 303);
  });
}
