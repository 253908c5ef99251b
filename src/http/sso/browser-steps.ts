import type { FastifyReply } from 'fastify';
import type { BrowserStep } from '../../domain/sso/sso-pipeline.js';
import type { PageBrandingLoader } from './page-branding.js';
import { autoPostPage, continuePage, discoveryPage } from './sso-pages.js';

/** What every sign-in route does with a step of the SSO runtime: redirect, auto-post page, or IdP discovery. */

/**
 * Login CSRF defence: the browser that starts an SP-initiated sign-in gets a signed cookie naming
 * its transaction, and the ACS completes that transaction only for a browser that has it. Over
 * https the cookie is SameSite=None (it must come back on the IdP's cross-site POST); plain http
 * (local development) cannot send such a cookie cross-site, so there the check is off.
 */
export interface BrowserBinding {
  enforced: boolean;
  cookieName(transactionId: string): string;
}

export function browserBindingFor(publicUrl: string): BrowserBinding {
  const secure = publicUrl.startsWith('https://');
  return {
    enforced: secure,
    cookieName: (transactionId) => `${secure ? '__Host-' : ''}ssb_sso_${transactionId.replace(/[^A-Za-z0-9]/g, '').slice(0, 24)}`,
  };
}

/**
 * How an answer sends the browser to another origin. A redirect, except in the answer to one of
 * our own forms (the IdP discovery page): CSP 3 checks form-action against every redirect that
 * follows a form submission, and our pages allow forms to go to our own origin only
 * (`form-action 'self'`), so Chromium would stop the user on the email page without a word. There
 * the answer is a page that moves on by itself, which keeps form-action 'self' on every page
 * rather than listing every customer's IdP on the discovery page (which would also tell anyone
 * who our customers are).
 */
export async function sendAway(reply: FastifyReply, url: string, status: 302 | 303, answersForm: boolean, message: string, branding: () => ReturnType<PageBrandingLoader>): Promise<FastifyReply> {
  if (!answersForm) return reply.redirect(url, status);
  return reply.type('text/html').send(continuePage({ url, message, branding: await branding() }));
}

/** Tells the browser what to do next; a POST hand-off may target only that one origin. */
export async function sendStep(reply: FastifyReply, step: BrowserStep, brand: PageBrandingLoader, binding?: BrowserBinding, answersForm = false): Promise<FastifyReply> {
  reply.header('Cache-Control', 'no-store');
  if (binding?.enforced && step.kind !== 'discover' && step.transactionId) {
    reply.setCookie(binding.cookieName(step.transactionId), step.transactionId, { path: '/', httpOnly: true, secure: true, sameSite: 'none', signed: true, maxAge: 10 * 60 });
  }
  const branding = () => brand(step.accountId);
  if (step.kind === 'redirect') return sendAway(reply, step.url, 302, answersForm, 'Signing you in…', branding);
  if (step.kind === 'discover') return reply.type('text/html').send(discoveryPage({ ...step, branding: await branding() }).value);
  reply.header(
    'Content-Security-Policy',
    `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action ${new URL(step.url).origin}; frame-ancestors 'none'; base-uri 'none'`,
  );
  return reply.type('text/html').send(autoPostPage(step.url, step.fields, await branding()));
}

