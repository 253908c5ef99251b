import { RECOVERY_CODE_COUNT } from '../../../domain/accounts/second-factor-codes.js';
import type { SecondFactorState } from '../../../domain/accounts/admin-mfa-service.js';
import { renderSVG } from 'uqr';
import { html, SafeHtml } from '../../views/html.js';
import { errorBanner, fieldError, layout } from '../../views/layout.js';
import { copyable, copyAnnouncer, hiddenCsrf, noticeBanner, type Chrome } from './partials.js';

/** The otpauth link as a QR code, drawn on the server as an SVG of rectangles (no script, no style), which authenticator apps scan. */
function otpauthQrCode(uri: string): SafeHtml {
  return new SafeHtml(renderSVG(uri, { border: 2 }));
}

export const MFA_PATH = '/console/account/two-step-verification';
export const SECOND_FACTOR_PATH = '/console/sign-in/verify';

const codeField = (id: string, error: string | undefined, label = 'Code') => html`<label for="${id}">${label}</label>
<input id="${id}" name="code" type="text" inputmode="text" autocomplete="one-time-code" required maxlength="32" spellcheck="false" autocapitalize="off" aria-describedby="${error ? `${id}-error` : ''}">
${fieldError(error, `${id}-error`)}`;

/** Sign-in, second step: the code from the authenticator app, or a recovery code. */
export function secondFactorPage(p: { csrfToken: string; error?: string | undefined; next?: string | undefined }): SafeHtml {
  return layout(
    { title: 'Two-step verification' },
    html`<section class="card narrow">
  <h1>Two-step verification</h1>
  <p>Enter the 6-digit code from your authenticator app. Lost it? Enter one of your recovery codes instead.</p>
  ${errorBanner(p.error)}
  <form method="post" action="${SECOND_FACTOR_PATH}">
    <input type="hidden" name="_csrf" value="${p.csrfToken}">
    ${p.next ? html`<input type="hidden" name="next" value="${p.next}">` : ''}
    ${codeField('code', p.error ? 'is not accepted' : undefined)}
    <button type="submit" class="primary">Verify</button>
  </form>
  <form method="post" action="/console/sign-out">
    <input type="hidden" name="_csrf" value="${p.csrfToken}">
    <button type="submit" class="link-button">Cancel and sign in again</button>
  </form>
</section>`,
  );
}

/** The admin's own two-step verification: set it up, or (once on) new recovery codes and turning it off. */
export function mfaPage(
  chrome: Chrome,
  p: { state: SecondFactorState; required: boolean; gated: boolean; notice?: string | undefined; error?: string | undefined; errorForm?: 'confirm' | 'regenerate' | 'disable' | undefined },
): SafeHtml {
  const errorOf = (form: string) => (p.error && p.errorForm === form ? 'is not accepted' : undefined);
  const body = p.state.enrolled
    ? html`<p>Two-step verification is <strong>on</strong>: signing in asks for a code from your authenticator app after your password.</p>
<p>${p.state.recoveryCodesLeft} of ${RECOVERY_CODE_COUNT} recovery codes left.</p>
<form method="post" action="${MFA_PATH}/recovery-codes" class="card">
  ${hiddenCsrf(chrome)}
  <h2>New recovery codes</h2>
  <p>Replaces all your recovery codes: the old ones stop working.</p>
  ${codeField('regenerate-code', errorOf('regenerate'), 'Current code')}
  <button type="submit">Make new recovery codes</button>
</form>
${
  p.required
    ? html`<p>This account requires two-step verification of every administrator, so it cannot be turned off.</p>`
    : html`<form method="post" action="${MFA_PATH}/disable" class="card">
  ${hiddenCsrf(chrome)}
  <h2>Turn off two-step verification</h2>
  ${codeField('disable-code', errorOf('disable'), 'Current code')}
  <button type="submit" class="danger">Turn off</button>
</form>`
}`
    : html`${p.gated ? html`<div class="banner" role="status">This account requires two-step verification of every administrator. Set it up to continue.</div>` : ''}
<ol>
  <li>Open an authenticator app (for example Google Authenticator, Microsoft Authenticator, 1Password, Bitwarden or FreeOTP).</li>
  <li>Scan the QR code with the app; or add an account with the setup key below, as a time-based key; or, if your app takes a link, the otpauth link.</li>
  <li>Enter the 6-digit code the app shows.</li>
</ol>
<figure class="qr-code">
  <div role="img" aria-label="QR code of the otpauth link for your authenticator app">${otpauthQrCode(p.state.uri)}</div>
</figure>
${copyable('totp-secret', 'Setup key', p.state.secret.replace(/(.{4})/g, '$1 ').trim())}
${copyable('totp-uri', 'otpauth link', p.state.uri)}
${copyAnnouncer}
<form method="post" action="${MFA_PATH}/confirm" class="card">
  ${hiddenCsrf(chrome)}
  ${codeField('confirm-code', errorOf('confirm'), 'Code from the app')}
  <button type="submit" class="primary">Turn on two-step verification</button>
</form>`;
  return layout(
    { ...chrome, title: 'Two-step verification', section: 'administrators', withoutNavigation: p.gated },
    html`${p.gated ? '' : html`<p class="breadcrumb">Account › Administrators › Two-step verification</p>`}
<h1>Two-step verification</h1>
${noticeBanner(p.notice)}
${errorBanner(p.error)}
${body}`,
  );
}

/** Recovery codes, shown this once. */
export function recoveryCodesPage(chrome: Chrome, p: { codes: string[]; notice: string }): SafeHtml {
  return layout(
    { ...chrome, title: 'Your recovery codes', section: 'administrators' },
    html`<h1>Your recovery codes</h1>
${noticeBanner(p.notice)}
<p>Each code signs you in once instead of a code from your authenticator app. Keep them somewhere safe (a password manager): they are shown only now.</p>
<ul class="recovery-codes" aria-label="Recovery codes">${p.codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
${copyable('recovery-codes', 'All recovery codes', p.codes.join(' '))}
${copyAnnouncer}
<p><a href="${MFA_PATH}" class="button">I have saved them</a></p>`,
  );
}
