import { DESCRIPTION_MAX_LENGTH } from '../../../domain/credentials/credential-schemas.js';
import { EVENT_TYPES } from '../../../domain/events/event-types.js';
import { MAX_WEBHOOK_ENDPOINTS, WEBHOOK_ENDPOINT_LIMIT_MESSAGE } from '../../../domain/webhooks/webhook-schemas.js';
import type { WebhookDeliveryView, WebhookEndpointView } from '../../../domain/webhooks/webhook-service.js';
import { SECURE_URL_RULE } from '../../../domain/url-rules.js';
import { html, timeElement, type SafeHtml } from '../../views/html.js';
import { errorBanner, fieldError, layout } from '../../views/layout.js';
import { confirmForm, copyable, copyAnnouncer, describedBy, hiddenCsrf, noticeBanner, scrollingTable, yesNo, type Chrome, type FieldErrors } from './partials.js';

export const WEBHOOKS_PATH = '/console/account/webhooks';

/** What the endpoint form holds, as typed (re-rendered with messages when refused). */
export type EndpointFormValues = {
  url: string;
  description: string;
  /** null = every event type. */
  eventTypes: string[] | null;
  enabled: boolean;
};

function webhooksPage(chrome: Chrome, title: string, body: SafeHtml, crumb?: SafeHtml): SafeHtml {
  return layout(
    { ...chrome, title, section: 'webhooks' },
    html`<p class="breadcrumb">Account › <a href="${WEBHOOKS_PATH}">Webhooks</a>${crumb ? html` › ${crumb}` : ''}</p>
<h1>${title}</h1>
${body}`,
  );
}

function statusBadge(e: WebhookEndpointView): SafeHtml {
  if (e.enabled) return e.failingSince === null ? html`<span class="badge ok">Enabled</span>` : html`<span class="badge warning">Enabled, failing since ${timeElement(e.failingSince)}</span>`;
  return e.disabledReason === 'failing' ? html`<span class="badge danger">Turned off: kept failing</span>` : html`<span class="badge off">Disabled</span>`;
}

const eventFilterText = (types: string[] | null) => (types === null ? 'All event types' : types.join(', '));

export function webhooksListPage(chrome: Chrome, p: { endpoints: WebhookEndpointView[]; notice?: string | undefined }): SafeHtml {
  const atLimit = p.endpoints.length >= MAX_WEBHOOK_ENDPOINTS;
  const rows = p.endpoints.map(
    (e) => html`<tr>
  <th scope="row"><a href="${WEBHOOKS_PATH}/${e.id}">${e.description || e.url}</a></th>
  <td><code>${e.url}</code></td>
  <td>${eventFilterText(e.eventTypes)}</td>
  <td>${statusBadge(e)}</td>
  <td>${timeElement(e.createdAt)}</td>
</tr>`,
  );
  return webhooksPage(
    chrome,
    'Webhooks',
    html`<p>Your backend learns what happens in this account (connections created, certificates expiring, sign-in failures…) from events POSTed to your endpoints, signed per <a href="https://www.standardwebhooks.com/">Standard Webhooks</a>. Any Standard Webhooks library verifies them with the endpoint's signing secret.</p>
${noticeBanner(p.notice)}
<div class="toolbar">
  ${
    atLimit
      ? html`<button type="button" class="primary" disabled aria-describedby="limit-note">Add Endpoint</button>
  <p class="hint" id="limit-note">${WEBHOOK_ENDPOINT_LIMIT_MESSAGE}</p>`
      : html`<form method="get" action="${WEBHOOKS_PATH}/new"><button type="submit" class="primary">Add Endpoint</button></form>
  <p class="hint">${p.endpoints.length} of ${MAX_WEBHOOK_ENDPOINTS} used.</p>`
  }
</div>
${
  p.endpoints.length === 0
    ? html`<p class="empty">No webhook endpoints yet.</p>`
    : scrollingTable(
        'Webhook endpoints',
        html`<table class="data"><thead><tr><th scope="col">Endpoint</th><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Created</th></tr></thead><tbody>${rows}</tbody></table>`,
      )
}`,
  );
}

