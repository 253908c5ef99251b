import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SsoFailure } from '../../domain/sso/sso-failure.js';
import type { BrowserStep, TokenAttributes } from '../../domain/sso/sso-service.js';
import { toJavaProperties } from '../../domain/sso/java-properties.js';
import type { Services } from '../../services.js';
import { MAX_RESPONSE_BYTES } from '../../saml/response-validation.js';
import { jsonErrorHandler } from '../api/json-errors.js';
import { toAppError } from '../to-app-error.js';
import { idpMetadataRoutes } from './idp-metadata-routes.js';
import { autoPostPage, discoveryPage, ssoErrorPage } from './sso-pages.js';

type Fields = Record<string, string | undefined>;

function fieldsOf(value: unknown): Fields {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
}

/**
 * Login CSRF defence: the browser that starts an SP-initiated sign-in gets a signed cookie naming
 * its transaction, and the ACS completes that transaction only for a browser that has it. Over
 * https the cookie is SameSite=None (it must come back on the IdP's cross-site POST); plain http
 * (local development) cannot send such a cookie cross-site, so there the check is off.
 */
interface BrowserBinding {
  enforced: boolean;
  cookieName(transactionId: string): string;
}

function browserBindingFor(publicUrl: string): BrowserBinding {
  const secure = publicUrl.startsWith('https://');
  return {
    enforced: secure,
    cookieName: (transactionId) => `${secure ? '__Host-' : ''}ssb_sso_${transactionId.replace(/[^A-Za-z0-9]/g, '').slice(0, 24)}`,
  };
}

/** Tells the browser what to do next; a POST hand-off may target only that one origin. */
function sendStep(reply: FastifyReply, step: BrowserStep, binding?: BrowserBinding): FastifyReply {
  reply.header('Cache-Control', 'no-store');
  if (binding?.enforced && step.kind !== 'discover' && step.transactionId) {
    reply.setCookie(binding.cookieName(step.transactionId), step.transactionId, { path: '/', httpOnly: true, secure: true, sameSite: 'none', signed: true, maxAge: 10 * 60 });
  }
  if (step.kind === 'redirect') return reply.redirect(step.url, 302);
  if (step.kind === 'discover') return reply.type('text/html').send(discoveryPage(step).value);
  reply.header(
    'Content-Security-Policy',
    `default-src 'none'; script-src 'self'; style-src 'self'; form-action ${new URL(step.url).origin}; frame-ancestors 'none'; base-uri 'none'`,
  );
  return reply.type('text/html').send(autoPostPage(step.url, step.fields));
}

/** A failed login goes to the app's error URL with a reason, or to a page with the request ID. */
function sendFailure(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  reply.header('Cache-Control', 'no-store');
  if (error instanceof SsoFailure) {
    request.log.info({ reason: error.reason, detail: error.message }, 'SSO refused');
    if (error.errorUrl) {
      // Only the stable reason and the request ID: the detail can quote the (unverified) message,
      // so it stays in the log and the sign-in log rather than on the app's page.
      const url = new URL(error.errorUrl);
      url.searchParams.set('error', error.reason);
      url.searchParams.set('request_id', request.id);
      return reply.redirect(url.toString(), 303);
    }
    return reply.code(error.status).type('text/html').send(ssoErrorPage({ message: error.message, reason: error.reason, requestId: request.id }).value);
  }
  const appError = toAppError(error);
  if (appError.status >= 500) request.log.error({ err: appError.cause ?? appError }, 'SSO failed');
  return reply.code(appError.status).type('text/html').send(ssoErrorPage({ message: appError.message, reason: appError.code, requestId: request.id }).value);
}

/** The SSO runtime: `/sso/sp/initsso`, the ACS, IdP discovery, the token exchange, and IdP metadata for SAML apps. */
export async function ssoPlugin(app: FastifyInstance, options: { services: Services; publicUrl: string }): Promise<void> {
  const { services } = options;
  const binding = browserBindingFor(options.publicUrl);
  // Base64 of the largest response we accept, as browsers form-encode it (+ / = become %2B %2F
  // %3D), plus RelayState.
  await app.register(formbody, { bodyLimit: Math.ceil((MAX_RESPONSE_BYTES * 4) / 3) * 2 + 16 * 1024 });
  app.setErrorHandler((error, request, reply) => sendFailure(request, reply, error));

  const start = async (request: FastifyRequest, reply: FastifyReply, input: Fields) => {
    try {
      const step = await services.sso.startLogin(
        { saasid: input.saasid, idpid: input.idpid, appurl: input.appurl, errorurl: input.errorurl, forceauthn: input.forceauthn, email: input.email },
        request.id,
      );
      return sendStep(reply, step, binding);
    } catch (error) {
      return sendFailure(request, reply, error);
    }
  };

  app.get('/sso/sp/initsso', async (request, reply) => start(request, reply, fieldsOf(request.query)));
  app.post('/sso/sp/discover', async (request, reply) => start(request, reply, { ...fieldsOf(request.body), email: fieldsOf(request.body).email ?? '' }));

  app.post('/sso/sp/ACS.saml2', async (request, reply) => {
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
      return sendStep(reply, step);
    } catch (error) {
      return sendFailure(request, reply, error);
    }
  });

  await app.register(idpMetadataRoutes, { services });

  // Token exchange: HTTP Basic with the app's application credentials (or enabled global ones).
  await app.register(async (txs) => {
    txs.setErrorHandler(jsonErrorHandler);
    const exchange = async (request: FastifyRequest<{ Params: { tokenid: string } }>): Promise<TokenAttributes> => {
      const principal = await services.clientAuthenticator.authenticate({
        authorization: request.headers.authorization,
        sourceIp: request.ip,
        accept: ['application', 'global'],
      });
      return services.sso.exchangeToken(principal, request.params.tokenid);
    };
    txs.get<{ Params: { tokenid: string } }>('/sso/TXS/2.0/1/:tokenid', async (request, reply) => {
      reply.header('Cache-Control', 'no-store');
      return exchange(request);
    });
    txs.get<{ Params: { tokenid: string } }>('/sso/TXS/2.0/2/:tokenid', async (request, reply) => {
      const attributes = await exchange(request);
      const flat = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
      return reply.header('Cache-Control', 'no-store').type('text/plain; charset=utf-8').send(toJavaProperties(flat));
    });
  });
}
