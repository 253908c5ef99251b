import type { CredentialView } from '../../../domain/credentials/credential-service.js';
import { CONNECTION_API_CREDENTIAL_LIMIT_MESSAGE, MAX_CONNECTION_API_CREDENTIALS } from '../../../domain/credentials/credential-service.js';
import { CUSTOM_SECRET_MAX_LENGTH, CUSTOM_SECRET_MIN_LENGTH } from '../../../domain/credentials/secrets.js';
import { html, timeElement, type SafeHtml } from '../../views/html.js';
import { errorBanner, fieldError, layout, type PageChrome } from '../../views/layout.js';
import { copyable, copyAnnouncer, confirmForm } from './partials.js';

export const CONNECTION_API_PATH = '/console/account/integration/connection-api';
export const GLOBAL_PATH = '/console/account/integration/global';
export const APPLICATION_CREDENTIALS_PATH = '/console/account/integration/application';

type Chrome = Pick<PageChrome, 'admin' | 'csrfToken'>;
type FieldErrors = Record<string, string>;

const secretRules = html`<p class="hint" id="secret-rules">Leave empty to use a generated secret. A secret you type must be ${CUSTOM_SECRET_MIN_LENGTH}–${CUSTOM_SECRET_MAX_LENGTH} characters, with no control characters and no space at either end.</p>`;

export type IntegrationTab = 'global' | 'connection-api' | 'application';

function tabs(current: IntegrationTab): SafeHtml {
  const tab = (href: string, label: string, id: IntegrationTab) =>
    html`<a href="${href}" class="tab" ${current === id ? html`aria-current="page"` : ''}>${label}</a>`;
  return html`<nav class="tabs" aria-label="Integration">
  ${tab(GLOBAL_PATH, 'Global Credentials', 'global')}
  ${tab(CONNECTION_API_PATH, 'Connection API Credentials', 'connection-api')}
  ${tab(APPLICATION_CREDENTIALS_PATH, 'Application Credentials', 'application')}
</nav>`;
}

export function integrationPage(chrome: Chrome, current: IntegrationTab, title: string, body: SafeHtml): SafeHtml {
  return layout(
    { ...chrome, title, section: 'integration' },
    html`<p class="breadcrumb">Account › Integration</p>
<h1>Integration</h1>
${tabs(current)}
<section class="tab-panel" aria-labelledby="panel-title">
<h2 id="panel-title">${title}</h2>
${body}
</section>`,
  );
}

function credentialFacts(c: CredentialView, options: { showClientId: boolean } = { showClientId: true }): SafeHtml {
  return html`<dl class="facts">
  ${options.showClientId ? html`<dt>Client ID</dt><dd><code>${c.clientId}</code></dd>` : ''}
  <dt>${options.showClientId ? 'Client Secret' : 'Current secret'}</dt><dd>${c.secretHint ? html`<code>${c.secretHint}</code> <span class="muted">(shown only when it was set)</span>` : html`<span class="muted">not set</span>`}</dd>
  <dt>Created</dt><dd>${timeElement(c.createdAt)}</dd>
  <dt>Updated</dt><dd>${timeElement(c.updatedAt)}</dd>
  <dt>Last used</dt><dd>${timeElement(c.lastUsedAt)}</dd>
</dl>`;
}

export interface EditValues {
  description?: string;
  generateSecret?: boolean;
}

/** The pencil (a button named Edit) and the bin (Delete) of an expanded credential; both work without JS. */
export function credentialIconActions(listPath: string, id: string, editTitle: string): SafeHtml {
  return html`<div class="icon-actions">
      <form method="get" action="${listPath}"><input type="hidden" name="edit" value="${id}"><button type="submit" class="icon" aria-label="Edit" title="${editTitle}">✎</button></form>
      <form method="get" action="${listPath}/${id}/delete"><button type="submit" class="icon danger" aria-label="Delete" title="Delete">🗑</button></form>
    </div>`;
}