function endpointFields(v: EndpointFormValues, errors: FieldErrors): SafeHtml {
  const all = v.eventTypes === null;
  return html`<label for="url">Endpoint URL</label>
  <input id="url" name="url" type="url" required maxlength="2048" value="${v.url}" aria-describedby="${describedBy(errors, 'url', 'url', 'url-hint')}" ${errors.url ? html`aria-invalid="true"` : ''}>
  <p class="hint" id="url-hint">Must be ${SECURE_URL_RULE}. Redirects are not followed.</p>
  ${fieldError(errors.url, 'url-error')}
  <label for="description">Description <span class="muted">(optional)</span></label>
  <input id="description" name="description" maxlength="${DESCRIPTION_MAX_LENGTH}" value="${v.description}" ${errors.description ? html`aria-describedby="description-error" aria-invalid="true"` : ''}>
  ${fieldError(errors.description, 'description-error')}
  <fieldset ${errors.eventTypes ? html`aria-describedby="eventTypes-error"` : ''}>
    <legend>Events</legend>
    <label class="checkbox"><input type="radio" name="filter" value="all" ${all ? 'checked' : ''}> All event types, also ones added later</label>
    <label class="checkbox"><input type="radio" name="filter" value="selected" ${all ? '' : 'checked'}> Only these:</label>
    ${EVENT_TYPES.map((t) => html`<label class="checkbox"><input type="checkbox" name="eventTypes" value="${t}" ${v.eventTypes?.includes(t) ? 'checked' : ''}> <code>${t}</code></label>`)}
  </fieldset>
  ${fieldError(errors.eventTypes, 'eventTypes-error')}
  <label class="checkbox"><input type="checkbox" name="enabled" value="true" ${v.enabled ? 'checked' : ''}> Enabled</label>`;
}

export function addWebhookEndpointPage(chrome: Chrome, p: { values: EndpointFormValues; submissionKey: string; errors?: FieldErrors; error?: string | undefined }): SafeHtml {
  return webhooksPage(
    chrome,
    'Add webhook endpoint',
    html`${errorBanner(p.error)}
<form method="post" action="${WEBHOOKS_PATH}" class="wizard">
  ${hiddenCsrf(chrome)}
  <input type="hidden" name="submissionKey" value="${p.submissionKey}">
  ${endpointFields(p.values, p.errors ?? {})}
  <p class="hint">The signing secret is generated for you and shown once.</p>
  <div class="actions">
    <a href="${WEBHOOKS_PATH}" class="button">Cancel</a>
    <button type="submit" class="primary">Add Endpoint</button>
  </div>
</form>`,
    html`Add`,
  );
}

/** Shown once, after create or rotation; sent with Cache-Control: no-store. */
export function webhookSecretShownOncePage(chrome: Chrome, p: { endpoint: WebhookEndpointView; secret: string; rotated: boolean }): SafeHtml {
  return webhooksPage(
    chrome,
    p.rotated ? 'New signing secret' : 'Webhook endpoint added',
    html`<div class="banner warning" role="status">Copy the signing secret now. It will not be shown again.${p.rotated ? ' The previous secret no longer signs deliveries.' : ''}</div>
<div class="shown-once">
  <p>Endpoint: <code>${p.endpoint.url}</code></p>
  ${copyable('signing-secret', 'Signing secret', p.secret)}
</div>
${copyAnnouncer}
<p>Verify each delivery with any Standard Webhooks library and this secret; see docs/webhooks.md.</p>
<p><a href="${WEBHOOKS_PATH}/${p.endpoint.id}" class="button primary">Back to the endpoint</a></p>`,
  );
}

