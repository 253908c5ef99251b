import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SsoFailure } from '../../errors.js';
import type { Services } from '../../services.js';
import { MAX_RESPONSE_BYTES } from '../../saml/response-validation.js';
import { toAppError } from '../to-app-error.js';
import { idpMetadataRoutes } from './idp-metadata-routes.js';
import { spMetadataRoutes } from './sp-metadata-routes.js';
import { tokenExchangeRoutes } from './token-exchange-routes.js';
import { oidcRoutes } from './oidc-routes.js';
import { perAddressSsoLimit } from './request-limit.js';
import type { OidcProviders } from '../../oidc/oidc-providers.js';
import { DISCOVERY_FORM_ACTION } from '../../domain/sso/initsso-flow.js';
import { ssoErrorPage } from './sso-pages.js';
import { browserBindingFor, sendAway, sendStep } from './browser-steps.js';
import { brandingAssetRoutes } from './branding-asset-routes.js';
import { testIdpRoutes } from '../test-idp/test-idp-routes.js';
import { pageBrandingLoader, type PageBrandingLoader } from './page-branding.js';

type Fields = Record<string, string | undefined>;

function fieldsOf(value: unknown): Fields {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
}

/** A failed login goes to the app's error URL with a reason, or to a page with the request ID. */
async function sendFailure(request: FastifyRequest, reply: FastifyReply, error: unknown, brand: PageBrandingLoader, answersForm = false): Promise<FastifyReply> {
  reply.header('Cache-Control', 'no-store');
  if (error instanceof SsoFailure) {
    request.log.info({ reason: error.reason, rule: error.rule ?? undefined, detail: error.message }, 'SSO refused');
    if (error.errorUrl) {
      // Only the stable reason and the request ID: the detail can quote the (unverified) message,
      // so it stays in the log and the sign-in log rather than on the app's page.
      const url = new URL(error.errorUrl);
      url.searchParams.set('error', error.reason);
      url.searchParams.set('request_id', request.id);
      return sendAway(reply, url.toString(), 303, answersForm, 'Sign-in failed. Returning you to the application…', () => brand(error.accountId));
    }
    const branding = await brand(error.accountId);
    return reply.code(error.status).type('text/html').send(ssoErrorPage({ message: error.message, reason: error.reason, requestId: request.id, branding }).value);
  }
  const appError = toAppError(error);
  if (appError.retryAfterSeconds !== undefined) reply.header('Retry-After', String(appError.retryAfterSeconds));
  if (appError.status >= 500) request.log.error({ err: appError.cause ?? appError }, 'SSO failed');
  // Not traced to an account (throttled before the body was read, or an internal error): neutral.
  return reply.code(appError.status).type('text/html').send(ssoErrorPage({ message: appError.message, reason: appError.code, requestId: request.id, branding: undefined }).value);
}

/** The SSO runtime: `/sso/sp/initsso`, the ACS, IdP discovery, the token exchange, and IdP metadata for SAML apps. */
export async function ssoPlugin(app: FastifyInstance, options: { services: Services; publicUrl: string; oidcProviders: OidcProviders }): Promise<void> {
  const { services } = options;
  const binding = browserBindingFor(options.publicUrl);
  // Base64 of the largest response we accept, as browsers form-encode it (+ / = become %2B %2F
  // %3D), plus RelayState.
  await app.register(formbody, { bodyLimit: Math.ceil((MAX_RESPONSE_BYTES * 4) / 3) * 2 + 16 * 1024 });
  const brand = pageBrandingLoader(services.branding, app.log);
  app.setErrorHandler((error, request, reply) => sendFailure(request, reply, error, brand));
  const limitPerAddress = perAddressSsoLimit(services);

  const start = async (request: FastifyRequest, reply: FastifyReply, input: Fields, answersForm: boolean) => {
    try {
      const step = await services.sso.startLogin(
        { saasid: input.saasid, idpid: input.idpid, appurl: input.appurl, errorurl: input.errorurl, forceauthn: input.forceauthn, email: input.email },
        request.id,
      );
      return await sendStep(reply, step, brand, binding, answersForm);
    } catch (error) {
      return sendFailure(request, reply, error, brand, answersForm);
    }
  };

  app.get('/sso/sp/initsso', limitPerAddress, async (request, reply) => start(request, reply, fieldsOf(request.query), false));
  // The discovery page's form posts here.
  app.post(DISCOVERY_FORM_ACTION, limitPerAddress, async (request, reply) => start(request, reply, { ...fieldsOf(request.body), email: fieldsOf(request.body).email ?? '' }, true));

  app.post('/sso/sp/ACS.saml2', limitPerAddress, async (request, reply) => {
    const body = fieldsOf(request.body);
    try {
      const step = await services.sso.completeLogin(
        {
          samlResponse: body.SAMLResponse,
          relayState: body.RelayState,
          saasid: fieldsOf(request.query).saasid,
          startedInThisBrowser: (transactionId) => {
            if (!binding.enforced) return true;
            const cookie = request.cookies[binding.cookieName(transactionId)];
            const unsigned = cookie ? request.unsignCookie(cookie) : undefined;
            return unsigned?.valid === true && unsigned.value === transactionId;
          },
        },
        request.id,
      );
      return await sendStep(reply, step, brand);
    } catch (error) {
      return sendFailure(request, reply, error, brand);
    }
  });

  await app.register(idpMetadataRoutes, { services });
  await app.register(spMetadataRoutes, { services });
  await app.register(brandingAssetRoutes, { services });
  await app.register(testIdpRoutes, { services, publicUrl: options.publicUrl });

  await app.register(tokenExchangeRoutes, { services });
  await app.register(oidcRoutes, { services, providers: options.oidcProviders, publicUrl: options.publicUrl, brand, binding });
}
