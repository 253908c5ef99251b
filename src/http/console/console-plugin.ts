import csrfProtection from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { AppError } from '../../errors.js';
import type { Services } from '../../services.js';
import { csrfToken } from './console-session.js';
import { toAppError } from '../to-app-error.js';
import { registerAuditRoutes } from './audit-routes.js';
import { registerAuthRoutes } from './auth-routes.js';
import { sessionCookiePolicy } from './console-session.js';
import { registerIntegrationRoutes } from './integration-routes.js';
import { registerApplicationConsoleRoutes } from './applications-routes.js';
import { registerApplicationCredentialRoutes } from './application-credentials-routes.js';
import { registerCustomerConnectionRoutes } from './customer-connections-routes.js';
import { registerSigningKeyRoutes } from './signing-keys-routes.js';
import { registerSignInLogRoutes } from './sign-in-log-routes.js';
import { registerBrandingRoutes } from './branding-routes.js';
import { registerTestIdpRoutes } from './test-idp-routes.js';
import { registerSetupLinkConsoleRoutes } from './setup-link-console-routes.js';
import { registerCustomerInvitationRoutes } from './customer-invitation-routes.js';
import { registerPortalSettingsRoutes } from './portal-settings-routes.js';
import { registerWebhookRoutes } from './webhooks-routes.js';
import { registerAdministratorsRoutes } from './administrators-routes.js';
import { registerMfaRoutes } from './mfa-routes.js';
import { MFA_PATH, SECOND_FACTOR_PATH } from './pages/mfa-pages.js';
import type { AdminSessionStage } from '../../domain/accounts/admin-service.js';
import { messagePage } from './pages/auth-pages.js';
import { signInUrlReturningTo } from './return-path.js';

/**
 * The console's answer to an unknown /console/… path, or to a method a console path does not
 * have (405; the root not-found handler has set `Allow`).
 */
export function sendConsoleNotFound(request: FastifyRequest, reply: FastifyReply, error?: AppError): FastifyReply {
  if (error?.code === 'METHOD_NOT_ALLOWED') {
    return reply.code(405).type('text/html').send(messagePage({ title: 'Method not allowed', message: 'This console page does not accept this kind of request.', requestId: request.id }).value);
  }
  return reply.code(404).type('text/html').send(messagePage({ title: 'Page not found', message: 'There is no such page in the console.', requestId: request.id }).value);
}

const PUBLIC_PATHS = new Set(['/console', '/console/sign-in', '/console/sign-out', '/console/setup', '/console/join']);

/**
 * What a session that is not a full one may open: after the password, only the code page; an
 * admin the account requires to use two-step verification, only its setup (docs/administrators.md).
 */
const STAGE_PAGES: Record<Exclude<AdminSessionStage, 'full'>, { home: string; paths: ReadonlySet<string> }> = {
  'second-factor': { home: SECOND_FACTOR_PATH, paths: new Set([SECOND_FACTOR_PATH]) },
  enrolment: { home: MFA_PATH, paths: new Set([MFA_PATH, `${MFA_PATH}/confirm`]) },
};

/** The admin console: server-rendered pages, a database session, CSRF tokens on every form. */
export async function consolePlugin(
  app: FastifyInstance,
  options: { services: Services; clock: Clock; publicUrl: string; csrfHmacKey: string },
): Promise<void> {
  const { services, clock } = options;
  const cookie = sessionCookiePolicy(options.publicUrl);

  await app.register(formbody, { bodyLimit: 16 * 1024 });
  await app.register(csrfProtection, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: cookie.secure ? '__Host-ssb_csrf' : 'ssb_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure: cookie.secure, signed: true },
    // Tokens are bound to the session too: a token (or a planted CSRF cookie) from before
    // sign-in, or from another session, does not validate.
    csrfOpts: { userInfo: true, hmacKey: options.csrfHmacKey },
    getUserInfo: (request: FastifyRequest) => request.admin?.sessionId ?? 'anonymous',
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('Cache-Control', 'no-store');
    const token = request.cookies[cookie.name];
    const session = token ? await services.admins.resolveSession(token) : undefined;
    if (session) request.admin = session;
    const path = request.url.split('?')[0] ?? '';
    if (!session && !PUBLIC_PATHS.has(path)) {
      // After signing in, the admin lands on the page they asked for.
      if (request.method === 'GET') return reply.redirect(signInUrlReturningTo(request.url));
      return reply.code(401).type('text/html').send(messagePage({ title: 'Signed out', message: 'Your session has ended. Sign in again.' }).value);
    }
    if (session && session.stage !== 'full' && !PUBLIC_PATHS.has(path) && !STAGE_PAGES[session.stage].paths.has(path)) {
      if (request.method === 'GET') return reply.redirect(STAGE_PAGES[session.stage].home);
      return reply.code(403).type('text/html').send(messagePage({ title: 'Two-step verification first', message: 'Finish two-step verification before using the console.' }).value);
    }
    return undefined;
  });

  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: appError.cause ?? appError }, appError.message);
    else request.log.info({ code: appError.code }, 'console request refused');
    const admin = request.admin && { email: request.admin.email };
    return reply
      .code(appError.status)
      .type('text/html')
      .send(messagePage({ title: 'Something went wrong', message: appError.message, requestId: request.id, ...(admin && { admin, csrfToken: csrfToken(request, reply) }) }).value);
  });

  registerAuthRoutes(app, { services, clock, cookie });
  registerIntegrationRoutes(app, services);
  registerApplicationCredentialRoutes(app, services);
  registerApplicationConsoleRoutes(app, services, options.publicUrl);
  registerCustomerConnectionRoutes(app, services, clock);
  registerSigningKeyRoutes(app, services, clock);
  registerSignInLogRoutes(app, services);
  registerAuditRoutes(app, services);
  registerBrandingRoutes(app, services);
  registerTestIdpRoutes(app, services);
  registerSetupLinkConsoleRoutes(app, services, clock);
  registerCustomerInvitationRoutes(app, services);
  registerPortalSettingsRoutes(app, services);
  registerWebhookRoutes(app, services);
  registerAdministratorsRoutes(app, services, cookie);
  registerMfaRoutes(app, services);
}
