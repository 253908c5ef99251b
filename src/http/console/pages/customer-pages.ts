import type { Application, CustomerView } from '../../../domain/model.js';
import { isMultiplexedApplication } from '../../../domain/connections/multiplexing.js';
import { applicationKindLabel } from '../../../domain/applications/application-kind-label.js';
import { IDP_ID_MAX_LENGTH, MAX_CERTIFICATES, MAX_EMAIL_DOMAINS } from '../../../domain/connections/customer-schemas.js';
import { SINGLE_LOGOUT_NOT_YET } from '../../../domain/single-logout.js';
import type { CustomerSummary, IdpConfiguration } from '../../../domain/connections/customer-service.js';
import { html, timeElement, type SafeHtml } from '../../views/html.js';
import { errorBanner, fieldError, layout } from '../../views/layout.js';
import type { SsoLogPage } from '../../../domain/sso/sso-log.js';
import type { CustomerFormValues, IdpSource } from '../customer-form.js';
import { attributeMappingPreset } from '../../../domain/connections/attribute-mapping-presets.js';
import { attributeMappingFieldset } from '../../views/attribute-mapping-form.js';
import { certificateWarnings, daysLeft } from '../../../domain/connections/certificate-expiry.js';
import type { InvitedCustomer } from '../../../domain/setup-links/setup-link-service.js';
import type { CertificateInfo } from '../../../saml/certificates.js';
import { certificateFacts, copyable, copyableBlock, copyAnnouncer, describedBy, hiddenCsrf, noticeBanner, option, scrollingTable, yesNo, type Chrome, type FieldErrors, confirmForm } from './partials.js';
import { signInLogIntro, signInLogQuery, signInLogSection, type SignInLogFilters } from './sign-in-log-pages.js';

export const CUSTOMERS_PATH = '/console/customer-connections';

/** Where one customer's pages live; the idpId is URL-encoded (it may hold any character but "/"). */
export function customerPath(idpId: string): string {
  return `${CUSTOMERS_PATH}/idp/${encodeURIComponent(idpId)}`;
}

const bindingLabel = (b: string) => (b === 'post' ? 'HTTP-POST' : 'HTTP-Redirect');

function customersPage(chrome: Chrome, title: string, body: SafeHtml, crumbs: SafeHtml | string = ''): SafeHtml {
  return layout(
    { ...chrome, title, section: 'customers' },
    html`<p class="breadcrumb"><a href="${CUSTOMERS_PATH}">Customer Connections</a>${crumbs}</p>
<h1>${title}</h1>
${body}`,
  );
}

const crumb = (idpId: string, last?: string) =>
  last ? html` › <a href="${customerPath(idpId)}">${idpId}</a> › ${last}` : html` › ${idpId}`;

export interface CustomerListFilters {
  q: string;
  saasid: string;
  enabled: string;
  cursor: string;
}

function listQuery(f: CustomerListFilters, cursor: string | null): string {
  const params = new URLSearchParams();
  if (f.q) params.set('q', f.q);
  if (f.saasid) params.set('saasid', f.saasid);
  if (f.enabled) params.set('enabled', f.enabled);
  if (cursor) params.set('cursor', cursor);
  const query = params.toString();
  return query ? `${CUSTOMERS_PATH}?${query}` : CUSTOMERS_PATH;
}

