import type { Application } from '../../../domain/model.js';
import { applicationKindLabel } from '../../../domain/applications/application-kind-label.js';
import { DESCRIPTION_MAX_LENGTH } from '../../../domain/credentials/credential-schemas.js';
import { APPLICATION_CREDENTIAL_LIMIT_MESSAGE, MAX_APPLICATION_CREDENTIALS, type CredentialView } from '../../../domain/credentials/credential-service.js';
import { html, timeElement, type SafeHtml } from '../../views/html.js';
import { errorBanner, fieldError } from '../../views/layout.js';
import { APPLICATION_CREDENTIALS_PATH, credentialIconActions, integrationPage } from './integration-pages.js';
import { copyable, copyAnnouncer, hiddenCsrf, noticeBanner, option, type Chrome, type FieldErrors, confirmForm } from './partials.js';


function applicationName(applications: Application[], saasid: string | null): SafeHtml {
  const app = applications.find((a) => a.saasid === saasid);
  return app ? html`${app.name}` : html`<span class="muted">unknown application</span>`;
}

function facts(c: CredentialView, applications: Application[]): SafeHtml {
  return html`<dl class="facts">
  <dt>Application</dt><dd>${applicationName(applications, c.applicationId)} <code class="muted">${c.applicationId ?? ''}</code></dd>
  <dt>Client ID</dt><dd><code>${c.clientId}</code></dd>
  <dt>Client Secret</dt><dd>${c.secretHint ? html`<code>${c.secretHint}</code> <span class="muted">(shown only when it was created)</span>` : html`<span class="muted">not set</span>`}</dd>
  <dt>Created</dt><dd>${timeElement(c.createdAt)}</dd>
  <dt>Updated</dt><dd>${timeElement(c.updatedAt)}</dd>
  <dt>Last used</dt><dd>${timeElement(c.lastUsedAt)}</dd>
</dl>`;
}

function editForm(chrome: Chrome, c: CredentialView, description: string, errors: FieldErrors): SafeHtml {
  return html`<form method="post" action="${APPLICATION_CREDENTIALS_PATH}/${c.id}" class="edit-form" aria-label="Edit application credentials">
  ${hiddenCsrf(chrome)}
  <label for="edit-client-id">Client ID</label>
  <input id="edit-client-id" value="${c.clientId}" readonly aria-describedby="immutable-note">
  <p class="hint" id="immutable-note">The Client ID, the secret and the application cannot be changed. To rotate the secret, add new credentials and delete these.</p>
  <label for="edit-description">Short Description</label>
  <input id="edit-description" name="description" maxlength="${DESCRIPTION_MAX_LENGTH}" value="${description}" ${errors.description ? html`aria-describedby="edit-description-error" aria-invalid="true"` : ''}>
  ${fieldError(errors.description, 'edit-description-error')}
  <div class="actions">
    <button type="submit" class="primary">Save</button>
    <a href="${APPLICATION_CREDENTIALS_PATH}" class="button">Cancel</a>
  </div>
</form>`;
}

export function applicationCredentialsListPage(
  chrome: Chrome,
  p: {
    credentials: CredentialView[];
    applications: Application[];
    editing?: string | undefined;
    description?: string;
    errors?: FieldErrors;
    error?: string | undefined;
    notice?: string | undefined;
  },
): SafeHtml {
  const atLimit = p.credentials.length >= MAX_APPLICATION_CREDENTIALS;
  const noApplications = p.applications.length === 0;
  const items = p.credentials.map((c) => {
    const editing = p.editing === c.id;
    return html`<li>
<details class="credential" ${editing ? 'open' : ''}>
  <summary><span class="description">${c.description || 'No description'}</span> <span>${applicationName(p.applications, c.applicationId)}</span> <code class="muted">${c.clientId}</code></summary>
  <div class="credential-body">
    ${
      editing
        ? editForm(chrome, c, p.description ?? c.description, p.errors ?? {})
        : html`${facts(c, p.applications)}
    ${credentialIconActions(APPLICATION_CREDENTIALS_PATH, c.id, 'Edit description')}`
    }
  </div>
</details>
</li>`;
  });
  return integrationPage(
    chrome,
    'application',
    'Application Credentials',
    html`<p>Each set of application credentials belongs to one application and authenticates its token exchange (<code>GET /sso/TXS/2.0/…</code>, HTTP Basic). The secret is always generated and shown once; it can never be changed.</p>
${noticeBanner(p.notice)}
${errorBanner(p.error)}
<div class="toolbar">
  ${
    atLimit
      ? html`<button type="button" class="primary" disabled aria-describedby="limit-note">Add Application Credentials</button>
  <p class="hint" id="limit-note">${APPLICATION_CREDENTIAL_LIMIT_MESSAGE}</p>`
      : noApplications
        ? html`<button type="button" class="primary" disabled aria-describedby="no-apps-note">Add Application Credentials</button>
  <p class="hint" id="no-apps-note">Add an application first, under <a href="/console/applications">Applications</a>.</p>`
        : html`<form method="get" action="${APPLICATION_CREDENTIALS_PATH}/new"><button type="submit" class="primary">Add Application Credentials</button></form>
  <p class="hint">${p.credentials.length} of ${MAX_APPLICATION_CREDENTIALS} used.</p>`
  }
</div>
${p.credentials.length === 0 ? html`<p class="empty">No application credentials yet.</p>` : html`<ul class="credentials">${items}</ul>`}`,
  );
}

