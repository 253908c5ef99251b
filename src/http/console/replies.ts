import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SafeHtml } from '../views/html.js';
import { csrfToken } from './console-session.js';
import type { Chrome } from './pages/partials.js';

/** The signed-in admin and a fresh CSRF token, for the page's layout and forms. */
export function chromeOf(request: FastifyRequest, reply: FastifyReply): Chrome {
  return { admin: request.admin && { email: request.admin.email }, csrfToken: csrfToken(request, reply) };
}

export function sendPage(reply: FastifyReply, page: SafeHtml, status = 200): FastifyReply {
  return reply.code(status).type('text/html').send(page.value);
}

/** A page that carries a plaintext secret: never cached, never stored in history caches. */
export function sendSecretPage(reply: FastifyReply, page: SafeHtml): FastifyReply {
  reply.header('Cache-Control', 'no-store');
  return sendPage(reply, page);
}

/**
 * Notices after a redirect come from a fixed list per page, so the query string cannot inject
 * text into the page.
 */
export function noticeFrom(notices: Record<string, string>, key: unknown): string | undefined {
  return typeof key === 'string' && Object.hasOwn(notices, key) ? notices[key] : undefined;
}
