import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SsoFailure } from '../../domain/sso/sso-failure.js';
import type { BrowserStep, TokenAttributes } from '../../domain/sso/sso-service.js';
import { toJavaProperties } from '../../domain/sso/java-properties.js';
import type { Services } from '../../services.js';
import { MAX_RESPONSE_BYTES } from '../../saml/response-validation.js';
import { jsonErrorHandler } from '../api/json-errors.js';
import { autoPostPage, discoveryPage, ssoErrorPage } from './sso-pages.js';

type Fields = Record<string, string | undefined>;

function fieldsOf(value: unknown): Fields {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
}

/** Tells the browser what to do next; a POST hand-off may target only that one origin. */
function sendStep(reply: FastifyReply, step: BrowserStep): FastifyReply {
  reply.header('Cache-Control', 'no-store');
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
      const url = new URL(error.errorUrl);
      url.searchParams.set('error', error.reason);
      url.searchParams.set('error_description', error.message);
      url.searchParams.set('request_id', request.id);
      return reply.redirect(url.toString(), 303);
    }
    return reply.code(error.status).type('text/html').send(ssoErrorPage({ message: error.message, reason: error.reason, requestId: request.id }).value);
  }
  request.log.error({ err: error }, 'SSO failed');
  return reply.code(500).type('text/html').send(ssoErrorPage({ message: 'Something went wrong on our side.', reason: 'INTERNAL_ERROR', requestId: request.id }).value);
}

/** The SSO runtime: `/sso/sp/initsso`, the ACS, IdP discovery, and the token exchange. */
export async function ssoPlugin(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const { services } = options;
  // Base64 of the largest response we accept, plus RelayState.
  await app.register(formbody, { bodyLimit: Math.ceil((MAX_RESPONSE_BYTES * 4) / 3) + 16 * 1024 });
  app.setErrorHandler((error, request, reply) => sendFailure(request, reply, error));

  const start = async (request: FastifyRequest, reply: FastifyReply, input: Fields) => {
    try {
      const step = await services.sso.startLogin(
        { saasid: input.saasid, idpid: input.idpid, appurl: input.appurl, errorurl: input.errorurl, forceauthn: input.forceauthn, email: input.email },
        request.id,
      );
      return sendStep(reply, step);
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
        { samlResponse: body.SAMLResponse, relayState: body.RelayState, saasid: fieldsOf(request.query).saasid },
        request.id,
      );
      return sendStep(reply, step);
    } catch (error) {
      return sendFailure(request, reply, error);
    }
  });

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