export function customerListPage(
  chrome: Chrome,
  p: {
    customers: CustomerSummary[];
    nextCursor: string | null;
    applications: Application[];
    filters: CustomerListFilters;
    notice?: string | undefined;
    error?: string | undefined;
    testIdpId?: string | undefined;
    /** Each listed customer's pinned IdP certificates, by idpId, and the time to count days left from. */
    certificates?: { byIdpId: Map<string, CertificateInfo[]>; now: number } | undefined;
    /** idpIds with open setup links and no customer yet, listed before the customers. */
    invited?: InvitedCustomer[] | undefined;
  },
): SafeHtml {
  const names = new Map(p.applications.map((a) => [a.saasid, a.name]));
  const f = p.filters;
  const filtered = f.q !== '' || f.saasid !== '' || f.enabled !== '';
  const rows = p.customers.map(
    (c) => html`<tr>
  <th scope="row"><a href="${customerPath(c.idpId)}">${c.idpId}</a>${c.idpId === p.testIdpId ? html` <span class="badge">Test IdP</span>` : ''}</th>
  <td><code>${c.entityId}</code></td>
  <td>${c.applications.length === 0 ? html`<span class="muted">none</span>` : c.applications.map((id) => names.get(id) ?? id).sort((a, b) => a.localeCompare(b)).join(', ')}</td>
  <td>${yesNo(c.enabled, 'Enabled', 'Disabled')}</td>
  <td>${certificateExpiries(p.certificates?.byIdpId.get(c.idpId) ?? [], p.certificates?.now ?? 0)}</td>
  <td>${timeElement(c.updatedAt)}</td>
</tr>`,
  );
  const invitedRows = (p.invited ?? []).map(
    (i) => html`<tr>
  <th scope="row"><a href="${customerPath(i.idpId)}/setup-links">${i.idpId}</a> <span class="badge">Invited</span></th>
  <td>Invited — waiting for the customer's identity provider${i.contactEmail ? html`<br><span class="muted">Invited: ${i.contactEmail}</span>` : ''}</td>
  <td><span class="muted">when the IdP is saved</span></td>
  <td>Not enabled</td>
  <td>Link expires ${timeElement(i.expiresAt)}</td>
  <td><a href="${customerPath(i.idpId)}/setup-links">Setup links<span class="visually-hidden"> of ${i.idpId}</span></a></td>
</tr>`,
  );
  return customersPage(
    chrome,
    'Customer Connections',
    html`<p>Each customer is one identity provider (its <strong>idpId</strong>), connected to one or more of your applications. Your backend can manage the same customers over the Customer Connection API.</p>
${noticeBanner(p.notice)}
${errorBanner(p.error)}
<div class="toolbar"><a href="${CUSTOMERS_PATH}/new" class="button primary">Add customer connection</a> <a href="${CUSTOMERS_PATH}/invitation" class="button">Customer Email Invitation</a></div>
<form method="get" action="${CUSTOMERS_PATH}" class="filters" role="search" aria-label="Filter customer connections">
  <div><label for="q">Search</label>
  <input id="q" name="q" type="search" value="${f.q}" maxlength="255" aria-describedby="q-hint">
  <p class="hint" id="q-hint">Part of the idpId or of the IdP entity ID.</p></div>
  <div><label for="filter-saasid">Application</label>
  <select id="filter-saasid" name="saasid">
    ${option('', 'All applications', f.saasid === '')}
    ${p.applications.map((a) => option(a.saasid, a.name, a.saasid === f.saasid))}
  </select></div>
  <div><label for="filter-enabled">Status</label>
  <select id="filter-enabled" name="enabled">
    ${option('', 'Enabled or disabled', f.enabled === '')}
    ${option('true', 'Enabled', f.enabled === 'true')}
    ${option('false', 'Disabled', f.enabled === 'false')}
  </select></div>
  <div class="actions"><button type="submit">Filter</button>${filtered ? html` <a href="${CUSTOMERS_PATH}" class="button">Clear</a>` : ''}</div>
</form>
${
  p.customers.length === 0 && invitedRows.length === 0
    ? html`<p class="empty">${filtered || f.cursor ? 'No customer connections match.' : 'No customer connections yet.'}</p>`
    : scrollingTable(
        'Customer connections',
        html`<table class="data" aria-label="Customer connections">
  <thead><tr><th scope="col">idpId</th><th scope="col">IdP entity ID</th><th scope="col">Applications</th><th scope="col">Status</th><th scope="col">Certificates expire</th><th scope="col">Updated</th></tr></thead>
  <tbody>${invitedRows}${rows}</tbody>
</table>`,
      )
}
<nav class="pager" aria-label="Pages">
  ${f.cursor ? html`<a href="${listQuery(f, null)}">First page</a>` : ''}
  ${p.nextCursor ? html`<a href="${listQuery(f, p.nextCursor)}" rel="next">Next page</a>` : ''}
</nav>`,
  );
}