export function addApplicationCredentialPage(
  chrome: Chrome,
  p: { applications: Application[]; submissionKey: string; saasid?: string; description?: string; errors?: FieldErrors; error?: string | undefined },
): SafeHtml {
  const errors = p.errors ?? {};
  return integrationPage(
    chrome,
    'application',
    'Add Application Credentials',
    html`${errorBanner(p.error)}
<form method="post" action="${APPLICATION_CREDENTIALS_PATH}" class="wizard">
  ${hiddenCsrf(chrome)}
  <input type="hidden" name="submissionKey" value="${p.submissionKey}">
  <label for="saasid">Application</label>
  <select id="saasid" name="saasid" required ${errors.saasid ? html`aria-describedby="saasid-error" aria-invalid="true"` : ''}>
    ${option('', 'Choose an application', (p.saasid ?? '') === '')}
    ${p.applications.map((a) => option(a.saasid, `${a.name} (${applicationKindLabel(a.kind)}${a.enabled ? '' : ', disabled'})`, a.saasid === p.saasid))}
  </select>
  ${fieldError(errors.saasid, 'saasid-error')}
  <label for="description">Short Description <span class="muted">(optional)</span></label>
  <input id="description" name="description" maxlength="${DESCRIPTION_MAX_LENGTH}" value="${p.description ?? ''}" ${errors.description ? html`aria-describedby="description-error" aria-invalid="true"` : ''}>
  ${fieldError(errors.description, 'description-error')}
  <p class="hint">The Client Secret is generated for you and shown once.</p>
  <div class="actions">
    <a href="${APPLICATION_CREDENTIALS_PATH}" class="button">Cancel</a>
    <button type="submit" class="primary">Create</button>
  </div>
</form>`,
  );
}

/** Shown once, right after creation; the page is sent with Cache-Control: no-store. */
export function applicationCredentialShownOncePage(chrome: Chrome, p: { credential: CredentialView; clientSecret: string; application: Application | undefined }): SafeHtml {
  return integrationPage(
    chrome,
    'application',
    'New application credentials',
    html`<div class="banner warning" role="status">Copy the Client Secret now. It will not be shown again.</div>
<div class="shown-once">
  <p>Application: <strong>${p.application?.name ?? p.credential.applicationId ?? ''}</strong> <code class="muted">${p.credential.applicationId ?? ''}</code></p>
  ${p.credential.description ? html`<p>Short Description: <strong>${p.credential.description}</strong></p>` : ''}
  ${copyable('client-id', 'Client ID', p.credential.clientId)}
  ${copyable('client-secret', 'Client Secret', p.clientSecret)}
</div>
${copyAnnouncer}
<p><a href="${APPLICATION_CREDENTIALS_PATH}" class="button primary">Back to Application Credentials</a></p>`,
  );
}

export function deleteApplicationCredentialPage(chrome: Chrome, c: CredentialView, applications: Application[]): SafeHtml {
  return integrationPage(
    chrome,
    'application',
    'Delete application credentials',
    html`<div class="banner warning" role="alert">The token exchange of ${applicationName(applications, c.applicationId)} with Client ID <code>${c.clientId}</code>${c.description ? html` (${c.description})` : ''} will stop working at once. This cannot be undone.</div>
${confirmForm(chrome, `${APPLICATION_CREDENTIALS_PATH}/${c.id}/delete`, APPLICATION_CREDENTIALS_PATH, 'Delete credentials')}`,
  );
}
