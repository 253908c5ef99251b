import type { Application } from '../../../domain/model.js';
import { ACCESS_TOKEN_LIFETIME_MINUTES, MAX_REDIRECT_URIS, MAX_REQUIRED_ATTRIBUTES } from '../../../domain/applications/application-schemas.js';
import { applicationKindLabel as kindLabel } from '../../../domain/applications/application-kind-label.js';
import {
  MAX_OIDC_CLIENT_SECRETS,
  OIDC_CLIENT_SECRET_LIMIT_MESSAGE,
  type NewOidcClientSecret,
  type OidcClientSecretView,
} from '../../../domain/applications/oidc-client-secret-service.js';
import type { OidcEndpointUrls } from '../../../domain/applications/oidc-endpoints.js';
import type { SigningKeyView } from '../../../domain/keys/signing-key-service.js';
import { SECURE_URL_RULE } from '../../../domain/url-rules.js';
import { SINGLE_LOGOUT_NOT_YET } from '../../../domain/single-logout.js';
import { APPLICATION_CREDENTIALS_PATH } from './integration-pages.js';
import { html, timeElement, type SafeHtml } from '../../views/html.js';
import { errorBanner, fieldError, layout } from '../../views/layout.js';
import type { ApplicationFormValues } from '../application-form.js';
import { copyable, copyableBlock, copyAnnouncer, describedBy, hiddenCsrf, noticeBanner, option, scrollingTable, yesNo, type Chrome, type FieldErrors, confirmForm } from './partials.js';

export const APPLICATIONS_PATH = '/console/applications';

function applicationsPage(chrome: Chrome, title: string, body: SafeHtml, crumb?: string): SafeHtml {
  return layout(
    { ...chrome, title, section: 'applications' },
    html`<p class="breadcrumb"><a href="${APPLICATIONS_PATH}">Applications</a> › My Applications${crumb ? html` › ${crumb}` : ''}</p>
<h1>${title}</h1>
${body}`,
  );
}

export function applicationListPage(chrome: Chrome, p: { applications: Application[]; notice?: string | undefined; error?: string | undefined }): SafeHtml {
  const rows = p.applications.map(
    (a, i) => html`<tr>
  <th scope="row"><a href="${APPLICATIONS_PATH}/${a.saasid}">${a.name}</a></th>
  <td>${kindLabel(a.kind)}</td>
  <td><span class="copy-inline"><code id="saasid-${i}">${a.saasid}</code>
    <button type="button" class="copy icon" data-copy="saasid-${i}" data-copied="saasid copied" aria-label="Copy saasid of ${a.name}">Copy</button></span></td>
  <td>${yesNo(a.enabled, 'Enabled', 'Disabled')}</td>
  <td class="row-actions">
    <a href="${APPLICATIONS_PATH}/${a.saasid}" class="button">Edit<span class="visually-hidden"> ${a.name}</span></a>
    <a href="${APPLICATIONS_PATH}/${a.saasid}/test" class="button">Test<span class="visually-hidden"> ${a.name}</span></a>
    <form method="post" action="${APPLICATIONS_PATH}/${a.saasid}/enabled">
      ${hiddenCsrf(chrome)}
      <input type="hidden" name="enabled" value="${a.enabled ? 'false' : 'true'}">
      <button type="submit">${a.enabled ? 'Disable' : 'Enable'}<span class="visually-hidden"> ${a.name}</span></button>
    </form>
    <a href="${APPLICATIONS_PATH}/${a.saasid}/delete" class="button danger-link">Delete<span class="visually-hidden"> ${a.name}</span></a>
  </td>
</tr>`,
  );
  return applicationsPage(
    chrome,
    'My Applications',
    html`<p>Each application has a <strong>saasid</strong>: the identifier your code passes to SSO (<code>/sso/sp/initsso?saasid=…</code>) and to the Customer Connection API, and an OIDC application's client ID.</p>
${noticeBanner(p.notice)}
${errorBanner(p.error)}
<div class="toolbar">
  <a href="${APPLICATIONS_PATH}/new/saml" class="button primary">Add SAML application</a>
  <a href="${APPLICATIONS_PATH}/new/rest" class="button primary">Add REST application</a>
  <a href="${APPLICATIONS_PATH}/new/oidc" class="button primary">Add OIDC application</a>
  <a href="/console/test-idp" class="button">Test IdP</a>
</div>
${
  p.applications.length === 0
    ? html`<p class="empty">No applications yet.</p>`
    : scrollingTable(
        'Applications',
        html`<table class="data" aria-label="Applications">
  <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">saasid</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
  <tbody>${rows}</tbody>
</table>`,
      )
}
${copyAnnouncer}`,
  );
}