function editForm(chrome: Chrome, c: CredentialView, values: EditValues, errors: FieldErrors, submissionKey: string): SafeHtml {
  return html`<form method="post" action="${CONNECTION_API_PATH}/${c.id}" class="edit-form" aria-label="Edit credentials">
  <input type="hidden" name="_csrf" value="${chrome.csrfToken ?? ''}">
  <input type="hidden" name="submissionKey" value="${submissionKey}">
  <label for="edit-client-id">Client ID</label>
  <input id="edit-client-id" value="${c.clientId}" readonly aria-describedby="client-id-note">
  <p class="hint" id="client-id-note">The Client ID cannot be changed.</p>
  <label for="edit-description">Short Description</label>
  <input id="edit-description" name="description" maxlength="200" value="${values.description ?? c.description}" aria-describedby="edit-description-error">
  ${fieldError(errors.description, 'edit-description-error')}
  <label for="edit-secret">Client Secret</label>
  <input id="edit-secret" name="clientSecret" type="text" autocomplete="off" spellcheck="false" placeholder="Leave empty to keep the current secret" aria-describedby="edit-secret-error edit-secret-rules">
  <p class="hint" id="edit-secret-rules">Type a new secret (${CUSTOM_SECRET_MIN_LENGTH}–${CUSTOM_SECRET_MAX_LENGTH} characters), or tick the box for a generated one.</p>
  ${fieldError(errors.clientSecret, 'edit-secret-error')}
  <label class="checkbox"><input type="checkbox" name="generateSecret" value="true" ${values.generateSecret ? 'checked' : ''}> Replace the secret with a newly generated one</label>
  <div class="actions">
    <button type="submit" class="primary">Save</button>
    <a href="${CONNECTION_API_PATH}" class="button">Cancel</a>
  </div>
</form>`;
}

/**
 * `limitReached`: the admin asked to add a credential (a stale page, or a wizard finished after
 * another admin took the last place) and is shown the limit as an alert instead of a wizard.
 */
export function connectionApiListPage(
  chrome: Chrome,
  p: { credentials: CredentialView[]; submissionKey: string; editing?: string; values?: EditValues; errors?: FieldErrors; error?: string; notice?: string; limitReached?: boolean },
): SafeHtml {
  const atLimit = p.credentials.length >= MAX_CONNECTION_API_CREDENTIALS;
  const items = p.credentials.map((c) => {
    const editing = p.editing === c.id;
    return html`<li>
<details class="credential" ${editing ? 'open' : ''}>
  <summary><span class="description">${c.description || 'No description'}</span> <code class="muted">${c.clientId}</code></summary>
  <div class="credential-body">
    ${editing ? editForm(chrome, c, p.values ?? {}, p.errors ?? {}, p.submissionKey) : credentialFacts(c)}
    ${
      editing
        ? ''
        : credentialIconActions(CONNECTION_API_PATH, c.id, 'Edit')
    }
  </div>
</details>
</li>`;
  });
  return integrationPage(
    chrome,
    'connection-api',
    'Connection API Credentials',
    html`<p>Clients of the Customer Connection API authenticate with any of these credentials, using HTTP Basic.</p>
${p.notice ? html`<div class="banner" role="status">${p.notice}</div>` : ''}
${errorBanner(p.error)}
<div class="toolbar">
  ${
    atLimit
      ? html`<button type="button" class="primary" disabled aria-describedby="limit-note">Add Secret</button>
  ${
    p.limitReached === true
      ? html`<div class="banner error" role="alert" id="limit-note">${CONNECTION_API_CREDENTIAL_LIMIT_MESSAGE}</div>`
      : html`<p class="hint" id="limit-note">${CONNECTION_API_CREDENTIAL_LIMIT_MESSAGE}</p>`
  }`
      : html`<form method="get" action="${CONNECTION_API_PATH}/new"><button type="submit" class="primary">Add Secret</button></form>
  <p class="hint">${p.credentials.length} of ${MAX_CONNECTION_API_CREDENTIALS} used.</p>`
  }
</div>
${p.credentials.length === 0 ? html`<p class="empty">No Connection API credentials yet.</p>` : html`<ul class="credentials">${items}</ul>`}`,
  );
}

export function addSecretStepOnePage(chrome: Chrome, p: { description?: string; errors?: FieldErrors }): SafeHtml {
  const errors = p.errors ?? {};
  return integrationPage(
    chrome,
    'connection-api',
    'Add Secret',
    html`<p class="step">Step 1 of 2</p>
<form method="post" action="${CONNECTION_API_PATH}/new" class="wizard">
  <input type="hidden" name="_csrf" value="${chrome.csrfToken ?? ''}">
  <label for="description">Short Description <span class="muted">(optional)</span></label>
  <input id="description" name="description" maxlength="200" value="${p.description ?? ''}" aria-describedby="description-error">
  ${fieldError(errors.description, 'description-error')}
  <div class="actions">
    <a href="${CONNECTION_API_PATH}" class="button">Cancel</a>
    <button type="submit" class="primary">Next</button>
  </div>
</form>`,
  );
}

