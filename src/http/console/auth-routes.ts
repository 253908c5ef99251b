import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Services } from '../../services.js';
import { csrfToken } from './console-session.js';
import type { CookiePolicy } from './console-session.js';
import { clearSessionCookie, setSessionCookie } from './console-session.js';
import { formOf, submitForm } from './forms.js';
import { setupPage, signInPage } from './pages/auth-pages.js';

export function registerAuthRoutes(app: FastifyInstance, deps: { services: Services; clock: Clock; cookie: CookiePolicy }): void {
  const { services, clock, cookie } = deps;

  app.get('/console', async (request, reply) =>
    reply.redirect(request.admin ? '/console/account/integration' : '/console/sign-in'),
  );

  app.get('/console/sign-in', async (request, reply) => {
    if (request.admin) return reply.redirect('/console/account/integration');
    return reply.type('text/html').send(signInPage({ csrfToken: csrfToken(request, reply) }).value);
  });

  app.post('/console/sign-in', { preValidation: app.csrfProtection }, async (request, reply) => {
    const form = formOf(request);
    const outcome = await submitForm(() => services.admins.signIn({ email: form.email ?? '', password: form.password ?? '' }, request.ip));
    if (!outcome.ok) {
      return reply
        .code(outcome.status)
        .type('text/html')
        .send(signInPage({ csrfToken: csrfToken(request, reply), email: form.email, error: outcome.message }).value);
    }
    setSessionCookie(reply, cookie, outcome.value.token, outcome.value.expiresAt, clock.now());
    return reply.redirect('/console/account/integration', 303);
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
    if (!token || !(await services.admins.isSetupTokenValid(token))) {
      return reply
        .code(404)
        .type('text/html')
        .send(signInPage({ csrfToken: csrfToken(request, reply), error: 'This setup link is not valid any more. Restart the server for a new one, or run "ssobridge admin create".' }).value);
    }
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
    if (!outcome.ok) return rerender(outcome.status, outcome.fields, outcome.message);
    setSessionCookie(reply, cookie, outcome.value.token, outcome.value.expiresAt, clock.now());
    return reply.redirect('/console/account/integration', 303);
  });
}