function textField(
  errors: FieldErrors,
  p: { name: keyof ApplicationFormValues & string; label: string; value: string; hint?: string; type?: string; required?: boolean; placeholder?: string },
): SafeHtml {
  const id = `app-${p.name}`;
  const hintId = p.hint ? `${id}-hint` : undefined;
  const described = describedBy(errors, p.name, id, hintId);
  return html`<label for="${id}">${p.label}${p.required === false ? html` <span class="muted">(optional)</span>` : ''}</label>
<input id="${id}" name="${p.name}" type="${p.type ?? 'text'}" value="${p.value}" ${p.required === false ? '' : 'required'} ${p.placeholder ? html`placeholder="${p.placeholder}"` : ''} ${described ? html`aria-describedby="${described}"` : ''} ${errors[p.name] ? html`aria-invalid="true"` : ''}>
${p.hint ? html`<p class="hint" id="${hintId}">${p.hint}</p>` : ''}
${fieldError(errors[p.name], `${id}-error`)}`;
}

function textArea(errors: FieldErrors, p: { name: string; label: string; value: string; hint?: SafeHtml | string; rows?: number; required?: boolean; mono?: boolean }): SafeHtml {
  const id = `app-${p.name}`;
  const hintId = p.hint ? `${id}-hint` : undefined;
  const described = describedBy(errors, p.name, id, hintId);
  return html`<label for="${id}">${p.label}${p.required === false ? html` <span class="muted">(optional)</span>` : ''}</label>
<textarea id="${id}" name="${p.name}" rows="${p.rows ?? 4}" spellcheck="false" ${p.mono ? html`class="mono"` : ''} ${described ? html`aria-describedby="${described}"` : ''} ${errors[p.name] ? html`aria-invalid="true"` : ''}>${p.value}</textarea>
${p.hint ? html`<p class="hint" id="${hintId}">${p.hint}</p>` : ''}
${fieldError(errors[p.name], `${id}-error`)}`;
}