export function addSecretStepTwoPage(chrome: Chrome, p: { description: string; submissionKey: string; errors?: FieldErrors; error?: string }): SafeHtml {
  const errors = p.errors ?? {};
  return integrationPage(
    chrome,
    'connection-api',
    'Add Secret',
    html`<p class="step">Step 2 of 2</p>
${errorBanner(p.error)}
<form method="post" action="${CONNECTION_API_PATH}" class="wizard">
  <input type="hidden" name="_csrf" value="${chrome.csrfToken ?? ''}">
  <input type="hidden" name="description" value="${p.description}">
  <input type="hidden" name="submissionKey" value="${p.submissionKey}">
  <p>Short Description: <strong>${p.description || 'none'}</strong></p>
  <label for="clientSecret">Client Secret <span class="muted">(optional)</span></label>
  <input id="clientSecret" name="clientSecret" type="text" autocomplete="off" spellcheck="false" aria-describedby="clientSecret-error secret-rules">
  ${secretRules}
  ${fieldError(errors.clientSecret, 'clientSecret-error')}
  <div class="actions">
    <a href="${CONNECTION_API_PATH}" class="button">Cancel</a>
    <button type="submit" class="primary">Done</button>
  </div>
</form>`,
  );
}

/** Shown once, right after the secret was set; the page is sent with Cache-Control: no-store. */
export function credentialsShownOncePage(chrome: Chrome, p: { title: string; credential: CredentialView; clientSecret: string }): SafeHtml {
  return integrationPage(
    chrome,
    'connection-api',
    p.title,
    html`<div class="banner warning" role="status">Copy the Client Secret now. It will not be shown again.</div>
<div class="shown-once">
  ${p.credential.description ? html`<p>Short Description: <strong>${p.credential.description}</strong></p>` : ''}
  ${copyable('client-id', 'Client ID', p.credential.clientId)}
  ${copyable('client-secret', 'Client Secret', p.clientSecret)}
</div>
${copyAnnouncer}
<p><a href="${CONNECTION_API_PATH}" class="button primary">Back to Connection API Credentials</a></p>`,
  );
}

export function deleteConfirmPage(chrome: Chrome, c: CredentialView): SafeHtml {
  return integrationPage(
    chrome,
    'connection-api',
    'Delete credentials',
    html`<div class="banner warning" role="alert">Clients using Client ID <code>${c.clientId}</code>${c.description ? html` (${c.description})` : ''} will stop working at once. This cannot be undone.</div>
${confirmForm(chrome, `${CONNECTION_API_PATH}/${c.id}/delete`, CONNECTION_API_PATH, 'Delete credentials')}`,
  );
}

export function globalCredentialsPage(
  chrome: Chrome,
  p: { credential: CredentialView; enabled?: boolean; errors?: FieldErrors; error?: string; notice?: string },
): SafeHtml {
  const c = p.credential;
  const enabled = p.enabled ?? c.enabled;
  const errors = p.errors ?? {};
  return integrationPage(
    chrome,
    'global',
    'Global Credentials',
    html`<p>One set per account. The Client ID was assigned when the account was created and never changes; you choose the secret. When Enabled is cleared, these credentials stop working for the Customer Connection API and the token exchange.</p>
${p.notice ? html`<div class="banner" role="status">${p.notice}</div>` : ''}
${errorBanner(p.error)}
${copyable('global-client-id', 'Client ID', c.clientId)}
${copyAnnouncer}
${credentialFacts(c, { showClientId: false })}
<form method="post" action="${GLOBAL_PATH}" class="global-form">
  <input type="hidden" name="_csrf" value="${chrome.csrfToken ?? ''}">
  <label for="global-secret">Client Secret</label>
  <input id="global-secret" name="clientSecret" type="text" autocomplete="off" spellcheck="false" placeholder="${c.secretHint ? 'Leave empty to keep the current secret' : 'Choose a secret'}" aria-describedby="global-secret-error global-secret-rules">
  <p class="hint" id="global-secret-rules">${CUSTOM_SECRET_MIN_LENGTH}–${CUSTOM_SECRET_MAX_LENGTH} characters, no control characters, no space at either end.</p>
  ${fieldError(errors.clientSecret, 'global-secret-error')}
  <label class="checkbox"><input type="checkbox" name="enabled" value="true" ${enabled ? 'checked' : ''} aria-describedby="enabled-error"> Enabled</label>
  ${fieldError(errors.enabled, 'enabled-error')}
  <div class="actions"><button type="submit" class="primary">Save</button></div>
</form>`,
  );
}
