import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import { normalizeIdpId } from '../../domain/connections/customer-schemas.js';
import { isAppError, validationError } from '../../errors.js';
import type { Services } from '../../services.js';
import { adminActor } from './console-session.js';
import { formOf, formValues, groupFieldErrors, submitForm } from './forms.js';
import { CUSTOMERS_PATH, customerPath } from './pages/customer-pages.js';
import { createdSetupLinkPage, emptySetupLinkForm, setupLinksPage, type SetupLinkFormValues } from './pages/setup-link-pages.js';
import { chromeOf, noticeFrom, sendPage, sendSecretPage } from './replies.js';

type IdpParams = { Params: { idpId: string } };
const notices: Record<string, string> = { revoked: 'Setup link revoked.' };

/** Customer › Setup links: create (the URL shown once), list and revoke, through the setup link service. */
export function registerSetupLinkConsoleRoutes(app: FastifyInstance, services: Services, clock: Clock): void {
  const csrf = { preValidation: app.csrfProtection };
  const accountOf = (request: FastifyRequest) => adminActor(request).accountId;

  const render = async (request: FastifyRequest<IdpParams>, values: SetupLinkFormValues, problem?: { errors: Record<string, string>; error: string }, notice?: string) => {
    const accountId = accountOf(request);
    // A 404 unless this account has the customer or an invitation for it (links before the customer exists).
    const [links, applications] = await Promise.all([services.setupLinks.listSetupLinks(accountId, request.params.idpId), services.applications.listApplications(accountId)]);
    const customerExists = await services.customers.getCustomer(accountId, request.params.idpId).then(
      () => true,
      (error: unknown) => {
        if (isAppError(error) && error.code === 'CUSTOMER_NOT_FOUND') return false;
        throw error;
      },
    );
    return { idpId: normalizeIdpId(request.params.idpId), customerExists, links, applications, values, now: clock.now(), ...problem, ...(notice !== undefined && { notice }) };
  };

  app.get<IdpParams & { Querystring: { notice?: string } }>(`${CUSTOMERS_PATH}/idp/:idpId/setup-links`, async (request, reply) =>
    sendPage(reply, setupLinksPage(chromeOf(request, reply), await render(request, emptySetupLinkForm, undefined, noticeFrom(notices, request.query.notice)))),
  );

  app.post<IdpParams>(`${CUSTOMERS_PATH}/idp/:idpId/setup-links`, csrf, async (request, reply) => {
    await services.setupLinks.listSetupLinks(accountOf(request), request.params.idpId);
    const idpId = normalizeIdpId(request.params.idpId);
    const values: SetupLinkFormValues = { expiresInMinutes: formOf(request).expiresInMinutes ?? '', contactEmail: (formOf(request).contactEmail ?? '').trim(), applications: formValues(request, 'applications') };
    const given = values.expiresInMinutes.trim();
    const outcome = await submitForm(async () => {
      // Empty means the default lifetime; the service judges the number itself.
      if (given !== '' && !/^-?\d+(\.\d+)?$/.test(given)) throw validationError([{ field: 'expiresInMinutes', message: 'must be a number' }]);
      return services.setupLinks.createSetupLink(adminActor(request), idpId, {
        ...(given !== '' && { expiresInMinutes: Number(given) }),
        ...(values.applications.length > 0 && { applications: values.applications }),
        ...(values.contactEmail !== '' && { contactEmail: values.contactEmail }),
      });
    });
    if (!outcome.ok) {
      const errors = groupFieldErrors(outcome.fields, (_field, i) => `application ${i + 1}`);
      return sendPage(reply, setupLinksPage(chromeOf(request, reply), await render(request, values, { errors, error: outcome.message })), outcome.status);
    }
    return sendSecretPage(reply, createdSetupLinkPage(chromeOf(request, reply), { idpId, url: outcome.value.url, expiresAt: outcome.value.expiresAt }));
  });

  app.post<{ Params: { idpId: string; id: string } }>(`${CUSTOMERS_PATH}/idp/:idpId/setup-links/:id/revoke`, csrf, async (request, reply) => {
    await services.setupLinks.revokeSetupLink(adminActor(request), request.params.idpId, request.params.id);
    return reply.redirect(`${customerPath(request.params.idpId)}/setup-links?notice=revoked`, 303);
  });
}
