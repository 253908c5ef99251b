import { html, type SafeHtml } from '../views/html.js';
import { endUserLayout, type PageBranding } from '../views/end-user-layout.js';

/** The HTTP-POST binding hand-off: a form that posts itself (autopost.js), with a button as fallback. */
export function autoPostPage(url: string, fields: Record<string, string>, branding: PageBranding | undefined): string {
  return endUserLayout(
    { title: 'Signing you in…', branding, head: html`<script src="/public/autopost.js" defer></script>` },
    html`<form id="autopost" method="post" action="${url}" class="card narrow">
${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<h1>Signing you in…</h1>
<noscript><button type="submit" class="primary">Continue</button></noscript>
</form>`,
  ).value;
}

/**
 * Sends the browser on to another origin without a redirect: it navigates by itself (meta refresh,
 * which is not a form submission, so no page's CSP form-action applies), and shows a link for a
 * browser that does not follow meta refresh.
 */
export function continuePage(p: { url: string; message: string; branding: PageBranding | undefined }): string {
  return endUserLayout(
    { title: p.message, branding: p.branding, head: html`<meta http-equiv="refresh" content="0;url=${p.url}">` },
    html`<section class="card narrow">
<p>${p.message}</p>
<p><a id="continue" href="${p.url}" class="button primary">Continue</a></p>
</section>`,
  ).value;
}

export function ssoErrorPage(p: { message: string; reason: string; requestId: string; branding: PageBranding | undefined }): SafeHtml {
  return endUserLayout(
    { title: 'Sign-in failed', branding: p.branding },
    html`<section class="card narrow">
  <h1>Sign-in failed</h1>
  <p>${p.message}</p>
  <p class="muted">Reason: <code>${p.reason}</code><br>Request ID: <code>${p.requestId}</code></p>
  <p>Give the request ID to your administrator if the problem continues.</p>
</section>`,
  );
}

export function discoveryPage(p: {
  formAction: string;
  saasid: string;
  appurl?: string | undefined;
  errorurl?: string | undefined;
  forceauthn: boolean;
  error?: string | undefined;
  branding: PageBranding | undefined;
}): SafeHtml {
  return endUserLayout(
    { title: 'Sign in with your company account', branding: p.branding },
    html`<section class="card narrow">
  <h1>Sign in with your company account</h1>
  ${p.error ? html`<div class="banner error" role="alert">${p.error}</div>` : ''}
  <form method="post" action="${p.formAction}">
    <input type="hidden" name="saasid" value="${p.saasid}">
    ${p.appurl ? html`<input type="hidden" name="appurl" value="${p.appurl}">` : ''}
    ${p.errorurl ? html`<input type="hidden" name="errorurl" value="${p.errorurl}">` : ''}
    ${p.forceauthn ? html`<input type="hidden" name="forceauthn" value="true">` : ''}
    <label for="email">Work email address</label>
    <input id="email" name="email" type="email" autocomplete="email" required>
    <button type="submit" class="primary">Continue</button>
  </form>
</section>`,
  );
}
