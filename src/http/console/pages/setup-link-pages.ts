import type { Application } from '../../../domain/model.js';
import { SETUP_LINK_DEFAULT_MINUTES, SETUP_LINK_MAX_MINUTES, SETUP_LINK_MIN_MINUTES } from '../../../domain/setup-links/setup-link-schemas.js';
import type { SetupLinkSummary } from '../../../domain/setup-links/setup-link-service.js';
import { html, timeElement, type SafeHtml } from '../../views/html.js';
import { errorBanner, fieldError, layout } from '../../views/layout.js';
import { copyAnnouncer, hiddenCsrf, noticeBanner, scrollingTable, type Chrome, type FieldErrors } from './partials.js';
import { CUSTOMERS_PATH, customerPath } from './customer-pages.js';

export interface SetupLinkFormValues {
  expiresInMinutes: string;
  contactEmail: string;
  applications: string[];
}

export const emptySetupLinkForm: SetupLinkFormValues = { expiresInMinutes: String(SETUP_LINK_DEFAULT_MINUTES), contactEmail: '', applications: [] };

function linkStatus(link: SetupLinkSummary, now: number): string {
  if (link.revokedAt !== null) return 'Revoked';
  if (link.completedAt !== null) return 'Activated';
  if (link.expiresAt <= now) return 'Expired';
  if (link.activationRequestedAt !== null) return 'Activation requested';
  return link.usedAt !== null ? 'Opened' : 'Not opened yet';
}

/** The customer's setup links (without secrets, each with Revoke) and the form that creates one. */
export function setupLinksPage(
  chrome: Chrome,
  p: {
    idpId: string;
    /** False while the idpId is only invited: its IdP is not saved yet, so it has no customer page. */
    customerExists: boolean;
    links: SetupLinkSummary[];
    applications: Application[];
    values: SetupLinkFormValues;
    errors?: FieldErrors;
    error?: string;
    notice?: string;
    now: number;
  },
): SafeHtml {
  const base = customerPath(p.idpId);
  const errors = p.errors ?? {};
  const rows = p.links.map(
    (l) => html`<tr>
  <td>${timeElement(l.createdAt)}</td><td>${timeElement(l.expiresAt)}</td><td>${linkStatus(l, p.now)}</td>
  <td>${timeElement(l.usedAt)}${l.lastUsedFrom ? html` <span class="muted">from ${l.lastUsedFrom}</span>` : ''}</td>
  <td>${l.applications ? l.applications.join(', ') : html`<span class="muted">as connected</span>`}</td>
  <td>${l.contactEmail ?? html`<span class="muted">none</span>`}</td>
  <td>${
    l.revokedAt === null
      ? html`<form method="post" action="${base}/setup-links/${l.id}/revoke">${hiddenCsrf(chrome)}<button type="submit" class="danger-link">Revoke<span class="visually-hidden"> link created ${new Date(l.createdAt).toISOString()}</span></button></form>`
      : ''
  }</td>
</tr>`,
  );
  return layout(
    { title: `Setup links of ${p.idpId}`, section: 'customers', ...chrome },
    html`<p>${p.customerExists ? html`<a href="${base}">← ${p.idpId}</a>` : html`<a href="${CUSTOMERS_PATH}">← Customer Connections</a>`}</p>
<h1>Setup links of ${p.idpId}</h1>
${p.customerExists ? '' : html`<p class="banner" role="status">Invited — waiting for the customer's identity provider. The customer is created, not enabled, when their IT admin saves it through one of these links.</p>`}
${noticeBanner(p.notice)}${errorBanner(p.error)}
<p>A setup link lets this customer's IT admin configure their identity provider in a self-service portal, without a console account. Send it to them; it is shown once.</p>
<h2>Create setup link</h2>
<form method="post" action="${base}/setup-links">
  ${hiddenCsrf(chrome)}
  <label for="expiresInMinutes">Lifetime (minutes)</label>
  <input id="expiresInMinutes" name="expiresInMinutes" type="number" min="${SETUP_LINK_MIN_MINUTES}" max="${SETUP_LINK_MAX_MINUTES}" value="${p.values.expiresInMinutes}" aria-describedby="expiresInMinutes-hint${errors.expiresInMinutes ? ' expiresInMinutes-error' : ''}" ${errors.expiresInMinutes ? 'aria-invalid="true"' : ''}>
  <p class="hint" id="expiresInMinutes-hint">1 minute to 30 days (43200); 10080 is 7 days.</p>
  ${fieldError(errors.expiresInMinutes, 'expiresInMinutes-error')}
  <label for="contactEmail">Customer Email <span class="muted">(optional)</span></label>
  <input id="contactEmail" name="contactEmail" type="email" maxlength="254" value="${p.values.contactEmail}" aria-describedby="contactEmail-hint${errors.contactEmail ? ' contactEmail-error' : ''}" ${errors.contactEmail ? 'aria-invalid="true"' : ''}>
  <p class="hint" id="contactEmail-hint">The customer's IT admin: shown with the link, and the customer's contact email when the portal creates it.</p>
  ${fieldError(errors.contactEmail, 'contactEmail-error')}
  <fieldset>
    <legend>Applications to connect</legend>
    <p class="hint">None ticked: the customer's connections as they are (every enabled application for a new customer).</p>
    ${p.applications.map((a) => html`<label class="checkbox"><input type="checkbox" name="applications" value="${a.saasid}" ${p.values.applications.includes(a.saasid) ? 'checked' : ''}> ${a.name}</label>`)}
    ${fieldError(errors.applications, 'applications-error')}
  </fieldset>
  <button type="submit" class="primary">Create setup link</button>
</form>
<h2>Links</h2>
${
  p.links.length === 0
    ? html`<p class="muted">No setup links yet.</p>`
    : scrollingTable(
        'Setup links',
        html`<table><thead><tr><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Status</th><th scope="col">Last used</th><th scope="col">Applications</th><th scope="col">Invited email</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${rows}</tbody></table>`,
      )
}`,
  );
}

/** Shown once after creating a link: the URL in a read-only field, selectable without JavaScript. */
export function createdSetupLinkPage(chrome: Chrome, p: { idpId: string; url: string; expiresAt: number }): SafeHtml {
  const base = customerPath(p.idpId);
  return layout(
    { title: 'Setup link created', section: 'customers', ...chrome },
    html`<h1>Setup link created</h1>
<div class="banner" role="status">Copy this link now: it is shown only once. Send it to the IT admin of ${p.idpId}.</div>
<label for="setup-link-url">Setup link</label>
<input id="setup-link-url" type="text" readonly value="${p.url}" size="80">
<button type="button" class="copy" data-copy="setup-link-url" data-copied="Setup link copied" aria-label="Copy setup link">Copy</button>
${copyAnnouncer}
<p>It expires ${timeElement(p.expiresAt)}.</p>
<p><a href="${base}/setup-links" class="button">Back to setup links</a></p>`,
  );
}
