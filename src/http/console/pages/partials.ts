import type { CertificateInfo } from '../../../saml/certificates.js';
import { html, timeElement, type SafeHtml } from '../../views/html.js';
import type { PageChrome } from '../../views/layout.js';

export type Chrome = Pick<PageChrome, 'admin' | 'csrfToken'>;
export type FieldErrors = Record<string, string>;

/** A value with a Copy button (console.js); the code element is labelled for screen readers and tests. */
export function copyable(id: string, label: string, value: string): SafeHtml {
  return html`<div class="copyable">
  <span class="label" id="${id}-label">${label}</span>
  <code id="${id}" aria-labelledby="${id}-label">${value}</code>
  <button type="button" class="copy" data-copy="${id}" data-copied="${label} copied" aria-label="Copy ${label}">Copy</button>
</div>`;
}

/** A multi-line value (PEM, XML) in a labelled <pre>, with a Copy button. */
export function copyableBlock(id: string, label: string, value: string, extra: SafeHtml | string = ''): SafeHtml {
  return html`<div class="copyable-block">
  <div class="block-head"><span class="label" id="${id}-label">${label}</span>
  <button type="button" class="copy" data-copy="${id}" data-copied="${label} copied" aria-label="Copy ${label}">Copy</button>${extra}</div>
  <pre id="${id}" aria-labelledby="${id}-label" tabindex="0">${value}</pre>
</div>`;
}

// Shared with the end-user pages (the setup portal's attribute mapping), so it lives with the layout.
export { scrollingTable } from '../../views/layout.js';

/** Where console.js announces "… copied" to screen readers (the button keeps its name). */
export const copyAnnouncer = html`<div class="visually-hidden" aria-live="polite" id="copy-announcer"></div>`;

export function noticeBanner(notice: string | undefined): SafeHtml {
  return notice ? html`<div class="banner" role="status">${notice}</div>` : html``;
}

export function hiddenCsrf(chrome: Chrome): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${chrome.csrfToken ?? ''}">`;
}

/** `aria-describedby` for a field: its error (when shown) and its hint. */
export function describedBy(errors: FieldErrors, field: string, id: string, hintId?: string): string {
  return [errors[field] ? `${id}-error` : '', hintId ?? ''].filter(Boolean).join(' ');
}

export function option(value: string, label: string, selected: boolean): SafeHtml {
  return html`<option value="${value}" ${selected ? 'selected' : ''}>${label}</option>`;
}

/** "2036-05-01 (in 10 years)" style expiry, flagged when past or within 30 days. */
export function expiryElement(notAfterIso: string, now: number): SafeHtml {
  const at = Date.parse(notAfterIso);
  const days = Math.floor((at - now) / 86_400_000);
  const flag = at <= now ? html` <span class="badge danger">expired</span>` : days <= 30 ? html` <span class="badge warning">expires in ${days} days</span>` : '';
  return html`${timeElement(at)}${flag}`;
}

export function certificateFacts(c: CertificateInfo, now: number): SafeHtml {
  return html`<dl class="facts">
  <dt>Subject</dt><dd><code>${c.subject}</code></dd>
  <dt>Issuer</dt><dd><code>${c.issuer}</code></dd>
  <dt>Valid from</dt><dd>${timeElement(Date.parse(c.notBefore))}</dd>
  <dt>Expires</dt><dd>${expiryElement(c.notAfter, now)}</dd>
  <dt>SHA-256 fingerprint</dt><dd><code class="fingerprint">${c.sha256Fingerprint}</code></dd>
</dl>`;
}

export function yesNo(value: boolean, yes = 'Yes', no = 'No'): SafeHtml {
  return value ? html`<span class="badge ok">${yes}</span>` : html`<span class="badge off">${no}</span>`;
}

/** The form of a confirmation page: the red button posts (with the CSRF token), Cancel goes back. */
export function confirmForm(chrome: Chrome, action: string, cancelHref: string, label: string): SafeHtml {
  return html`<form method="post" action="${action}">
  ${hiddenCsrf(chrome)}
  <div class="actions">
    <a href="${cancelHref}" class="button">Cancel</a>
    <button type="submit" class="danger">${label}</button>
  </div>
</form>`;
}
