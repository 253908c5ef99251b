import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import { SETUP_LINK_PATH } from '../../domain/setup-links/setup-link-service.js';
import { TEST_RESULT_PATH } from '../../domain/sso/test-sign-in.js';
import { testFinishedPage } from './test-sign-in-pages.js';

/**
 * The way back from a test sign-in to the portal page it started on. The ACS cannot name that
 * page: its URL carries the link's secret, which is stored only hashed. So "Test sign-in" gives
 * the browser this signed cookie with the secret, and the ACS sends it to TEST_RESULT_PATH, which
 * redirects to the portal page. HttpOnly, only under /setup, and SameSite=Lax: it is sent on the
 * top-level GET the ACS redirects to, though the IdP's POST before it was cross-site. It stays
 * until it expires, so a second answer of the IdP (a retry, a replay) comes back to the portal too.
 */
export function testReturnCookie(publicUrl: string): { name: string; options: CookieSerializeOptions } {
  const secure = publicUrl.startsWith('https://');
  return {
    name: secure ? '__Secure-ssb_portal_test' : 'ssb_portal_test',
    // As long as the sign-in may take at the IdP (10 minutes), and a little more.
    options: { path: SETUP_LINK_PATH, httpOnly: true, secure, sameSite: 'lax', signed: true, maxAge: 15 * 60 },
  };
}

/** `GET /setup/test-result`: back to the portal page of the setup link this browser tested. */
export async function testResultRoute(app: FastifyInstance, options: { publicUrl: string }): Promise<void> {
  const cookie = testReturnCookie(options.publicUrl);
  app.get(TEST_RESULT_PATH, async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    const value = request.cookies[cookie.name];
    const unsigned = value ? request.unsignCookie(value) : undefined;
    if (unsigned?.valid !== true || unsigned.value === null) return reply.type('text/html').send(testFinishedPage(undefined).value);
    return reply.redirect(`${SETUP_LINK_PATH}/${encodeURIComponent(unsigned.value)}#test-sign-in`, 303);
  });
}