function checkbox(name: string, label: string, isChecked: boolean, errors: FieldErrors, hint?: string): SafeHtml {
  const id = `app-${name}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const described = describedBy(errors, name, id, hintId);
  return html`<label class="checkbox"><input type="checkbox" id="${id}" name="${name}" value="true" ${isChecked ? 'checked' : ''} ${described ? html`aria-describedby="${described}"` : ''}> ${label}</label>
${hint ? html`<p class="hint" id="${hintId}">${hint}</p>` : ''}
${fieldError(errors[name], `${id}-error`)}`;
}

const attributesHint = html`One attribute per line, as the application expects its name. An attribute is required unless the line ends with <code>,optional</code> — for example <code>email</code> and <code>department,optional</code>. At most ${MAX_REQUIRED_ATTRIBUTES}.`;

function keyLabel(k: SigningKeyView): string {
  const status = k.status === 'active' ? 'Active key' : k.status === 'next' ? 'Renewal key' : 'Retired key';
  return `${status}: ${k.certificate.subject}, expires ${k.certificate.notAfter.slice(0, 10)}, SHA-256 ${k.certificate.sha256Fingerprint.slice(0, 11)}…`;
}

function samlFields(v: ApplicationFormValues, errors: FieldErrors, keys: SigningKeyView[]): SafeHtml {
  const keyChoices = keys.filter((k) => k.status !== 'retired' || k.id === v.signingKeyId);
  const pinnedMissing = v.signingKeyId !== '' && !keys.some((k) => k.id === v.signingKeyId);
  return html`<fieldset>
  <legend>Where the application receives assertions</legend>
  ${textField(errors, { name: 'acsUrl', label: 'ACS URL', value: v.acsUrl, type: 'url', hint: `The application's Assertion Consumer Service: signed SAML responses are POSTed here. Must be ${SECURE_URL_RULE}.` })}
  ${textField(errors, { name: 'spEntityId', label: 'SP entity ID', value: v.spEntityId, hint: 'The application\'s SAML entity ID (the Audience of the assertions). Unique in your account.' })}
</fieldset>
<fieldset>
  <legend>Identity toward the application</legend>
  ${checkbox('multiplexed', 'Application multiplexing', v.multiplexed, errors, 'On: the application sees one issuer for every customer. Off: each customer connection gets its own issuer, and its connections must be multiplexed.')}
  ${textField(errors, { name: 'customEntityId', label: 'Custom entity ID', value: v.customEntityId, required: false, hint: 'The issuer this application sees instead of the shared one (multiplexed applications only).' })}
  <label for="app-signingKeyId">Signing certificate</label>
  <select id="app-signingKeyId" name="signingKeyId" ${describedBy(errors, 'signingKeyId', 'app-signingKeyId', 'app-signingKeyId-hint') ? html`aria-describedby="${describedBy(errors, 'signingKeyId', 'app-signingKeyId', 'app-signingKeyId-hint')}"` : ''}>
    ${option('', 'The active key (follows key renewals)', v.signingKeyId === '')}
    ${keyChoices.map((k) => option(k.id, keyLabel(k), k.id === v.signingKeyId))}
    ${pinnedMissing ? option(v.signingKeyId, `A key that no longer exists (${v.signingKeyId})`, true) : ''}
  </select>
  <p class="hint" id="app-signingKeyId-hint">Which of your <a href="/console/account/signing-keys">signing keys</a> signs assertions for this application. Pinning a key means it keeps signing with it after a renewal.</p>
  ${fieldError(errors.signingKeyId, 'app-signingKeyId-error')}
</fieldset>
<fieldset>
  <legend>Encryption</legend>
  ${checkbox('encryptAssertions', 'Encrypt assertions', v.encryptAssertions, errors)}
  ${textArea(errors, { name: 'encryptionCertificate', label: 'Encryption certificate', value: v.encryptionCertificate, required: false, rows: 5, mono: true, hint: 'The application\'s certificate (PEM or base64 DER). Required when assertions are encrypted.' })}
</fieldset>
<fieldset>
  <legend>Single logout</legend>
  <p class="hint">${SINGLE_LOGOUT_NOT_YET}</p>
  ${textField(errors, { name: 'sloUrl', label: 'SLO endpoint', value: v.sloUrl, type: 'url', required: false, hint: `Must be ${SECURE_URL_RULE}.` })}
  <label for="app-sloBinding">SLO binding</label>
  <select id="app-sloBinding" name="sloBinding" ${errors.sloBinding ? html`aria-describedby="app-sloBinding-error" aria-invalid="true"` : ''}>
    ${option('', 'None', v.sloBinding === '')}
    ${option('redirect', 'HTTP-Redirect', v.sloBinding === 'redirect')}
    ${option('post', 'HTTP-POST', v.sloBinding === 'post')}
  </select>
  ${fieldError(errors.sloBinding, 'app-sloBinding-error')}
</fieldset>`;
}

function restFields(v: ApplicationFormValues, errors: FieldErrors): SafeHtml {
  return html`<fieldset>
  <legend>Where users land</legend>
  ${textField(errors, { name: 'defaultAppUrl', label: 'Default Application URL', value: v.defaultAppUrl, type: 'url', hint: `Required because a sign-in that names no appurl (every IdP-initiated one) still needs somewhere to deliver the token. Must be ${SECURE_URL_RULE}.` })}
  ${textField(errors, { name: 'errorUrl', label: 'Error URL', value: v.errorUrl, type: 'url', hint: `Required because a failed sign-in returns to your application, not to a dead end: the browser is sent here with ?error=<reason>&request_id=<id>, so your application can explain and offer to retry. An errorurl given at sign-in replaces it. Must be ${SECURE_URL_RULE}.` })}
  ${textField(errors, { name: 'hostname', label: 'Hostname/Domain', value: v.hostname, hint: 'Required because an appurl or errorurl given at sign-in is checked against it, so that a crafted link cannot send the token elsewhere: this host (app.example.com), or any sub-domain of a domain written with a leading dot (.example.com).' })}
</fieldset>
<fieldset>
  <legend>Token delivery binding</legend>
  <label class="checkbox"><input type="radio" name="tokenBinding" value="post" ${v.tokenBinding !== 'query' ? 'checked' : ''}> POST (form post of <code>tokenid</code>, recommended)</label>
  <label class="checkbox"><input type="radio" name="tokenBinding" value="query" ${v.tokenBinding === 'query' ? 'checked' : ''}> Query string (<code>?tokenid=…</code>)</label>
  ${fieldError(errors.tokenBinding, 'app-tokenBinding-error')}
</fieldset>`;
}

const redirectUrisHint = `One URL per line, at most ${MAX_REDIRECT_URIS}, compared exactly (no wildcards). Each must be ${SECURE_URL_RULE}, without a #fragment.`;

function oidcFields(v: ApplicationFormValues, errors: FieldErrors): SafeHtml {
  const lifetime = ACCESS_TOKEN_LIFETIME_MINUTES;
  return html`<fieldset>
  <legend>Where users return</legend>
  ${textArea(errors, { name: 'redirectUris', label: 'Redirect URIs', value: v.redirectUris, rows: 3, mono: true, hint: `Where the user returns with an authorization code (redirect_uri). ${redirectUrisHint}` })}
  ${textArea(errors, { name: 'postLogoutRedirectUris', label: 'Post-logout redirect URIs', value: v.postLogoutRedirectUris, rows: 2, mono: true, required: false, hint: `Where the user may return after signing out (post_logout_redirect_uri). ${redirectUrisHint}` })}
</fieldset>
<fieldset>
  <legend>Grants and PKCE</legend>
  <p class="hint">The authorization code grant is always on.</p>
  ${checkbox('refreshTokens', 'Refresh tokens', v.refreshTokens, errors, 'Also issue refresh tokens (the refresh_token grant), so the application can renew access tokens without a new sign-in.')}
  ${checkbox('pkceRequired', 'PKCE required', v.pkceRequired, errors, 'Every authorization request must carry a PKCE code challenge (RFC 7636). Recommended even for applications with a client secret.')}
  ${checkbox('allowPlainPkce', 'Allow plain PKCE', v.allowPlainPkce, errors, 'Also accept code_challenge_method=plain; otherwise only S256. Only for old clients that cannot compute SHA-256.')}
</fieldset>
<fieldset>
  <legend>Tokens</legend>
  <label for="app-tokenEndpointAuthMethod">Token endpoint authentication</label>
  <select id="app-tokenEndpointAuthMethod" name="tokenEndpointAuthMethod" aria-describedby="${describedBy(errors, 'tokenEndpointAuthMethod', 'app-tokenEndpointAuthMethod', 'app-tokenEndpointAuthMethod-hint')}" ${errors.tokenEndpointAuthMethod ? html`aria-invalid="true"` : ''}>
    ${option('client_secret_basic', 'client_secret_basic (HTTP Basic)', v.tokenEndpointAuthMethod !== 'client_secret_post')}
    ${option('client_secret_post', 'client_secret_post (in the form body)', v.tokenEndpointAuthMethod === 'client_secret_post')}
  </select>
  <p class="hint" id="app-tokenEndpointAuthMethod-hint">How the application sends its client ID and secret to the token endpoint.</p>
  ${fieldError(errors.tokenEndpointAuthMethod, 'app-tokenEndpointAuthMethod-error')}
  ${textField(errors, {
    name: 'accessTokenLifetimeMinutes',
    label: 'Access token lifetime (minutes)',
    value: v.accessTokenLifetimeMinutes,
    type: 'number',
    hint: `From ${lifetime.min} to ${lifetime.max} minutes; ${lifetime.default} unless you choose otherwise.`,
  })}
</fieldset>`;
}

/** The "fill from SP metadata" form: a separate form, so that Enter in the main form always saves. */
function metadataForm(chrome: Chrome, action: string, metadata: string, errors: FieldErrors): SafeHtml {
  return html`<form method="post" action="${action}" class="metadata-form" aria-label="Fill from SP metadata">
  ${hiddenCsrf(chrome)}
  <fieldset>
    <legend>Fill from SP metadata</legend>
    <p class="hint" id="spMetadata-hint">Paste the application's SAML metadata XML <span class="js-only" hidden>or choose its file</span>, then press <strong>Fill from metadata</strong>: the entity ID, ACS URL, single logout endpoint, encryption certificate and requested attributes are filled in below for you to review. Nothing is saved until you press Save.</p>
    <label for="spMetadataFile" class="js-only" hidden>SP metadata file</label>
    <input type="file" id="spMetadataFile" class="js-only" hidden accept=".xml,application/xml,text/xml,application/samlmetadata+xml" data-load-into="spMetadata">
    <label for="spMetadata">SP metadata XML</label>
    <textarea id="spMetadata" name="spMetadata" rows="5" class="mono" spellcheck="false" aria-describedby="spMetadata-hint${errors.spMetadata ? ' spMetadata-error' : ''}">${metadata}</textarea>
    ${fieldError(errors.spMetadata, 'spMetadata-error')}
    <div class="actions"><button type="submit">Fill from metadata</button></div>
  </fieldset>
</form>`;
}

/** What a developer needs to sign users in to a saved application (its page only, not when adding). */
export interface DeveloperFacts {
  /** The customers connected to the application, for the sign-in link's select. */
  customers: string[];
  /** More customers are connected than the select lists. */
  moreCustomers: boolean;
  /** The customer chosen for the link (connected), if any. */
  idpid?: string | undefined;
  /** An idpid asked for in the query that is not connected to this application. */
  notConnected?: string | undefined;
  /** initsso for this application without a customer, and with the chosen one. */
  signInLinkBase: string;
  signInLink: string;
  /** Token exchange URL prefix (REST applications), ending before the tokenid. */
  tokenExchangeUrl: string;
  applicationCredentials: number;
  /** OIDC applications: where they find us, and their client secrets. */
  oidc?: { endpoints: OidcEndpointUrls; secrets: OidcClientSecretView[]; submissionKey: string } | undefined;
}

export interface ApplicationFormPage {
  /** Absent when adding. */
  application?: Application;
  values: ApplicationFormValues;
  signingKeys: SigningKeyView[];
  submissionKey: string;
  errors?: FieldErrors;
  error?: string | undefined;
  notice?: string | undefined;
  spMetadata?: string;
  /** A SAML application's IdP metadata URL (absent when adding). */
  idpMetadataUrl?: string | undefined;
  developer?: DeveloperFacts | undefined;
}

/**
 * The saasid, a ready initsso link for a chosen customer, and (REST) the token exchange. The
 * customer select is a GET form that re-renders this page, so it works without JavaScript;
 * console.js updates the link in place when the choice changes.
 */
function developerSection(app: Application, d: DeveloperFacts): SafeHtml {
  const path = `${APPLICATIONS_PATH}/${app.saasid}`;
  const curl = `curl --user "$APP_CLIENT_ID:$APP_CLIENT_SECRET" "${d.tokenExchangeUrl}$TOKENID"`;
  return html`<section class="card configuration" aria-labelledby="developer-heading">
  <h2 id="developer-heading">Sign users in to ${app.name}</h2>
  ${copyable('app-saasid', 'saasid', app.saasid)}
  <h3>Sign-in link</h3>
  <p>Send the browser to this link to start a sign-in (<a href="/console/customer-connections">customers</a> must be connected to this application). Without a customer, users are asked for their work email address.</p>
  <form method="get" action="${path}" class="signin-link-form">
    <label for="signin-idpid">Customer</label>
    <select id="signin-idpid" name="idpid" data-signin-link="signin-link" data-signin-base="${d.signInLinkBase}" aria-describedby="signin-idpid-hint${d.notConnected ? ' signin-idpid-error' : ''}">
      ${option('', 'Any customer: ask for the work email address', d.idpid === undefined)}
      ${d.customers.map((idpId) => option(idpId, idpId, idpId === d.idpid))}
    </select>
    <p class="hint" id="signin-idpid-hint">${
      d.customers.length === 0
        ? html`No customer is connected to this application yet: connect one under <a href="/console/customer-connections">Customer Connections</a>.`
        : d.moreCustomers
          ? `The first ${d.customers.length} connected customers are listed.`
          : `${d.customers.length} connected customer${d.customers.length === 1 ? '' : 's'}.`
    }</p>
    ${fieldError(d.notConnected && `${d.notConnected} is not a customer connected to this application.`, 'signin-idpid-error')}
    <div class="actions"><button type="submit">Show link</button></div>
  </form>
  ${copyable('signin-link', 'Sign-in link', d.signInLink)}
  <p class="hint">Add <code>&amp;appurl=</code> and a URL of your application to choose where the user lands (it must pass the application's ${app.kind === 'rest' ? 'Hostname/Domain' : 'ACS URL host'} check).</p>
  ${
    app.kind === 'rest'
      ? html`<h3>Token exchange</h3>
  <p>Your application receives a one-time <code>tokenid</code> and exchanges it once, within 5 minutes, for the user's attributes, authenticated with this application's credentials (${d.applicationCredentials} set${d.applicationCredentials === 1 ? '' : 's'} now): <a href="${APPLICATION_CREDENTIALS_PATH}">Account › Integration › Application Credentials</a>.</p>
  ${copyableBlock('token-exchange-curl', 'Token exchange', curl)}`
      : ''
  }
  ${copyAnnouncer}
</section>`;
}

/** An OIDC application's client ID, issuer and endpoints, as its OpenID Connect library asks for them. */
function oidcSection(app: Application, endpoints: OidcEndpointUrls): SafeHtml {
  return html`<section class="card configuration" aria-labelledby="developer-heading">
  <h2 id="developer-heading">Sign users in to ${app.name} with OpenID Connect</h2>
  <p>Give your OpenID Connect library the discovery URL (or the issuer), the Client ID and a client secret. A sign-in starts with an authorization request from the application; it names the customer with <code>login_hint</code> (an idpId or the user's email address) or <code>idpid</code>, or else the user is asked for their work email address.</p>
  ${copyable('oidc-client-id', 'Client ID', app.saasid)}
  ${copyable('oidc-discovery', 'Discovery URL', endpoints.discovery)}
  ${copyable('oidc-issuer', 'Issuer', endpoints.issuer)}
  <dl class="facts">
    <dt>Authorization endpoint</dt><dd><code>${endpoints.authorization}</code></dd>
    <dt>Token endpoint</dt><dd><code>${endpoints.token}</code></dd>
    <dt>Introspection endpoint</dt><dd><code>${endpoints.introspection}</code></dd>
    <dt>JWKS</dt><dd><code>${endpoints.jwks}</code></dd>
  </dl>
  <p class="hint">The userinfo and end-session endpoints are listed in the discovery document; <code>docs/oidc.md</code> describes the flow, the claims and the <code>sub</code> rule.</p>
  ${copyAnnouncer}
</section>`;
}

/** Client secrets: at most two, so a secret is rotated by adding the new one before deleting the old. */
function clientSecretsSection(chrome: Chrome, app: Application, secrets: OidcClientSecretView[], submissionKey: string): SafeHtml {
  const path = `${APPLICATIONS_PATH}/${app.saasid}/secrets`;
  const atLimit = secrets.length >= MAX_OIDC_CLIENT_SECRETS;
  const rows = secrets.map(
    (s) => html`<tr>
  <th scope="row"><code>${s.hint}</code></th>
  <td>${timeElement(s.createdAt)}</td>
  <td>${timeElement(s.lastUsedAt)}</td>
  <td class="row-actions">${
    secrets.length > 1
      ? html`<a href="${path}/${s.id}/delete" class="button danger-link">Delete<span class="visually-hidden"> secret ${s.hint}</span></a>`
      : html`<span class="muted">The only secret: add another before deleting it.</span>`
  }</td>
</tr>`,
  );
  return html`<section class="card" aria-labelledby="client-secrets-heading">
  <h2 id="client-secrets-heading">Client secrets</h2>
  <p>The application authenticates to the token endpoint with its Client ID and one of these secrets. Each secret is generated, shown once, and stored only as a digest. To rotate without downtime: add a secret, move the application to it, then delete the old one.</p>
  ${
    secrets.length === 0
      ? html`<p class="empty">No client secrets.</p>`
      : html`<table class="data" aria-label="Client secrets">
  <thead><tr><th scope="col">Secret</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Actions</th></tr></thead>
  <tbody>${rows}</tbody>
</table>`
  }
  ${
    atLimit
      ? html`<button type="button" class="primary" disabled aria-describedby="secret-limit-note">Add Secret</button>
  <p class="hint" id="secret-limit-note">${OIDC_CLIENT_SECRET_LIMIT_MESSAGE}</p>`
      : html`<form method="post" action="${path}">
    ${hiddenCsrf(chrome)}
    <input type="hidden" name="submissionKey" value="${submissionKey}">
    <button type="submit" class="primary">Add Secret</button>
  </form>
  <p class="hint">${secrets.length} of ${MAX_OIDC_CLIENT_SECRETS} used.</p>`
  }
</section>`;
}

/** Shown once, right after "Add Secret" or adding the application; sent with Cache-Control: no-store. */
export function oidcClientSecretShownOncePage(chrome: Chrome, p: { application: Application; created: NewOidcClientSecret; newApplication: boolean }): SafeHtml {
  const a = p.application;
  return applicationsPage(
    chrome,
    p.newApplication ? `${a.name} added` : 'New client secret',
    html`<div class="banner warning" role="status">Copy the client secret now. It will not be shown again.</div>
<div class="shown-once">
  <p>Application: <strong>${a.name}</strong></p>
  ${copyable('client-id', 'Client ID', a.saasid)}
  ${copyable('client-secret', 'Client secret', p.created.secret)}
</div>
${copyAnnouncer}
<p><a href="${APPLICATIONS_PATH}/${a.saasid}" class="button primary">Continue to ${a.name}</a></p>`,
    a.name,
  );
}

export function deleteOidcClientSecretPage(chrome: Chrome, p: { application: Application; secret: OidcClientSecretView }): SafeHtml {
  const a = p.application;
  return applicationsPage(
    chrome,
    'Delete client secret',
    html`<div class="banner warning" role="alert">Client secret <code>${p.secret.hint}</code> of <strong>${a.name}</strong> stops working at once: the application can no longer redeem codes or refresh tokens with it. Make sure it uses the other secret. This cannot be undone.</div>
${confirmForm(chrome, `${APPLICATIONS_PATH}/${a.saasid}/secrets/${p.secret.id}/delete`, `${APPLICATIONS_PATH}/${a.saasid}`, 'Delete secret')}`,
    a.name,
  );
}

/** Where the SAML app gets our IdP metadata: its issuer, signing certificates and sign-in URL. */
function idpMetadataSection(app: Application, url: string): SafeHtml {
  return html`<section class="card configuration" aria-labelledby="idp-metadata-heading">
  <h2 id="idp-metadata-heading">IdP metadata for ${app.name}</h2>
  <p>Import this into the application (or give it the URL) so that it trusts the assertions it receives: the issuer, the signing certificates, and the sign-in URL (<code>/sso/sp/initsso</code>).</p>
  ${copyable('idp-metadata-url', 'IdP metadata URL', url)}
  <p><a href="${url}" class="button">Open IdP metadata</a></p>
  ${
    app.kind === 'saml' && !app.multiplexed
      ? html`<p class="hint">This application does not use application multiplexing: each customer signs its assertions with its own issuer, so the metadata lists one entity per connected customer. Add <code>?idpid=</code> and the customer's idpId for one customer's entity alone.</p>`
      : html`<p class="hint">Every customer's users reach this application with one issuer, so the metadata describes one entity.</p>`
  }
</section>`;
}

const addingIntro: Record<Application['kind'], string> = {
  saml: 'The application receives a signed SAML assertion at its ACS URL.',
  rest: 'The application receives a one-time token and exchanges it over REST (GET /sso/TXS/2.0/1/{tokenid}) with its application credentials.',
  oidc: 'The application signs users in with OpenID Connect (authorization code flow): its client ID is its saasid, and its first client secret is shown once when you save.',
};

export function applicationFormPage(chrome: Chrome, p: ApplicationFormPage): SafeHtml {
  const v = p.values;
  const errors = p.errors ?? {};
  const adding = p.application === undefined;
  const action = adding ? `${APPLICATIONS_PATH}/new/${v.kind}` : `${APPLICATIONS_PATH}/${p.application!.saasid}`;
  const title = adding ? `Add ${kindLabel(v.kind)} application` : `Edit ${p.application!.name}`;
  return applicationsPage(
    chrome,
    title,
    html`${noticeBanner(p.notice)}
${errorBanner(p.error)}
${
  p.application
    ? html`<dl class="facts">
  <dt>Kind</dt><dd>${kindLabel(p.application.kind)} application${p.application.kind === 'rest' ? ' ("other")' : ''}</dd>
  <dt>Created</dt><dd>${timeElement(p.application.createdAt)}</dd>
  <dt>Updated</dt><dd>${timeElement(p.application.updatedAt)}</dd>
</dl>
${
  p.developer?.oidc
    ? html`${oidcSection(p.application, p.developer.oidc.endpoints)}
${clientSecretsSection(chrome, p.application, p.developer.oidc.secrets, p.developer.oidc.submissionKey)}`
    : p.developer
      ? developerSection(p.application, p.developer)
      : ''
}
${p.idpMetadataUrl && p.application.kind === 'saml' ? idpMetadataSection(p.application, p.idpMetadataUrl) : ''}`
    : html`<p>${addingIntro[v.kind]}</p>`
}
${v.kind === 'saml' ? metadataForm(chrome, `${action}/metadata`, p.spMetadata ?? '', errors) : ''}
<form method="post" action="${action}" class="app-form" aria-label="${title}">
  ${hiddenCsrf(chrome)}
  <input type="hidden" name="submissionKey" value="${p.submissionKey}">
  <p class="hint">Every field is required unless marked <span class="muted">(optional)</span>.</p>
  <fieldset>
    <legend>Application</legend>
    ${textField(errors, { name: 'name', label: 'Name', value: v.name })}
    ${checkbox('enabled', 'Enabled', v.enabled, errors, 'A disabled application refuses logins, and a new customer connected without a list of applications is not connected to it.')}
  </fieldset>
  ${v.kind === 'saml' ? samlFields(v, errors, p.signingKeys) : v.kind === 'oidc' ? oidcFields(v, errors) : restFields(v, errors)}
  <fieldset>
    <legend>Required SSO attributes</legend>
    ${textArea(errors, { name: 'requiredAttributes', label: 'Attributes', value: v.requiredAttributes, rows: 4, required: false, hint: attributesHint })}
  </fieldset>
  <div class="actions">
    <button type="submit" class="primary">Save</button>
    <a href="${APPLICATIONS_PATH}" class="button">Cancel</a>
  </div>
</form>`,
    adding ? `Add ${kindLabel(v.kind)} application` : p.application!.name,
  );
}

export function deleteApplicationPage(chrome: Chrome, p: { application: Application; credentials: number; customers: number; moreCustomers: boolean }): SafeHtml {
  const a = p.application;
  return applicationsPage(
    chrome,
    `Delete ${a.name}`,
    html`<div class="banner warning" role="alert">Deleting <strong>${a.name}</strong> (saasid <code>${a.saasid}</code>) also removes its connections to ${p.customers}${p.moreCustomers ? ' or more' : ''} customer${p.customers === 1 ? '' : 's'} and its ${a.kind === 'oidc' ? 'client secrets' : html`${p.credentials} application credential${p.credentials === 1 ? '' : 's'}`}, which stop working at once. Logins to it fail. This cannot be undone.</div>
${confirmForm(chrome, `${APPLICATIONS_PATH}/${a.saasid}/delete`, APPLICATIONS_PATH, 'Delete application')}`,
    a.name,
  );
}
