import { html, type SafeHtml } from '../views/html.js';
import { layout } from '../views/layout.js';

/** The HTTP-POST binding hand-off: a form that posts itself (autopost.js), with a button as fallback. */
export function autoPostPage(url: string, fields: Record<string, string>): string {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Signing you in…</title><link rel="stylesheet" href="/public/console.css"><script src="/public/autopost.js" defer></script></head>
<body>
<main>
<form id="autopost" method="post" action="${url}">
${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<p>Signing you in…</p>
<noscript><button type="submit" class="primary">Continue</button></noscript>
</form>
</main>
</body>
</html>`.value;
}

export function ssoErrorPage(p: { message: string; reason: string; requestId: string }): SafeHtml {
  return layout(
    { title: 'Sign-in failed' },
    html`<section class="card narrow">
  <h1>Sign-in failed</h1>
  <p>${p.message}</p>
  <p class="muted">Reason: <code>${p.reason}</code><br>Request ID: <code>${p.requestId}</code></p>
  <p>Give the request ID to your administrator if the problem continues.</p>
</section>`,
  );
}

export function discoveryPage(p: { saasid: string; appurl?: string | undefined; errorurl?: string | undefined; forceauthn: boolean; error?: string | undefined }): SafeHtml {
  return layout(
    { title: 'Sign in with your company account' },
    html`<section class="card narrow">
  <h1>Sign in with your company account</h1>
  ${p.error ? html`<div class="banner error" role="alert">${p.error}</div>` : ''}
  <form method="post" action="/sso/sp/discover">
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
