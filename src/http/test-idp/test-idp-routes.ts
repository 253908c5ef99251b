import { perAddressSsoLimit } from '../sso/request-limit.js';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { decodeSamlRequest, AuthnRequestError } from '../../saml/authn-request-reading.js';
import type { Services } from '../../services.js';
import { autoPostPage } from '../sso/sso-pages.js';
import { pageBrandingLoader } from '../sso/page-branding.js';
import { toAppError } from '../to-app-error.js';
import { testIdpErrorPage, testIdpNotFoundPage, testIdpSignInPage, type TestSignInForm } from './test-idp-pages.js';

type Fields = Record<string, string | undefined>;
type AccountParams = { Params: { accountId: string } };

function fieldsOf(value: unknown): Fields {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
}

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The built-in test IdP's pages (docs/test-idp.md), under its entity ID `/sso/test-idp/{accountId}`:
 * `sso` receives our AuthnRequest (HTTP-Redirect or HTTP-POST) and shows the sign-in form;
 * `sign-in` checks the test user's password and posts the signed response to our ACS. Answers 404
 * when the account has none, has turned it off, or has disabled its connection.
 */
export async function testIdpRoutes(app: FastifyInstance, options: { services: Services; publicUrl: string }): Promise<void> {
  const { services } = options;
  const brand = pageBrandingLoader(services.branding, app.log);
  const secure = options.publicUrl.startsWith('https://');
  // Double-submit CSRF token for the sign-in form: a signed cookie only this site can set, and
  // the same value in the form. There is no session here to bind a token to.
  const csrfCookie = secure ? '__Host-ssb_test_idp' : 'ssb_test_idp';
  const limitPerAddress = perAddressSsoLimit(services);
  const base = (accountId: string) => `/sso/test-idp/${accountId}`;

  app.setErrorHandler(async (error, request, reply) => {
    const appError = toAppError(error);
    reply.header('Cache-Control', 'no-store');
    if (appError.retryAfterSeconds !== undefined) reply.header('Retry-After', String(appError.retryAfterSeconds));
    if (appError.code === 'ROUTE_NOT_FOUND') return reply.code(404).type('text/html').send(testIdpNotFoundPage(request.id).value);
    if (appError.status >= 500) request.log.error({ err: appError.cause ?? appError }, 'test IdP failed');
    const accountId = fieldsOf(request.params).accountId;
    return reply.code(appError.status).type('text/html').send(testIdpErrorPage({ message: appError.message, requestId: request.id, branding: await brand(accountId) }).value);
  });

  const showSignIn = async (request: FastifyRequest<AccountParams>, reply: FastifyReply, requestXml: string, relayState: string | undefined, error?: { message: string; status: number; username?: string | undefined }) => {
    const { accountId } = request.params;
    const pending = await services.testIdp.receiveRequest(accountId, requestXml, relayState);
    const token = randomBytes(24).toString('base64url');
    reply.setCookie(csrfCookie, token, { path: '/', httpOnly: true, secure, sameSite: 'strict', signed: true, maxAge: 30 * 60 });
    const form: TestSignInForm = {
      action: `${base(accountId)}/sign-in`,
      samlRequest: Buffer.from(pending.request.xml, 'utf8').toString('base64'),
      relayState: pending.relayState,
      csrfToken: token,
      spEntityId: pending.request.issuer,
    };
    return reply
      .code(error?.status ?? 200)
      .header('Cache-Control', 'no-store')
      .type('text/html')
      .send(testIdpSignInPage({ form, users: pending.users, selected: error?.username, error: error?.message, branding: await brand(accountId) }).value);
  };

  const decode = (samlRequest: string | undefined, binding: 'redirect' | 'post') => {
    try {
      if (!samlRequest) throw new AuthnRequestError('No SAMLRequest was sent.');
      return decodeSamlRequest(samlRequest, binding);
    } catch (error) {
      throw new AppError('VALIDATION_FAILED', error instanceof Error ? error.message : 'The SAMLRequest cannot be read.');
    }
  };

  // HTTP-Redirect binding (what the test connection asks for) and HTTP-POST.
  app.get<AccountParams>('/sso/test-idp/:accountId/sso', limitPerAddress, async (request, reply) => {
    const query = fieldsOf(request.query);
    return showSignIn(request, reply, decode(query.SAMLRequest, 'redirect'), query.RelayState);
  });
  app.post<AccountParams>('/sso/test-idp/:accountId/sso', limitPerAddress, async (request, reply) => {
    const body = fieldsOf(request.body);
    return showSignIn(request, reply, decode(body.SAMLRequest, 'post'), body.RelayState);
  });

  app.post<AccountParams>('/sso/test-idp/:accountId/sign-in', limitPerAddress, async (request, reply) => {
    const body = fieldsOf(request.body);
    const { accountId } = request.params;
    const cookie = request.cookies[csrfCookie];
    const unsigned = cookie ? request.unsignCookie(cookie) : undefined;
    if (!unsigned?.valid || !unsigned.value || !body._csrf || !sameText(unsigned.value, body._csrf)) {
      throw new AppError('CSRF_TOKEN_INVALID', 'This sign-in form has expired or did not come from this site. Start the sign-in again from the application.');
    }
    const requestXml = decode(body.SAMLRequest, 'post');
    try {
      const result = await services.testIdp.signIn({
        accountId,
        requestXml,
        relayState: body.RelayState,
        username: body.username ?? '',
        password: body.password ?? '',
        sourceIp: request.ip,
      });
      reply.header('Cache-Control', 'no-store');
      reply.header(
        'Content-Security-Policy',
        `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action ${new URL(result.acsUrl).origin}; frame-ancestors 'none'; base-uri 'none'`,
      );
      return reply.type('text/html').send(autoPostPage(result.acsUrl, result.fields, await brand(accountId)));
    } catch (error) {
      const appError = toAppError(error);
      if (appError.code !== 'INVALID_SIGN_IN' && appError.code !== 'TOO_MANY_ATTEMPTS') throw error;
      if (appError.retryAfterSeconds !== undefined) reply.header('Retry-After', String(appError.retryAfterSeconds));
      return showSignIn(request, reply, requestXml, body.RelayState, { message: appError.message, status: appError.status, username: body.username });
    }
  });
}
