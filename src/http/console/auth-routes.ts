import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Services } from '../../services.js';
import { csrfToken } from './console-session.js';
import type { CookiePolicy } from './console-session.js';
import { clearSessionCookie, setSessionCookie } from './console-session.js';
import { formOf, submitForm } from './forms.js';
import { setupLinkInvalidPage, setupPage, signInPage } from './pages/auth-pages.js';
import { joinLinkInvalidPage, joinPage } from './pages/administrators-pages.js';
import { SECOND_FACTOR_PATH, secondFactorPage } from './pages/mfa-pages.js';
import { DEFAULT_CONSOLE_PAGE, safeReturnPath } from './return-path.js';

export function registerAuthRoutes(app: FastifyInstance, deps: { services: Services; clock: Clock; cookie: CookiePolicy }): void {
  const { services, clock, cookie } = deps;

  app.get('/console', async (request, reply) =>
    reply.redirect(request.admin ? DEFAULT_CONSOLE_PAGE : '/console/sign-in'),
  );

  app.get<{ Querystring: { next?: string } }>('/console/sign-in', async (request, reply) => {
    const next = safeReturnPath(request.query.next);
    if (request.admin) return reply.redirect(next ?? DEFAULT_CONSOLE_PAGE);
    return reply.type('text/html').send(signInPage({ csrfToken: csrfToken(request, reply), next }).value);
  });

  app.post('/console/sign-in', { preValidation: app.csrfProtection }, async (request, reply) => {
    const form = formOf(request);
    // Checked again here: the hidden field comes back from the browser like any other input.
    const next = safeReturnPath(form.next);
    const outcome = await submitForm(() => services.admins.signIn({ email: form.email ?? '', password: form.password ?? '' }, request.ip));
    if (!outcome.ok) {
      return reply
        .code(outcome.status)
        .type('text/html')
        .send(signInPage({ csrfToken: csrfToken(request, reply), email: form.email, error: outcome.message, next }).value);
    }
    setSessionCookie(reply, cookie, outcome.value.token, outcome.value.expiresAt, clock.now());
    if (outcome.value.secondFactorPending) return reply.redirect(next ? `${SECOND_FACTOR_PATH}?next=${encodeURIComponent(next)}` : SECOND_FACTOR_PATH, 303);
    return reply.redirect(next ?? DEFAULT_CONSOLE_PAGE, 303);
  });

  // Behind the session hook, which lets a session waiting for its second factor open only this page.
  app.get<{ Querystring: { next?: string } }>(SECOND_FACTOR_PATH, async (request, reply) => {
    const next = safeReturnPath(request.query.next);
    if (request.admin?.stage !== 'second-factor') return reply.redirect(next ?? DEFAULT_CONSOLE_PAGE);
    return reply.type('text/html').send(secondFactorPage({ csrfToken: csrfToken(request, reply), next }).value);
  });

  app.post(SECOND_FACTOR_PATH, { preValidation: app.csrfProtection }, async (request, reply) => {
    const form = formOf(request);
    const next = safeReturnPath(form.next);
    const token = request.cookies[cookie.name] ?? '';
    if (request.admin?.stage !== 'second-factor') return reply.redirect(next ?? DEFAULT_CONSOLE_PAGE, 303);
    const outcome = await submitForm(() => services.admins.completeSecondFactor(token, form.code ?? '', request.ip));
    if (!outcome.ok) {
      return reply
        .code(outcome.status)
        .type('text/html')
        .send(secondFactorPage({ csrfToken: csrfToken(request, reply), error: outcome.message, next }).value);
    }
    setSessionCookie(reply, cookie, outcome.value.token, outcome.value.expiresAt, clock.now());
    return reply.redirect(next ?? DEFAULT_CONSOLE_PAGE, 303);
  });

  // Public, so that signing out of an already-expired session still clears the cookie.
  app.post(
    '/console/sign-out',
    { preValidation: (request, reply, done) => (request.admin ? app.csrfProtection(request, reply, done) : done()) },
    async (request, reply) => {
    const token = request.cookies[cookie.name];
    if (token && request.admin) await services.admins.signOut(token);
    clearSessionCookie(reply, cookie);
    return reply.redirect('/console/sign-in', 303);
    },
  );

  app.get<{ Querystring: { token?: string } }>('/console/setup', async (request, reply) => {
    const token = typeof request.query.token === 'string' ? request.query.token : '';
    if (!token || !(await services.admins.isSetupTokenValid(token))) return reply.code(404).type('text/html').send(setupLinkInvalidPage().value);
    reply.header('Referrer-Policy', 'no-referrer');
    return reply.type('text/html').send(setupPage({ csrfToken: csrfToken(request, reply), token }).value);
  });

  app.post('/console/setup', { preValidation: app.csrfProtection }, async (request, reply) => {
    const form = formOf(request);
    const token = form.token ?? '';
    const rerender = (status: number, errors: Record<string, string>, error?: string) =>
      reply
        .code(status)
        .type('text/html')
        .send(setupPage({ csrfToken: csrfToken(request, reply), token, email: form.email, errors, ...(error && { error }) }).value);
    if ((form.password ?? '') !== (form.confirm ?? '')) return rerender(400, { confirm: 'does not match the password' });
    const outcome = await submitForm(() => services.admins.completeSetup(token, { email: form.email ?? '', password: form.password ?? '' }, request.ip));
    if (!outcome.ok) {
      if (outcome.code === 'SETUP_TOKEN_INVALID') return reply.code(outcome.status).type('text/html').send(setupLinkInvalidPage().value);
      return rerender(outcome.status, outcome.fields, outcome.message);
    }
    setSessionCookie(reply, cookie, outcome.value.token, outcome.value.expiresAt, clock.now());
    return reply.redirect(DEFAULT_CONSOLE_PAGE, 303);
  });

  // An administrator invitation (Account › Administrators): the invitee chooses a password.
  app.get<{ Querystring: { token?: string } }>('/console/join', async (request, reply) => {
    const token = typeof request.query.token === 'string' ? request.query.token : '';
    const invitation = token ? await services.admins.openInvitation(token) : undefined;
    if (!invitation) return reply.code(404).type('text/html').send(joinLinkInvalidPage().value);
    reply.header('Referrer-Policy', 'no-referrer');
    return reply.type('text/html').send(joinPage({ csrfToken: csrfToken(request, reply), token, email: invitation.email }).value);
  });

  app.post('/console/join', { preValidation: app.csrfProtection }, async (request, reply) => {
    const form = formOf(request);
    const token = form.token ?? '';
    const invitation = await services.admins.openInvitation(token);
    if (!invitation) return reply.code(404).type('text/html').send(joinLinkInvalidPage().value);
    const rerender = (status: number, errors: Record<string, string>, error?: string) =>
      reply
        .code(status)
        .type('text/html')
        .send(joinPage({ csrfToken: csrfToken(request, reply), token, email: invitation.email, errors, error }).value);
    if ((form.password ?? '') !== (form.confirm ?? '')) return rerender(400, { confirm: 'does not match the password' });
    const outcome = await submitForm(() => services.admins.acceptInvitation(token, { password: form.password ?? '' }, request.ip));
    if (!outcome.ok) {
      if (outcome.code === 'ADMIN_INVITATION_INVALID') return reply.code(outcome.status).type('text/html').send(joinLinkInvalidPage().value);
      return rerender(outcome.status, outcome.fields, outcome.message);
    }
    setSessionCookie(reply, cookie, outcome.value.token, outcome.value.expiresAt, clock.now());
    return reply.redirect(DEFAULT_CONSOLE_PAGE, 303);
  });
}
