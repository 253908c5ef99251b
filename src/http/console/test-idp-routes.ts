import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import type { Services } from '../../services.js';
import { adminActor } from './console-session.js';
import { formOf, submitForm } from './forms.js';
import { applicationTestPage, TEST_IDP_PATH, testIdpSettingsPage } from './pages/test-idp-page.js';
import { chromeOf, noticeFrom, sendSecretPage } from './replies.js';

type SaasidParams = { Params: { saasid: string } };

const notices: Record<string, string> = {
  saved: 'Attributes saved. The test users send them from their next sign-in.',
  'turned-off': 'The test IdP is turned off: its pages answer 404 and its connection is disabled.',
  'turned-on': 'The test IdP is on, and its connection enabled.',
};

/** Applications › an application › Test, and Applications › Test IdP. */
export function registerTestIdpRoutes(app: FastifyInstance, services: Services): void {
  const csrf = { preValidation: app.csrfProtection };

  app.get<SaasidParams>(`/console/applications/:saasid/test`, async (request, reply) => {
    const actor = adminActor(request);
    const application = await services.applications.getApplication(actor.accountId, request.params.saasid);
    const testIdp = await services.testIdp.ensureTestIdp(actor);
    return sendSecretPage(reply, applicationTestPage(chromeOf(request, reply), { application, testIdp }));
  });

  // Starts the sign-in as the application would: initsso with the test connection's idpId.
  app.post<SaasidParams>(`/console/applications/:saasid/test`, csrf, async (request, reply) => {
    const actor = adminActor(request);
    const application = await services.applications.getApplication(actor.accountId, request.params.saasid);
    // initsso does not sign in to an OIDC application: its sign-ins start with its own authorization request.
    if (application.kind === 'oidc') throw new AppError('ROUTE_NOT_FOUND', 'An OIDC application is tested by starting an authorization request from the application.');
    const outcome = await submitForm(() => services.testIdp.connectApplication(actor, application.saasid));
    if (outcome.ok) return reply.redirect(`/sso/sp/initsso?${new URLSearchParams({ saasid: application.saasid, idpid: outcome.value }).toString()}`, 303);
    const testIdp = await services.testIdp.ensureTestIdp(actor);
    return sendSecretPage(reply.code(outcome.status), applicationTestPage(chromeOf(request, reply), { application, testIdp, error: outcome.message }));
  });

  app.get<{ Querystring: { notice?: string } }>(TEST_IDP_PATH, async (request, reply) => {
    const testIdp = await services.testIdp.ensureTestIdp(adminActor(request));
    return sendSecretPage(reply, testIdpSettingsPage(chromeOf(request, reply), { testIdp, notice: noticeFrom(notices, request.query.notice) }));
  });

  app.post(`${TEST_IDP_PATH}/attributes`, csrf, async (request, reply) => {
    const rows = formOf(request);
    const outcome = await submitForm(() => services.testIdp.saveAttributes(adminActor(request), rows));
    if (outcome.ok) return reply.redirect(`${TEST_IDP_PATH}?notice=saved`, 303);
    const testIdp = await services.testIdp.ensureTestIdp(adminActor(request));
    return sendSecretPage(reply.code(outcome.status), testIdpSettingsPage(chromeOf(request, reply), { testIdp, rows, errors: outcome.fields, error: outcome.message }));
  });

  app.post(`${TEST_IDP_PATH}/turned-off`, csrf, async (request, reply) => {
    const turnedOff = formOf(request).turnedOff === 'true';
    await services.testIdp.setTurnedOff(adminActor(request), turnedOff);
    return reply.redirect(`${TEST_IDP_PATH}?notice=${turnedOff ? 'turned-off' : 'turned-on'}`, 303);
  });
}


