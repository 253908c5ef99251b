import { SSO_LOG_RETENTION_DAYS, type SsoLogEntry, type SsoLogPage } from '../../../domain/sso/sso-log.js';
import { html, timeElement, type SafeHtml } from '../../views/html.js';
import { errorBanner, layout } from '../../views/layout.js';
import { copyAnnouncer, option, scrollingTable, type Chrome } from './partials.js';

export const SIGN_IN_LOG_PATH = '/console/account/sign-in-log';

/** The filters of a sign-in log page, as the query string carries them ('' = not set). */
export interface SignInLogFilters {
  saasid: string;
  outcome: string;
  before: string;
}

/** The page's own URL with these filters and cursor (`before`), for the pager and "Clear". */
export function signInLogQuery(path: string, f: SignInLogFilters, before: number | string | null): string {
  const params = new URLSearchParams();
  if (f.saasid) params.set('saasid', f.saasid);
  if (f.outcome) params.set('outcome', f.outcome);
  if (before !== null && before !== '') params.set('before', String(before));
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

function outcomeBadge(e: SsoLogEntry): SafeHtml {
  if (e.outcome === 'test') return html`<span class="badge">Test</span>`;
  return e.outcome === 'success' ? html`<span class="badge ok">Success</span>` : html`<span class="badge danger">Failure</span>`;
}

/**
 * A long identifier on one line, cut with an ellipsis by CSS: the element's text is the full value
 * (what a screen reader reads, a selection copies, and the Copy button copies through console.js),
 * and its title shows the full value on hover.
 */
function longId(id: string, label: string, value: string, href?: string): SafeHtml {
  const shown = href ? html`<a href="${href}" class="log-id" id="${id}" title="${value}">${value}</a>` : html`<code class="log-id" id="${id}" title="${value}">${value}</code>`;
  return html`<span class="log-value">${shown}<button type="button" class="copy" data-copy="${id}" data-copied="${label} copied" aria-label="Copy ${label}">Copy</button></span>`;
}

function applicationCell(e: SsoLogEntry): SafeHtml {
  if (e.saasid === null) return html`<span class="muted">not known</span>`;
  if (e.applicationName === null) return html`${longId(`log-${e.id}-saasid`, 'saasid', e.saasid)} <span class="muted">(deleted)</span>`;
  return html`<a href="/console/applications/${e.saasid}">${e.applicationName}</a>`;
}

function customerCell(e: SsoLogEntry, customerHref: (idpId: string) => string): SafeHtml {
  if (e.idpId !== null) return longId(`log-${e.id}-idpid`, 'idpId', e.idpId, customerHref(e.idpId));
  return e.customerDeleted ? html`<span class="muted">deleted customer</span>` : html`<span class="muted">not known</span>`;
}

/** The log itself: one row per login attempt. Only identifiers are shown, never SAML content. */
export function signInLogTable(p: { page: SsoLogPage; label: string; customerHref?: ((idpId: string) => string) | undefined }): SafeHtml {
  const rows = p.page.events.map(
    (e) => html`<tr>
  <td>${timeElement(e.at)}</td>
  <td>${outcomeBadge(e)}</td>
  <td class="reason"><code>${e.reason}</code><br><span class="hint">${e.description}</span>${e.detail === null ? '' : html` <span class="log-detail">${e.detail}</span>`}</td>
  ${p.customerHref ? html`<td>${customerCell(e, p.customerHref)}</td>` : ''}
  <td>${applicationCell(e)}</td>
  <td>${e.assertionId === null ? html`<span class="muted">none</span>` : longId(`log-${e.id}-assertion`, 'assertion ID', e.assertionId)}</td>
  <td>${longId(`log-${e.id}-request`, 'request ID', e.requestId)}</td>
</tr>`,
  );
  const table = scrollingTable(
    p.label,
    html`<table class="data sign-in-log" aria-label="${p.label}">
  <thead><tr><th scope="col">Time</th><th scope="col">Outcome</th><th scope="col">Reason</th>${p.customerHref ? html`<th scope="col">Customer</th>` : ''}<th scope="col">Application</th><th scope="col">Assertion ID</th><th scope="col">Request ID</th></tr></thead>
  <tbody>${rows}</tbody>
</table>`,
  );
  return html`${table}
${copyAnnouncer}`;
}

/**
 * Filters, table and pager of a sign-in log (the account's or one customer's): `path` is the
 * page's own URL, `applications` what the application filter offers.
 */
export function signInLogSection(p: {
  path: string;
  page: SsoLogPage;
  filters: SignInLogFilters;
  applications: { saasid: string; name: string }[];
  label: string;
  customerHref?: ((idpId: string) => string) | undefined;
  error?: string | undefined;
}): SafeHtml {
  const f = p.filters;
  const filtered = f.saasid !== '' || f.outcome !== '';
  return html`${errorBanner(p.error)}
<form method="get" action="${p.path}" class="filters compact" role="search" aria-label="Filter the sign-in log">
  <div><label for="log-saasid">Application</label>
  <select id="log-saasid" name="saasid">
    ${option('', 'All applications', f.saasid === '')}
    ${p.applications.map((a) => option(a.saasid, a.name, a.saasid === f.saasid))}
  </select></div>
  <div><label for="log-outcome">Outcome</label>
  <select id="log-outcome" name="outcome">
    ${option('', 'Successes and failures', f.outcome === '')}
    ${option('success', 'Successes', f.outcome === 'success')}
    ${option('failure', 'Failures', f.outcome === 'failure')}
  </select></div>
  <div class="actions"><button type="submit">Filter</button>${filtered ? html` <a href="${p.path}" class="button">Clear</a>` : ''}</div>
</form>
${
  p.page.events.length === 0
    ? html`<p class="empty">${filtered || f.before ? 'No sign-in attempts match.' : 'No sign-in attempts yet.'}</p>`
    : signInLogTable({ page: p.page, label: p.label, customerHref: p.customerHref })
}
<nav class="pager" aria-label="Pages">
  ${f.before ? html`<a href="${signInLogQuery(p.path, f, null)}">Newest events</a>` : ''}
  ${p.page.nextBeforeId !== undefined ? html`<a href="${signInLogQuery(p.path, f, p.page.nextBeforeId)}" rel="next">Older events</a>` : ''}
</nav>`;
}

export const signInLogIntro = html`<p>Every sign-in attempt, newest first: when it happened, whether it succeeded, and why it failed. The request ID is the one shown to the user on the error page and sent to the application's error URL as <code>request_id</code>; the assertion ID (once its signature verified) matches the identity provider's own logs. SAML messages and user attributes are never stored. Events are kept for ${SSO_LOG_RETENTION_DAYS} days.</p>`;

/** Account › Sign-in log: every customer and application. */
export function accountSignInLogPage(
  chrome: Chrome,
  p: { page: SsoLogPage; filters: SignInLogFilters; applications: { saasid: string; name: string }[]; customerHref: (idpId: string) => string; error?: string | undefined },
): SafeHtml {
  return layout(
    { ...chrome, title: 'Sign-in log', section: 'sign-in-log' },
    html`<p class="breadcrumb">Account › Sign-in log</p>
<h1>Sign-in log</h1>
${signInLogIntro}
<p class="hint">Attempts that failed before the account was known (an unknown saasid, nothing or no SAML response posted, a response to a sign-in not started here) cannot be attributed to an account: they appear only in the server log, under their request ID.</p>
${signInLogSection({ path: SIGN_IN_LOG_PATH, label: 'Sign-in attempts', ...p })}`,
  );
}
