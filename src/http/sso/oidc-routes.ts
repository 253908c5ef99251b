import { createHash } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import { SsoFailure } from '../../errors.js';
import { OIDC_INTERACTION_PATH } from '../../domain/sso/oidc-sign-in.js';
import { OIDC_ENDPOINT_PATHS } from '../../domain/applications/oidc-endpoints.js';
import { VOUCHED_CLAIMS, type ClientProvider } from '../../oidc/oidc-provider.js';
import { withPresentedSecret } from '../../oidc/oidc-client.js';
import type { OidcProviders } from '../../oidc/oidc-providers.js';
import type { Services } from '../../services.js';
import type { PageBrandingLoader } from './page-branding.js';
import { perAddressSsoLimit } from './request-limit.js';
import { ssoErrorPage } from './sso-pages.js';
import { sendAway, sendStep, type BrowserBinding } from './browser-steps.js';

type Fields = Record<string, string | undefined>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** RFC 7636 §4.1: a code verifier (and so a `plain` challenge) is 43–128 unreserved characters. */
const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

function fieldsOf(value: unknown): Fields {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
}

/** oidc-provider refuses larger bodies too (56 KiB). */
const MAX_FORM_BYTES = 56 * 1024;

/** A posted form as its bytes (what the library will read) and its fields (what we dispatch on); the first of repeated fields. */
function formOf(request: FastifyRequest): { bytes: Buffer; fields: Fields } {
  const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const fields: Fields = {};
  for (const [name, value] of new URLSearchParams(bytes.toString('utf8'))) fields[name] ??= value;
  return { bytes, fields };
}

/**
 * The request again, with its body still to be read: oidc-provider reads and checks the body
 * itself (duplicate parameters, size), which it can only do on a stream it reads from the start.
 */
function replayable(raw: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = new IncomingMessage(raw.socket);
  copy.method = raw.method;
  copy.url = raw.url;
  copy.httpVersion = raw.httpVersion;
  copy.httpVersionMajor = raw.httpVersionMajor;
  copy.httpVersionMinor = raw.httpVersionMinor;
  copy.headers = { ...raw.headers, 'content-length': String(body.length) };
  copy.rawHeaders = raw.rawHeaders;
  copy.push(body);
  copy.push(null);
  // Whole already: destroying an incomplete message would destroy the connection it came on.
  copy.complete = true;
  return copy;
}

/**
 * The client a token, introspection or revocation request authenticates as, read as
 * oidc-provider reads it (HTTP Basic with form-encoded parts, RFC 6749 §2.3.1, else the body).
 */
function presentedClient(request: FastifyRequest): { clientId: string | undefined; secret: string | undefined } {
  const authorization = request.headers.authorization;
  if (authorization?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const part = (value: string) => {
      try {
        return decodeURIComponent(value.replace(/\+/g, '%20'));
      } catch {
        return undefined;
      }
    };
    return colon < 0 ? { clientId: undefined, secret: undefined } : { clientId: part(decoded.slice(0, colon)), secret: part(decoded.slice(colon + 1)) };
  }
  const { fields } = formOf(request);
  return { clientId: fields.client_id, secret: fields.client_secret };
}

/**
 * The OIDC endpoints (docs/oidc.md): PingOne's shared paths under `/sso/as/`, each client's own
 * under its issuer `/{client_id}/`, and the interaction that signs the user in at the customer's
 * IdP through the SSO runtime. Requests are handed to the client's node-oidc-provider instance.
 */
