import type { KoaContextWithOIDC } from 'oidc-provider';
import type { OidcPages } from '../../oidc/oidc-provider.js';
import { html, SafeHtml } from '../views/html.js';
import { endUserLayout } from '../views/end-user-layout.js';
import { ssoErrorPage } from './sso-pages.js';

/** The request ID our hook put on the response before the provider took it over. */
const requestIdOf = (ctx: KoaContextWithOIDC) => String(ctx.res.getHeader('x-request-id') ?? '');

const clientNameOf = (ctx: KoaContextWithOIDC) => ctx.oidc.client?.clientName ?? 'the application';

/** oidc-provider's own pages (errors it cannot send back to the app, RP-initiated logout) in our layout: no inline script or style. */
export const oidcPages: OidcPages = {
  error(ctx, out) {
    ctx.type = 'html';
    ctx.body = ssoErrorPage({ message: out.error_description ?? 'The request was refused.', reason: out.error, requestId: requestIdOf(ctx), branding: undefined }).value;
  },
  logout(ctx, form) {
    ctx.type = 'html';
    // `form` is the library's (its action and its CSRF token), without buttons; ours submit it.
    ctx.body = endUserLayout(
      { title: 'Sign out', branding: undefined },
      html`<section class="card narrow">
  <h1>Sign out of ${clientNameOf(ctx)}?</h1>
  ${new SafeHtml(form)}
  <button type="submit" form="op.logoutForm" name="logout" value="yes" class="primary" autofocus>Yes, sign me out</button>
  <button type="submit" form="op.logoutForm">No, stay signed in</button>
</section>`,
    ).value;
  },
  loggedOut(ctx) {
    ctx.type = 'html';
    ctx.body = endUserLayout(
      { title: 'Signed out', branding: undefined },
      html`<section class="card narrow">
  <h1>You are signed out</h1>
  <p>You have signed out of ${clientNameOf(ctx)}. You can close this page.</p>
</section>`,
    ).value;
  },
};
