import type { AuditEvent } from '../../../domain/audit/audit-log.js';
import { html, timeElement, type SafeHtml } from '../../views/html.js';
import { errorBanner, layout, type PageChrome } from '../../views/layout.js';
import { scrollingTable } from './partials.js';

const actionLabels: Record<string, string> = {
  'account.created': 'Account created',
  'admin.created': 'Admin created',
  'admin.signed_in': 'Admin signed in',
  'admin.sign_in_failed': 'Admin sign-in failed',
  'connection_api_credential.created': 'Connection API credentials created',
  'connection_api_credential.updated': 'Connection API credentials edited',
  'connection_api_credential.deleted': 'Connection API credentials deleted',
  'global_credential.updated': 'Global credentials edited',
  'application_credential.created': 'Application credentials created',
  'application_credential.updated': 'Application credentials edited',
  'application_credential.deleted': 'Application credentials deleted',
  'application.created': 'Application created',
  'application.updated': 'Application edited',
  'application.enabled': 'Application enabled',
  'application.disabled': 'Application disabled',
  'application.deleted': 'Application deleted',
  'customer.created': 'Customer connection created',
  'customer.updated': 'Customer connection edited',
  'customer.deleted': 'Customer connection deleted',
  'customer.application_removed': 'Application connection removed',
  'customer.made_default': 'Made the default IdP',
  'customer.unset_default': 'No longer the default IdP',
  'signing_key.renewal_added': 'Renewal signing key added',
  'signing_key.promoted': 'Renewal signing key promoted',
  'signing_key.renewal_deleted': 'Renewal signing key deleted',
};

function detailsText(details: AuditEvent['details']): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
}

/** The download's filters as typed (ISO times, actor, action), kept to re-fill the form. */
export interface AuditExportFilters {
  from: string;
  to: string;
  actor: string;
  action: string;
}

export const AUDIT_EXPORT_PATH = '/console/account/audit-log/export';

const noFilters: AuditExportFilters = { from: '', to: '', actor: '', action: '' };

/** GET, so the browser downloads the file and the page stays where it is. */
function exportForm(f: AuditExportFilters): SafeHtml {
  return html`<form method="get" action="${AUDIT_EXPORT_PATH}" class="filters compact" aria-label="Download the audit log">
  <div><label for="export-from">From</label>
  <input id="export-from" name="from" value="${f.from}" placeholder="2026-01-01T00:00:00Z" aria-describedby="export-hint"></div>
  <div><label for="export-to">Until</label>
  <input id="export-to" name="to" value="${f.to}" placeholder="2026-02-01T00:00:00Z" aria-describedby="export-hint"></div>
  <div><label for="export-actor">Actor</label>
  <input id="export-actor" name="actor" value="${f.actor}" placeholder="email or id"></div>
  <div><label for="export-action">Action</label>
  <input id="export-action" name="action" value="${f.action}" placeholder="customer."></div>
  <div class="actions"><button type="submit">Download JSON Lines</button></div>
</form>
<p id="export-hint" class="hint">All fields are optional. Times are ISO 8601 with a zone (from inclusive, until exclusive); an action ending in a dot takes every action under it. One event per line, oldest first, as the API's <code>auditLog</code> returns them.</p>`;
}

export function auditLogPage(
  chrome: Pick<PageChrome, 'admin' | 'csrfToken'>,
  p: { events: AuditEvent[]; nextBeforeId: number | undefined },
  exportState: { filters: AuditExportFilters; error?: string | undefined } = { filters: noFilters },
): SafeHtml {
  const rows = p.events.map(
    (e) => html`<tr>
  <td>${timeElement(e.at)}</td>
  <td>${e.actorLabel} <span class="muted">(${e.actorKind})</span></td>
  <td>${actionLabels[e.action] ?? e.action}</td>
  <td><code>${e.targetId}</code></td>
  <td>${e.sourceIp}</td>
  <td>${detailsText(e.details)}</td>
</tr>`,
  );
  return layout(
    { ...chrome, title: 'Audit log', section: 'audit' },
    html`<p class="breadcrumb">Account › Audit log</p>
<h1>Audit log</h1>
<p>Every change to credentials, applications, customer connections and signing keys, and every admin sign-in, newest first. Secrets are never recorded.</p>
<h2>Export</h2>
${errorBanner(exportState.error)}
${exportForm(exportState.filters)}
<h2>Events</h2>
${
  p.events.length === 0
    ? html`<p class="empty">No events yet.</p>`
    : scrollingTable(
        'Audit events',
        html`<table class="audit" aria-label="Audit events">
  <thead><tr><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Source address</th><th scope="col">Details</th></tr></thead>
  <tbody>${rows}</tbody>
</table>`,
      )
}
${p.nextBeforeId !== undefined ? html`<p><a href="/console/account/audit-log?before=${p.nextBeforeId}">Older events</a></p>` : ''}`,
  );
}