/** Each pinned certificate's notAfter and days left, in the connection list. */
function certificateExpiries(certificates: readonly CertificateInfo[], now: number): SafeHtml {
  return html`${certificates.map((cert, i) => {
    const days = daysLeft(cert, now);
    const left = days < 0 ? html` <span class="badge danger">expired</span>` : html` <span class="${days <= 30 ? 'badge warning' : 'muted'}">(${days} ${days === 1 ? 'day' : 'days'} left)</span>`;
    return html`${i > 0 ? html`<br>` : ''}${timeElement(Date.parse(cert.notAfter))}${left}`;
  })}`;
}

export function customerDetailPage(
  chrome: Chrome,
  p: { customer: CustomerView; now: number; notice?: string | undefined; /** When the customer's IT admin asked for activation through a setup link. */ activationRequestedAt?: number | undefined },
): SafeHtml {
  const c = p.customer;
  const base = customerPath(c.idpId);
  const connections = c.applications.map(
    (a) => html`<tr>
  <th scope="row"><a href="/console/applications/${a.saasid}">${a.name}</a> <span class="muted">(${applicationKindLabel(a.kind)})</span></th>
  <td><code>${a.saasid}</code></td>
  <td>${yesNo(a.multiplexed)}</td>
  <td>${timeElement(a.connectedAt)}</td>
  <td class="row-actions"><a href="${signInLogQuery(`${base}/sign-in-log`, { saasid: a.saasid, outcome: '', before: '' }, null)}" class="button">Sign-in log<span class="visually-hidden"> of ${a.name}</span></a>
  <a href="${base}/applications/${a.saasid}/remove" class="button danger-link">Remove<span class="visually-hidden"> connection to ${a.name}</span></a></td>
</tr>`,
  );
  return customersPage(
    chrome,
    c.idpId,
    html`${noticeBanner(p.notice)}
${certificateWarningBanner(c, p.now)}
<div class="toolbar">
  <a href="${base}/edit" class="button primary">Edit</a>
  <a href="${base}/configuration" class="button">What the customer configures</a>
  <a href="${base}/setup-links" class="button">Create setup link</a>
  <a href="${base}/sign-in-log" class="button">Sign-in log</a>
  <a href="${base}/delete" class="button danger-link">Delete</a>
</div>
<h2>Identity provider</h2>
<dl class="facts wide">
  <dt>idpId</dt><dd><code>${c.idpId}</code></dd>
  <dt>Status</dt><dd>${yesNo(c.enabled, 'Enabled', 'Disabled')}${
    !c.enabled && p.activationRequestedAt !== undefined
      ? html`<br><strong>Activation requested by the customer's IT admin</strong> ${timeElement(p.activationRequestedAt)}. Check the connection, then enable it: <a href="${base}/edit">Edit</a>, tick Enabled, save.`
      : ''
  }</dd>
  <dt>IdP-initiated sign-in</dt><dd>${yesNo(c.idpInitiatedLogin, 'Allowed', 'Refused')}</dd>
  <dt>Default IdP</dt><dd>${c.isDefault ? 'Yes: IdP discovery sends users here when their email domain matches no customer' : 'No'}
    <form method="post" action="${base}/default" class="inline-form">
      <input type="hidden" name="_csrf" value="${chrome.csrfToken ?? ''}">
      <input type="hidden" name="isDefault" value="${c.isDefault ? 'false' : 'true'}">
      <button type="submit" class="link-button">${c.isDefault ? 'Stop being the default' : 'Make this the default IdP'}</button>
    </form></dd>
  <dt>Entity ID</dt><dd><code>${c.entityId}</code></dd>
  <dt>SSO URL</dt><dd><code>${c.ssoUrl}</code></dd>
  <dt>SSO binding</dt><dd>${bindingLabel(c.ssoBinding)}</dd>
  <dt>Single logout</dt><dd>${
    c.slo
      ? html`<code>${c.slo.url}</code> (${bindingLabel(c.slo.binding)})${c.slo.responseUrl ? html`, responses to <code>${c.slo.responseUrl}</code>` : ''}`
      : html`<span class="muted">not configured</span>`
  }<br><span class="muted">${SINGLE_LOGOUT_NOT_YET}</span></dd>
  <dt>Contact email</dt><dd>${c.contactEmail ?? html`<span class="muted">none</span>`}</dd>
  <dt>Email domains</dt><dd>${c.emailDomains.length > 0 ? c.emailDomains.map((d, i) => html`${i > 0 ? ', ' : ''}<code>${d}</code>`) : html`<span class="muted">none</span>`}</dd>
  ${c.metadataUrl ? html`<dt>Metadata URL</dt><dd><code>${c.metadataUrl}</code></dd>` : ''}
  ${c.metadataRefresh ? metadataRefreshFacts(c.metadataRefresh) : ''}
  <dt>Created</dt><dd>${timeElement(c.createdAt)}</dd>
  <dt>Updated</dt><dd>${timeElement(c.updatedAt)}</dd>
</dl>
<h2>Verification certificates</h2>
${c.certificates.map((cert, i) => html`<section class="certificate" aria-label="Certificate ${i + 1}"><h3>Certificate ${i + 1}</h3>${certificateFacts(cert, p.now)}</section>`)}
<h2>Attribute mapping</h2>
${attributeMappingFacts(c)}
<h2>Application connections</h2>
${
  c.applications.length === 0
    ? html`<p class="empty">Not connected to any application. Edit the customer to connect one.</p>`
    : scrollingTable(
        'Application connections',
        html`<table class="data" aria-label="Application connections">
  <thead><tr><th scope="col">Application</th><th scope="col">saasid</th><th scope="col">Multiplexed</th><th scope="col">Connected</th><th scope="col">Actions</th></tr></thead>
  <tbody>${connections}</tbody>
</table>`,
      )
}`,
    crumb(c.idpId),
  );
}

/** The scheduled refresh of a connection configured by metadata URL: when it last worked, and its last failure. */
function metadataRefreshFacts(r: NonNullable<CustomerView['metadataRefresh']>): SafeHtml {
  return html`<dt>Last refreshed</dt><dd>${r.lastRefreshedAt === null ? html`<span class="muted">not yet (the metadata was fetched when saved)</span>` : timeElement(r.lastRefreshedAt)}</dd>
  <dt>Last refresh error</dt><dd>${
    r.lastError === null
      ? html`<span class="muted">none</span>`
      : html`<strong>${r.lastError.reason}</strong> (${timeElement(r.lastError.at)}). The connection keeps the settings of the last good metadata.`
  }</dd>
  ${r.nextRefreshAt === null ? '' : html`<dt>Next refresh</dt><dd>${timeElement(r.nextRefreshAt)}</dd>`}`;
}

/** One customer's sign-in attempts, optionally for one of its applications. */
export function customerSignInLogPage(chrome: Chrome, p: { customer: CustomerView; page: SsoLogPage; filters: SignInLogFilters; error?: string | undefined }): SafeHtml {
  const c = p.customer;
  return customersPage(
    chrome,
    `Sign-in log of ${c.idpId}`,
    html`${signInLogIntro}
${signInLogSection({
  path: `${customerPath(c.idpId)}/sign-in-log`,
  page: p.page,
  filters: p.filters,
  applications: c.applications.map((a) => ({ saasid: a.saasid, name: a.name })),
  label: `Sign-in attempts through ${c.idpId}`,
  error: p.error,
})}`,
    crumb(c.idpId, 'Sign-in log'),
  );
}

function input(errors: FieldErrors, p: { name: string; label: string; value: string; type?: string; hint?: string; optional?: boolean; readonly?: boolean; maxlength?: number }): SafeHtml {
  const id = `customer-${p.name}`;
  const hintId = p.hint ? `${id}-hint` : undefined;
  const described = describedBy(errors, p.name, id, hintId);
  return html`<label for="${id}">${p.label}${p.optional ? html` <span class="muted">(optional)</span>` : ''}</label>
<input id="${id}" ${p.readonly ? 'readonly' : html`name="${p.name}"`} type="${p.type ?? 'text'}" value="${p.value}" ${p.maxlength ? html`maxlength="${p.maxlength}"` : ''} ${described ? html`aria-describedby="${described}"` : ''} ${errors[p.name] ? html`aria-invalid="true"` : ''}>
${p.hint ? html`<p class="hint" id="${hintId}">${p.hint}</p>` : ''}
${fieldError(errors[p.name], `${id}-error`)}`;
}

function textarea(errors: FieldErrors, p: { name: string; label: string; value: string; hint?: string; optional?: boolean; rows?: number }): SafeHtml {
  const id = `customer-${p.name}`;
  const hintId = p.hint ? `${id}-hint` : undefined;
  const described = describedBy(errors, p.name, id, hintId);
  return html`<label for="${id}">${p.label}${p.optional ? html` <span class="muted">(optional)</span>` : ''}</label>
<textarea id="${id}" name="${p.name}" rows="${p.rows ?? 4}" class="mono" spellcheck="false" ${described ? html`aria-describedby="${described}"` : ''} ${errors[p.name] ? html`aria-invalid="true"` : ''}>${p.value}</textarea>
${p.hint ? html`<p class="hint" id="${hintId}">${p.hint}</p>` : ''}
${fieldError(errors[p.name], `${id}-error`)}`;
}

function bindingSelect(name: string, label: string, value: string, errors: FieldErrors, allowNone: boolean): SafeHtml {
  const id = `customer-${name}`;
  return html`<label for="${id}">${label}</label>
<select id="${id}" name="${name}" ${errors[name] ? html`aria-describedby="${id}-error" aria-invalid="true"` : ''}>
  ${allowNone ? option('', 'None', value === '') : ''}
  ${option('redirect', 'HTTP-Redirect', value === 'redirect')}
  ${option('post', 'HTTP-POST', value === 'post')}
</select>
${fieldError(errors[name], `${id}-error`)}`;
}

function sourceRadio(value: IdpSource, label: string, current: IdpSource): SafeHtml {
  return html`<label class="checkbox"><input type="radio" name="source" value="${value}" ${current === value ? 'checked' : ''} data-source-choice> ${label}</label>`;
}

function connectionRows(values: CustomerFormValues, applications: Application[], errors: FieldErrors): SafeHtml {
  if (applications.length === 0) return html`<p class="empty">You have no applications yet. <a href="/console/applications">Add one</a> to connect customers to it.</p>`;
  const byId = new Map(values.connections.map((c) => [c.saasid, c]));
  const rows = applications.map((a, i) => {
    const choice = byId.get(a.saasid) ?? { saasid: a.saasid, connected: false, multiplexed: true };
    const error = errors[`app:${a.saasid}`];
    const hint = isMultiplexedApplication(a) ? '' : 'This application does not use application multiplexing, so its connection must be multiplexed.';
    return html`<li class="connection-choice">
  <label class="checkbox"><input type="checkbox" name="connect" value="${a.saasid}" id="connect-${i}" ${choice.connected ? 'checked' : ''} ${error ? html`aria-describedby="connect-${i}-error"` : ''}> ${a.name} <span class="muted">(${applicationKindLabel(a.kind)}${a.enabled ? '' : ', disabled'})</span></label>
  <label class="checkbox indent"><input type="checkbox" name="multiplexed" value="${a.saasid}" ${choice.multiplexed ? 'checked' : ''} ${hint ? html`aria-describedby="connect-${i}-hint"` : ''}> Multiplexed<span class="visually-hidden"> connection to ${a.name}</span></label>
  ${hint ? html`<p class="hint indent" id="connect-${i}-hint">${hint}</p>` : ''}
  ${fieldError(error, `connect-${i}-error`)}
</li>`;
  });
  return html`<ul class="connection-choices">${rows}</ul>`;
}

/** The attribute mapping as the customer page shows it. */
function attributeMappingFacts(c: CustomerView): SafeHtml {
  const m = c.attributeMapping;
  const preset = m.preset === null ? undefined : attributeMappingPreset(m.preset);
  if (m.rules.length === 0 && m.nameIdAttribute === null) return html`<p class="muted">None: applications receive the attribute names the IdP sends.</p>`;
  return html`${preset ? html`<p>From the ${preset.label} preset.</p>` : ''}
${
  m.rules.length === 0
    ? ''
    : scrollingTable(
        'Attribute mapping',
        html`<table class="data" aria-label="Attribute mapping">
  <thead><tr><th scope="col">IdP attribute name</th><th scope="col">Application attribute name</th></tr></thead>
  <tbody>${m.rules.map((r) => html`<tr><td><code>${r.idpAttribute}</code></td><td><code>${r.appAttribute}</code></td></tr>`)}</tbody>
</table>`,
      )
}
${m.nameIdAttribute === null ? '' : html`<p>The NameID is also delivered as <code>${m.nameIdAttribute}</code>.</p>`}`;
}

/** Pinned certificates that are expired or not yet valid: said after every save and whenever the page is shown. */
function certificateWarningBanner(c: CustomerView, now: number): SafeHtml {
  const warnings = certificateWarnings(c.certificates, now, (i) => `certificate ${i + 1}`);
  if (warnings.length === 0) return html``;
  return html`<div class="banner warning" role="status">${warnings.map((w) => html`<p>${w.message}</p>`)}</div>`;
}

export function customerFormPage(
  chrome: Chrome,
  p: { customer?: CustomerView; values: CustomerFormValues; applications: Application[]; errors?: FieldErrors; error?: string | undefined },
): SafeHtml {
  const v = p.values;
  const errors = p.errors ?? {};
  const editing = p.customer !== undefined;
  const action = editing ? `${customerPath(p.customer!.idpId)}/edit` : `${CUSTOMERS_PATH}/new`;
  const title = editing ? `Edit ${p.customer!.idpId}` : 'Add customer connection';
  return customersPage(
    chrome,
    title,
    html`${errorBanner(p.error)}
<form method="post" action="${action}" class="customer-form" aria-label="${title}">
  ${hiddenCsrf(chrome)}
  <fieldset>
    <legend>Customer</legend>
    ${
      editing
        ? input(errors, { name: 'idpId', label: 'idpId', value: v.idpId, readonly: true, hint: 'The idpId cannot be changed.' })
        : input(errors, {
            name: 'idpId',
            label: 'idpId',
            value: v.idpId,
            maxlength: IDP_ID_MAX_LENGTH,
            hint: 'Your name for this customer\'s identity provider: unique in your account, never changed later, no "/". A domain name is recommended, e.g. customer001.com.',
          })
    }
    ${input(errors, { name: 'contactEmail', label: 'Contact email', value: v.contactEmail, type: 'email', optional: true })}
    ${textarea(errors, { name: 'emailDomains', label: 'Email domains', value: v.emailDomains, optional: true, rows: 3, hint: `Users whose email address is on one of these domains are sent to this IdP (one per line, or separated by commas; at most ${MAX_EMAIL_DOMAINS}).` })}
    <label class="checkbox"><input type="checkbox" name="enabled" value="true" ${v.enabled ? 'checked' : ''}> Enabled</label>
    ${fieldError(errors.enabled, 'customer-enabled-error')}
    <label class="checkbox"><input type="checkbox" name="idpInitiatedLogin" value="true" ${v.idpInitiatedLogin ? 'checked' : ''} aria-describedby="customer-idpInitiatedLogin-hint"> Allow IdP-initiated sign-in</label>
    <p class="hint" id="customer-idpInitiatedLogin-hint">Users may start from their IdP's portal, which posts a response we did not ask for. Clear this to accept only sign-ins started from your applications.</p>
    ${fieldError(errors.idpInitiatedLogin, 'customer-idpInitiatedLogin-error')}
  </fieldset>
  <fieldset>
    <legend>IdP settings from</legend>
    ${sourceRadio('fields', 'The settings entered below', v.source)}
    ${sourceRadio('metadataXml', 'The IdP\'s SAML metadata XML', v.source)}
    ${sourceRadio('metadataUrl', 'The IdP\'s SAML metadata URL (fetched now)', v.source)}
  </fieldset>
  <fieldset data-source-panel="fields">
    <legend>IdP settings</legend>
    ${input(errors, { name: 'entityId', label: 'IdP entity ID', value: v.entityId })}
    ${input(errors, { name: 'ssoUrl', label: 'SSO URL', value: v.ssoUrl, type: 'url', hint: 'Where users are sent with a signed AuthnRequest. https://' })}
    ${bindingSelect('ssoBinding', 'SSO binding', v.ssoBinding, errors, false)}
    ${textarea(errors, { name: 'certificates', label: 'Verification certificates', value: v.certificates, rows: 8, hint: `The IdP's signing certificates: paste one or more PEM certificates (at most ${MAX_CERTIFICATES}); base64 DER certificates go one per paragraph.` })}
    ${input(errors, { name: 'sloUrl', label: 'Single logout URL', value: v.sloUrl, type: 'url', optional: true })}
    ${input(errors, { name: 'sloResponseUrl', label: 'Single logout response URL', value: v.sloResponseUrl, type: 'url', optional: true })}
    ${bindingSelect('sloBinding', 'Single logout binding', v.sloBinding, errors, true)}
    <p class="hint">Single logout needs its URL and binding together. ${SINGLE_LOGOUT_NOT_YET}</p>
  </fieldset>
  <fieldset data-source-panel="metadataXml">
    <legend>IdP metadata XML</legend>
    <label for="metadataFile" class="js-only" hidden>IdP metadata file</label>
    <input type="file" id="metadataFile" class="js-only" hidden accept=".xml,application/xml,text/xml,application/samlmetadata+xml" data-load-into="customer-metadataXml">
    ${textarea(errors, { name: 'metadataXml', label: 'Metadata XML', value: v.metadataXml, rows: 8, hint: 'The entity ID, SSO URL, certificates and single logout settings are read from it.' })}
  </fieldset>
  <fieldset data-source-panel="metadataUrl">
    <legend>IdP metadata URL</legend>
    ${input(errors, { name: 'metadataUrl', label: 'Metadata URL', value: v.metadataUrl, type: 'url', hint: 'An https:// URL, fetched once when you save (size and time limited).' })}
  </fieldset>
  ${attributeMappingFieldset(v, { idpLabel: 'IdP attribute name', appLabel: 'Application attribute name', error: errors.attributeMapping, nameIdError: errors.nameIdAttribute })}
  <fieldset>
    <legend>Application connections</legend>
    <p class="hint">A multiplexed connection uses one shared SP identity toward the customer's IdP for all your applications; a non-multiplexed one uses an identity of its own.${editing ? ' Clearing a connected application removes its connection.' : ''}</p>
    ${fieldError(errors.applications, 'customer-applications-error')}
    ${connectionRows(v, p.applications, errors)}
  </fieldset>
  <div class="actions">
    <button type="submit" class="primary">Save</button>
    <a href="${editing ? customerPath(p.customer!.idpId) : CUSTOMERS_PATH}" class="button">Cancel</a>
  </div>
</form>`,
    editing ? crumb(p.customer!.idpId, 'Edit') : html` › Add`,
  );
}

export function deleteCustomerPage(chrome: Chrome, c: CustomerView): SafeHtml {
  return customersPage(
    chrome,
    `Delete ${c.idpId}`,
    html`<div class="banner warning" role="alert">Customer <strong>${c.idpId}</strong> and its ${c.applications.length} application connection${c.applications.length === 1 ? '' : 's'} are deleted; its users can no longer sign in. This cannot be undone.</div>
${confirmForm(chrome, `${customerPath(c.idpId)}/delete`, customerPath(c.idpId), 'Delete customer connection')}`,
    crumb(c.idpId, 'Delete'),
  );
}

export function removeConnectionPage(chrome: Chrome, c: CustomerView, app: CustomerView['applications'][number]): SafeHtml {
  return customersPage(
    chrome,
    `Remove ${app.name} from ${c.idpId}`,
    html`<div class="banner warning" role="alert">Users of <strong>${c.idpId}</strong> can no longer sign in to <strong>${app.name}</strong>. The customer's other connections are kept.</div>
${confirmForm(chrome, `${customerPath(c.idpId)}/applications/${app.saasid}/remove`, customerPath(c.idpId), 'Remove connection')}`,
    crumb(c.idpId, 'Remove connection'),
  );
}

export function metadataDownloadPath(idpId: string, configuration: IdpConfiguration): string {
  const base = `${customerPath(idpId)}/metadata.xml`;
  return configuration.multiplexed ? base : `${base}?saasid=${encodeURIComponent(configuration.applications[0] ?? '')}`;
}

export function idpConfigurationPage(chrome: Chrome, p: { customer: CustomerView; configurations: IdpConfiguration[]; now: number }): SafeHtml {
  const c = p.customer;
  const names = new Map(c.applications.map((a) => [a.saasid, a.name]));
  const sections = p.configurations.map((conf, n) => {
    const apps = conf.applications.map((id) => names.get(id) ?? id);
    const heading = conf.multiplexed ? 'Shared SP identity (multiplexed connections)' : `SP identity for ${apps[0] ?? ''} (not multiplexed)`;
    return html`<section class="card configuration" aria-labelledby="configuration-${n}">
  <h2 id="configuration-${n}">${heading}</h2>
  <p>Used for: ${apps.join(', ')}</p>
  ${copyable(`entity-id-${n}`, 'SP entity ID', conf.entityId)}
  ${copyable(`acs-url-${n}`, 'ACS URL', conf.acsUrl)}
  <p class="hint">ACS binding: HTTP-POST. The IdP must sign its assertions (SHA-256).</p>
  <h3>Signing certificates</h3>
  <p class="hint">Requests are signed with the first; a renewal certificate, when listed, will replace it.</p>
  ${conf.signingCertificates.map(
    (cert, i) => html`<div class="certificate">
    ${certificateFacts(cert, p.now)}
    ${copyableBlock(`signing-certificate-${n}-${i}`, `Signing certificate ${i + 1}`, cert.pem.trim())}
  </div>`,
  )}
  <h3>Attributes</h3>
  ${
    conf.requiredAttributes.length === 0
      ? html`<p class="muted">No attributes beyond the NameID.</p>`
      : scrollingTable(
          `Attributes for ${heading}`,
          html`<table class="data" aria-label="Attributes for ${heading}">
    <thead><tr><th scope="col">Attribute name</th><th scope="col">Required</th></tr></thead>
    <tbody>${conf.requiredAttributes.map((a) => html`<tr><td><code>${a.name}</code></td><td>${a.required ? 'Required' : 'Optional'}</td></tr>`)}</tbody>
  </table>`,
        )
  }
  <h3>SP metadata</h3>
  ${copyable(`sp-metadata-url-${n}`, 'SP metadata URL', conf.spMetadataUrl)}
  <p class="hint">Public: IdPs that import metadata from a URL can fetch it themselves.</p>
  ${copyableBlock(`sp-metadata-${n}`, 'SP metadata XML', conf.metadataXml, html` <a href="${metadataDownloadPath(c.idpId, conf)}" class="button" download>Download metadata XML<span class="visually-hidden"> for ${heading}</span></a>`)}
</section>`;
  });
  return customersPage(
    chrome,
    'What the customer configures',
    html`<p>Give this to the IT administrator of <strong>${c.idpId}</strong>: what their identity provider must know about your service. Most IdPs can import the SP metadata XML directly.</p>
${p.configurations.length === 0 ? html`<p class="empty">This customer is not connected to any application yet, so there is nothing to configure.</p>` : sections}
${copyAnnouncer}`,
    crumb(c.idpId, 'What the customer configures'),
  );
}