export async function oidcRoutes(
  app: FastifyInstance,
  options: { services: Services; providers: OidcProviders; publicUrl: string; brand: PageBrandingLoader; binding: BrowserBinding },
): Promise<void> {
  const { services, providers, publicUrl, brand, binding } = options;
  // Forms stay bytes here: the library parses what it is given, as it would from the network.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: MAX_FORM_BYTES }, (_request, body, done) => done(null, body));
  const publicOrigin = new URL(publicUrl);

  const errorPage = async (reply: FastifyReply, request: FastifyRequest, status: number, reason: string, message: string, accountId?: string) =>
    reply
      .code(status)
      .header('Cache-Control', 'no-store')
      .type('text/html')
      .send(ssoErrorPage({ message, reason, requestId: request.id, branding: await brand(accountId) }).value);

  /**
   * Gives the request to the client's provider. Our headers go with it (the provider writes the
   * response itself), with forms allowed to the client's registered URIs only: the library's
   * form_post response and logout pages post there. The forwarded headers make the library build
   * every address from our public URL, whatever Host the request came with.
   */
  const handOver = async (request: FastifyRequest, reply: FastifyReply, client: ClientProvider, rewrite: { url?: string; body?: Buffer; secret?: string } = {}) => {
    request.raw.headers['x-forwarded-proto'] = publicOrigin.protocol.slice(0, -1);
    request.raw.headers['x-forwarded-host'] = publicOrigin.host;
    // The library trusts these headers (proxy mode): the client address is the one we established.
    request.raw.headers['x-forwarded-for'] = request.ip;
    if (rewrite.url !== undefined) request.raw.url = rewrite.url;
    const raw = Buffer.isBuffer(request.body) ? replayable(request.raw, rewrite.body ?? request.body) : request.raw;
    reply.hijack();
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
    reply.raw.setHeader('Content-Security-Policy', contentSecurityPolicy(String(reply.getHeader('content-security-policy') ?? ''), client));
    const started = performance.now();
    await withPresentedSecret(rewrite.secret, () => client.provider.callback()(raw, reply.raw));
    request.log.info({ res: { statusCode: reply.raw.statusCode }, responseTime: performance.now() - started }, 'request completed');
  };

  const unknownClient = (request: FastifyRequest, reply: FastifyReply) =>
    errorPage(reply, request, 400, 'invalid_client', 'The application (client_id) is unknown or disabled.');

  // --- Authorization: the client named by client_id. PKCE `plain` becomes S256 for apps that allow it.
  const authorize = async (request: FastifyRequest, reply: FastifyReply, params: Fields, fromBody: boolean) => {
    const client = await providers.forClient(params.client_id ?? '');
    if (!client) return unknownClient(request, reply);
    const plain = client.app.allowPlainPkce && params.code_challenge_method === 'plain' && PKCE_VERIFIER.test(params.code_challenge ?? '');
    if (!plain) return handOver(request, reply, client);
    // With `plain` the verifier is the challenge, so the S256 of the challenge is what S256 checks the verifier against.
    const rewritten = { ...params, code_challenge: createHash('sha256').update(params.code_challenge!).digest('base64url'), code_challenge_method: 'S256' };
    if (fromBody) return handOver(request, reply, client, { body: Buffer.from(new URLSearchParams(Object.entries(rewritten).filter((e): e is [string, string] => e[1] !== undefined)).toString()) });
    const url = new URL(request.raw.url ?? '/', publicUrl);
    for (const [name, value] of Object.entries(rewritten)) if (value !== undefined) url.searchParams.set(name, value);
    return handOver(request, reply, client, { url: `${url.pathname}${url.search}` });
  };
  const limitPerAddress = perAddressSsoLimit(services);
  app.get(OIDC_ENDPOINT_PATHS.authorization, limitPerAddress, async (request, reply) => authorize(request, reply, fieldsOf(request.query), false));
  app.post(OIDC_ENDPOINT_PATHS.authorization, limitPerAddress, async (request, reply) => authorize(request, reply, formOf(request).fields, true));
  app.get<{ Params: { uid: string } }>(`${OIDC_ENDPOINT_PATHS.authorization}/:uid`, async (request, reply) => {
    const client = await providers.forInteraction(request.params.uid);
    if (!client) return errorPage(reply, request, 400, 'invalid_request', 'This sign-in has expired or is unknown. Start again from the application.');
    return handOver(request, reply, client);
  });

  // --- Client-authenticated endpoints: the client is who the request authenticates as.
  for (const path of [OIDC_ENDPOINT_PATHS.token, OIDC_ENDPOINT_PATHS.introspection, OIDC_ENDPOINT_PATHS.revocation]) {
    app.post(path, async (request, reply) => {
      const presented = presentedClient(request);
      const client = await providers.forClient(presented.clientId ?? '');
      if (!client) {
        // RFC 6749 §5.2: an unknown client is invalid_client, 401 with a challenge when it tried Basic.
        if (request.headers.authorization) reply.header('WWW-Authenticate', 'Basic realm="ssobridge"');
        return reply.code(401).header('Cache-Control', 'no-store').send({ error: 'invalid_client', error_description: 'client authentication failed' });
      }
      return handOver(request, reply, client, { secret: presented.secret });
    });
  }

  // --- Every account's active and renewal keys, so a key is published before it signs.
  app.get(OIDC_ENDPOINT_PATHS.jwks, async (_request, reply) =>
    reply.header('Cache-Control', 'public, max-age=300').header('Access-Control-Allow-Origin', '*').type('application/jwk-set+json').send(await providers.publishedKeys()),
  );

  // --- Under each client's issuer: discovery, userinfo, logout.
  const perClient = async (request: FastifyRequest<{ Params: { clientId: string } }>, reply: FastifyReply, url?: string) => {
    const client = await providers.forClient(request.params.clientId);
    if (!client) return reply.callNotFound();
    return handOver(request, reply, client, url === undefined ? {} : { url });
  };
  const issuerRoute = '/:clientId';
  app.get<{ Params: { clientId: string } }>(`${issuerRoute}/.well-known/openid-configuration`, async (request, reply) => perClient(request, reply, '/.well-known/openid-configuration'));
  for (const suffix of ['/userinfo', '/session/end']) {
    app.get<{ Params: { clientId: string } }>(`${issuerRoute}${suffix}`, async (request, reply) => perClient(request, reply));
    app.post<{ Params: { clientId: string } }>(`${issuerRoute}${suffix}`, async (request, reply) => perClient(request, reply));
  }
  app.post<{ Params: { clientId: string } }>(`${issuerRoute}/session/end/confirm`, async (request, reply) => perClient(request, reply));
  app.get<{ Params: { clientId: string } }>(`${issuerRoute}/session/end/success`, async (request, reply) => perClient(request, reply));

  // --- The interaction: the customer's IdP signs the user in, and the app gets its code.
  type InteractionRequest = FastifyRequest<{ Params: { clientId: string; uid: string } }>;
  /** The client and its open interaction, from the interaction cookie of this browser (the one that made the request). */
  const openInteraction = async (request: InteractionRequest, reply: FastifyReply) => {
    const { clientId, uid } = request.params;
    const client = UUID.test(clientId) ? await providers.forClient(clientId) : undefined;
    if (!client) return undefined;
    try {
      const details = await client.provider.interactionDetails(request.raw, reply.raw);
      if (details.uid !== uid || details.params.client_id !== clientId) return undefined;
      return { client, details };
    } catch {
      return undefined;
    }
  };
  const lostInteraction = (request: FastifyRequest, reply: FastifyReply) =>
    errorPage(reply, request, 400, 'invalid_request', 'This sign-in has expired or was started in another browser. Start again from the application.');
  /**
   * Ends the authorization request: the library sends the browser back to the app with the result.
   * In the answer to our IdP discovery form, a page that moves on by itself (see sendAway): the
   * library's redirect on to the app would follow that form under its `form-action 'self'`.
   */
  const finish = async (reply: FastifyReply, request: FastifyRequest, client: ClientProvider, result: InteractionResults, answersForm = false, accountId?: string) => {
    const returnTo = await client.provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false });
    return sendAway(reply.header('Cache-Control', 'no-store'), returnTo, 303, answersForm, 'Returning you to the application…', () => brand(accountId));
  };

  const startSignIn = async (request: InteractionRequest, reply: FastifyReply, email: string | undefined) => {
    const open = await openInteraction(request, reply);
    if (!open) return lostInteraction(request, reply);
    const { client, details } = open;
    const param = (name: string) => (typeof details.params[name] === 'string' ? (details.params[name] as string) : undefined);
    try {
      const step = await services.sso.startOidcSignIn(
        {
          saasid: client.app.saasid,
          interactionUid: details.uid,
          idpid: param('idpid'),
          loginHint: param('login_hint'),
          email,
          forceAuthn: (param('prompt') ?? '').split(' ').includes('login') || param('max_age') !== undefined,
        },
        request.id,
      );
      return await sendStep(reply, step, brand, binding, email !== undefined);
    } catch (error) {
      if (!(error instanceof SsoFailure)) throw error;
      request.log.info({ reason: error.reason, detail: error.message }, 'OIDC sign-in refused');
      const unknownIdp = error.reason === 'UNKNOWN_IDP' || error.reason === 'IDP_NOT_CONNECTED';
      const result = { error: unknownIdp ? 'invalid_request' : 'access_denied', error_description: `${error.message} Request ID: ${request.id}.` };
      return finish(reply, request, client, result, email !== undefined, error.accountId);
    }
  };
  app.get<{ Params: { clientId: string; uid: string } }>(`${OIDC_INTERACTION_PATH}/:clientId/:uid`, limitPerAddress, async (request, reply) => startSignIn(request, reply, undefined));
  // The IdP discovery page's form.
  app.post<{ Params: { clientId: string; uid: string } }>(`${OIDC_INTERACTION_PATH}/:clientId/:uid`, limitPerAddress, async (request, reply) =>
    startSignIn(request, reply, formOf(request).fields.email ?? ''),
  );

  // The ACS sends a completed sign-in here with its one-time token.
  app.get<{ Params: { clientId: string; uid: string } }>(`${OIDC_INTERACTION_PATH}/:clientId/:uid/complete`, async (request, reply) => {
    const open = await openInteraction(request, reply);
    if (!open) return lostInteraction(request, reply);
    const { client, details } = open;
    const signIn = await services.sso.takeOidcSignIn(fieldsOf(request.query).tokenid ?? '', client.app.saasid);
    if (!signIn || signIn.interactionUid !== details.uid) {
      return errorPage(reply, request, 400, 'invalid_request', 'This sign-in was already completed or has expired. Start again from the application.', undefined);
    }
    const grant = new client.provider.Grant({ accountId: signIn.sub, clientId: client.app.saasid });
    const requested = String(details.params.scope ?? '').split(' ');
    grant.addOIDCScope(['openid', ...(client.app.refreshTokens && requested.includes('offline_access') ? ['offline_access'] : [])].join(' '));
    grant.addOIDCClaims(['sub', ...VOUCHED_CLAIMS, ...client.app.requiredAttributes.map((a) => a.name)]);
    const grantId = await grant.save();
    await client.saveSignIn(grantId, signIn);
    return finish(reply, request, client, { login: { accountId: signIn.sub, ts: signIn.authTime, ...(signIn.acr !== null && { acr: signIn.acr }) }, consent: { grantId } });
  });

  // The ACS sends a refused sign-in here: the app hears access_denied and the request ID, nothing more.
  app.get<{ Params: { clientId: string; uid: string } }>(`${OIDC_INTERACTION_PATH}/:clientId/:uid/abort`, async (request, reply) => {
    const open = await openInteraction(request, reply);
    if (!open) return lostInteraction(request, reply);
    const requestId = fieldsOf(request.query).request_id;
    const reference = requestId !== undefined && UUID.test(requestId) ? ` Request ID: ${requestId}.` : '';
    return finish(reply, request, open.client, { error: 'access_denied', error_description: `The sign-in at the identity provider did not succeed.${reference}` });
  });
}

/** Our CSP, with form-action widened to the origins of the client's registered redirect and logout URIs. */
function contentSecurityPolicy(ours: string, client: ClientProvider): string {
  const origins = [...new Set([...client.app.redirectUris, ...client.app.postLogoutRedirectUris].map((uri) => new URL(uri).origin))];
  return ours
    .split(';')
    .map((directive) => (directive.trim().startsWith('form-action') ? ` form-action 'self' ${origins.join(' ')}` : directive))
    .join(';');
}
