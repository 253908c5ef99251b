import type { AuditEvent } from '../../../domain/audit/audit-log.js';
import { html, timeElement, type SafeHtml } from '../../views/html.js';
import { layout, type PageChrome } from '../../views/layout.js';
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

export function auditLogPage(chrome: Pick<PageChrome, 'admin' | 'csrfToken'>, p: { events: AuditEvent[]; nextBeforeId: number | undefined }): SafeHtml {
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