function deliveryRows(chrome: Chrome, endpoint: WebhookEndpointView, deliveries: WebhookDeliveryView[]): SafeHtml[] {
  return deliveries.map((d) => {
    const last = d.attempts.at(-1);
    return html`<tr>
  <td>${timeElement(d.createdAt)}</td>
  <td><code>${d.eventType}</code><br><code class="muted">${d.eventId}</code></td>
  <td>${d.customerKey || html`<span class="muted">account</span>`}</td>
  <td>${d.status === 'delivered' ? html`<span class="badge ok">Delivered</span>` : d.status === 'failed' ? html`<span class="badge danger">Failed</span>` : html`<span class="badge warning">Pending</span>`}${d.nextAttemptAt !== null ? html`<br><span class="muted">next try ${timeElement(d.nextAttemptAt)}</span>` : ''}</td>
  <td>${d.attempts.length}${last ? html`<br><span class="muted">${last.statusCode !== null ? `HTTP ${last.statusCode}` : ''}${last.error && last.statusCode === null ? last.error : ''} · ${last.durationMs} ms</span>` : ''}</td>
  <td><form method="post" action="${WEBHOOKS_PATH}/${endpoint.id}/deliveries/${d.id}/redeliver">${hiddenCsrf(chrome)}<button type="submit" aria-label="Redeliver ${d.eventType} ${d.eventId}">Redeliver</button></form></td>
</tr>`;
  });
}

export function webhookEndpointPage(
  chrome: Chrome,
  p: { endpoint: WebhookEndpointView; deliveries: WebhookDeliveryView[]; nextBefore: number | undefined; values?: EndpointFormValues; errors?: FieldErrors; error?: string | undefined; notice?: string | undefined },
): SafeHtml {
  const e = p.endpoint;
  const values = p.values ?? { url: e.url, description: e.description, eventTypes: e.eventTypes, enabled: e.enabled };
  return webhooksPage(
    chrome,
    e.description || 'Webhook endpoint',
    html`${noticeBanner(p.notice)}
${errorBanner(p.error)}
${e.disabledReason === 'failing' ? html`<div class="banner warning" role="status">ssobridge turned this endpoint off: a delivery used its whole retry schedule and nothing reached the endpoint for over 24 hours. Fix the receiver, then tick Enabled and save: pending deliveries resume.</div>` : ''}
<dl class="facts">
  <dt>Status</dt><dd>${statusBadge(e)}</dd>
  <dt>Signing secret</dt><dd><code>${e.secretHint}</code> <span class="muted">(shown only when it was created)</span></dd>
  <dt>Created</dt><dd>${timeElement(e.createdAt)}</dd>
  <dt>Enabled</dt><dd>${yesNo(e.enabled)}</dd>
</dl>
<h2>Settings</h2>
<form method="post" action="${WEBHOOKS_PATH}/${e.id}" class="card" aria-label="Edit webhook endpoint">
  ${hiddenCsrf(chrome)}
  ${endpointFields(values, p.errors ?? {})}
  <div class="actions"><button type="submit" class="primary">Save</button></div>
</form>
<div class="toolbar">
  <form method="post" action="${WEBHOOKS_PATH}/${e.id}/rotate-secret">${hiddenCsrf(chrome)}<button type="submit">Rotate signing secret</button></form>
  <a href="${WEBHOOKS_PATH}/${e.id}/delete" class="button danger">Delete endpoint</a>
</div>
<h2>Deliveries</h2>
${
  p.deliveries.length === 0
    ? html`<p class="empty">No deliveries yet: events recorded from now on are delivered here.</p>`
    : scrollingTable(
        'Deliveries',
        html`<table class="data"><thead><tr><th scope="col">Event time</th><th scope="col">Event</th><th scope="col">Customer</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${deliveryRows(chrome, e, p.deliveries)}</tbody></table>`,
      )
}
${p.nextBefore !== undefined ? html`<p><a href="${WEBHOOKS_PATH}/${e.id}?before=${String(p.nextBefore)}">Older deliveries</a></p>` : ''}`,
    html`${e.description || e.url}`,
  );
}

export function deleteWebhookEndpointPage(chrome: Chrome, e: WebhookEndpointView): SafeHtml {
  return webhooksPage(
    chrome,
    'Delete webhook endpoint',
    html`<div class="banner warning" role="alert">Events will no longer be sent to <code>${e.url}</code>; its pending deliveries are dropped. This cannot be undone.</div>
${confirmForm(chrome, `${WEBHOOKS_PATH}/${e.id}/delete`, `${WEBHOOKS_PATH}/${e.id}`, 'Delete endpoint')}`,
  );
}
