import type { AdminListing } from '../../../db/repositories/admins-repository.js';
import type { AdminInvitationRecord } from '../../../db/repositories/admin-invitations-repository.js';
import { ADMIN_PASSWORD_MIN_LENGTH, type CreatedAdminInvitation } from '../../../domain/accounts/admin-service.js';
import { html, timeElement, type SafeHtml } from '../../views/html.js';
import { errorBanner, fieldError, layout } from '../../views/layout.js';
import { confirmForm, copyable, copyAnnouncer, describedBy, hiddenCsrf, noticeBanner, scrollingTable, yesNo, type Chrome, type FieldErrors } from './partials.js';
import { MFA_PATH } from './mfa-pages.js';

export const ADMINISTRATORS_PATH = '/console/account/administrators';

function administratorsLayout(chrome: Chrome, title: string, body: SafeHtml): SafeHtml {
  return layout(
    { ...chrome, title, section: 'administrators' },
    html`<p class="breadcrumb">Account › Administrators</p>
<h1>${title}</h1>
${body}`,
  );
}

function createdInvitation(created: CreatedAdminInvitation): SafeHtml {
  const said = created.sent
    ? html`<p>The invitation was sent to <strong>${created.invitation.email}</strong>. The link is also here, shown this once:</p>`
    : html`<p>${created.mailError ? html`The invitation was not sent: ${created.mailError} ` : ''}Copy this link and send it to <strong>${created.invitation.email}</strong> yourself. It is shown this once.</p>`;
  return html`<section class="card" aria-labelledby="invitation-heading">
  <h2 id="invitation-heading">Invitation for ${created.invitation.email}</h2>
  ${said}
  ${copyable('invitation-link', 'Invitation link', created.url)}
  ${copyAnnouncer}
  <p class="hint">It works once, until ${timeElement(created.invitation.expiresAt)}. The person who opens it chooses a password and becomes an administrator of this account.</p>
</section>`;
}

export function administratorsPage(
  chrome: Chrome,
  p: {
    admins: AdminListing[];
    invitations: AdminInvitationRecord[];
    currentAdminId: string;
    requireMfa: boolean;
    canMail: boolean;
    created?: CreatedAdminInvitation | undefined;
    email?: string | undefined;
    errors?: FieldErrors | undefined;
    error?: string | undefined;
    notice?: string | undefined;
  },
): SafeHtml {
  const errors = p.errors ?? {};
  const rows = p.admins.map((a) => {
    const you = a.id === p.currentAdminId;
    return html`<tr>
  <td>${a.email}${you ? html` <span class="badge">you</span>` : ''}</td>
  <td>${timeElement(a.createdAt)}</td>
  <td>${timeElement(a.lastSignInAt)}</td>
  <td>${yesNo(a.mfaEnrolled)}</td>
  <td class="actions">
    ${you ? html`<a href="${MFA_PATH}">Two-step verification</a>` : a.mfaEnrolled ? html`<a href="${ADMINISTRATORS_PATH}/${a.id}/reset-mfa" aria-label="Reset two-step verification of ${a.email}">Reset two-step verification</a>` : ''}
    ${p.admins.length > 1 ? html`<a href="${ADMINISTRATORS_PATH}/${a.id}/remove" aria-label="Remove ${a.email}">Remove</a>` : ''}
  </td>
</tr>`;
  });
  const invitationRows = p.invitations.map(
    (i) => html`<tr>
  <td>${i.email}</td>
  <td>${i.invitedByLabel}</td>
  <td>${timeElement(i.createdAt)}</td>
  <td>${timeElement(i.expiresAt)}</td>
  <td><form method="post" action="${ADMINISTRATORS_PATH}/invitations/${i.id}/revoke">${hiddenCsrf(chrome)}<button type="submit" class="link-button" aria-label="Revoke the invitation for ${i.email}">Revoke</button></form></td>
</tr>`,
  );
  return administratorsLayout(
    chrome,
    'Administrators',
    html`<p>The people who can sign in to this console for the account. Each can use two-step verification with an authenticator app.</p>
${noticeBanner(p.notice)}
${errorBanner(p.error)}
${p.created ? createdInvitation(p.created) : ''}
${scrollingTable(
  'Administrators',
  html`<table>
  <thead><tr><th scope="col">Email address</th><th scope="col">Created</th><th scope="col">Last sign-in</th><th scope="col">Two-step verification</th><th scope="col">Actions</th></tr></thead>
  <tbody>${rows}</tbody>
</table>`,
)}
<section class="card" aria-labelledby="invite-heading">
  <h2 id="invite-heading">Invite an administrator</h2>
  <p>${p.canMail ? 'The invitation link is mailed to this address and shown here once.' : 'No mail server is configured (SMTP_URL): the invitation link is shown here once, for you to send.'} The link works once, for 72 hours.</p>
  <form method="post" action="${ADMINISTRATORS_PATH}/invitations">
    ${hiddenCsrf(chrome)}
    <label for="invite-email">Email address</label>
    <input id="invite-email" name="email" type="email" required value="${p.email ?? ''}" aria-describedby="${describedBy(errors, 'email', 'invite-email')}">
    ${fieldError(errors.email, 'invite-email-error')}
    <button type="submit" class="primary">Invite administrator</button>
  </form>
</section>
${
  p.invitations.length > 0
    ? html`<h2>Open invitations</h2>
${scrollingTable(
  'Open invitations',
  html`<table>
  <thead><tr><th scope="col">Email address</th><th scope="col">Invited by</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Actions</th></tr></thead>
  <tbody>${invitationRows}</tbody>
</table>`,
)}`
    : ''
}
<form method="post" action="${ADMINISTRATORS_PATH}/settings" class="card">
  ${hiddenCsrf(chrome)}
  <h2>Security</h2>
  <label class="checkbox"><input type="checkbox" name="requireMfa" value="true" aria-describedby="requireMfa-hint" ${p.requireMfa ? 'checked' : ''}> Require two-step verification for all administrators</label>
  <p class="hint" id="requireMfa-hint">When ticked, an administrator without two-step verification is taken to set it up right after their password, and can do nothing else until they have. Set it up for yourself first.</p>
  <button type="submit" class="primary">Save</button>
</form>`,
  );
}

export function removeAdministratorPage(chrome: Chrome, p: { admin: AdminListing; self: boolean }): SafeHtml {
  return administratorsLayout(
    chrome,
    `Remove ${p.admin.email}?`,
    html`<p>${p.self ? 'You will be signed out and can no longer sign in to this account.' : `${p.admin.email} is signed out at once and can no longer sign in to this account.`} The audit log keeps what they did.</p>
${confirmForm(chrome, `${ADMINISTRATORS_PATH}/${p.admin.id}/remove`, ADMINISTRATORS_PATH, 'Remove administrator')}`,
  );
}

export function resetMfaPage(chrome: Chrome, p: { admin: AdminListing }): SafeHtml {
  return administratorsLayout(
    chrome,
    `Reset two-step verification of ${p.admin.email}?`,
    html`<p>For an administrator who lost their authenticator and recovery codes: their authenticator and recovery codes stop working, and they sign in with their password alone until they set up two-step verification again (at once, when the account requires it).</p>
${confirmForm(chrome, `${ADMINISTRATORS_PATH}/${p.admin.id}/reset-mfa`, ADMINISTRATORS_PATH, 'Reset two-step verification')}`,
  );
}

/** The invitee's page behind the invitation link: choose a password. */
export function joinPage(p: { csrfToken: string; token: string; email: string; errors?: FieldErrors; error?: string | undefined }): SafeHtml {
  const errors = p.errors ?? {};
  return layout(
    { title: 'Become an administrator' },
    html`<section class="card narrow">
  <h1>Become an administrator</h1>
  <p>You were invited to administer this account as <strong>${p.email}</strong>. Choose a password of at least ${ADMIN_PASSWORD_MIN_LENGTH} characters.</p>
  ${errorBanner(p.error)}
  <form method="post" action="/console/join">
    <input type="hidden" name="_csrf" value="${p.csrfToken}">
    <input type="hidden" name="token" value="${p.token}">
    <input type="hidden" name="username" value="${p.email}" autocomplete="username">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="new-password" required minlength="${ADMIN_PASSWORD_MIN_LENGTH}" aria-describedby="${describedBy(errors, 'password', 'password')}">
    ${fieldError(errors.password, 'password-error')}
    <label for="confirm">Confirm password</label>
    <input id="confirm" name="confirm" type="password" autocomplete="new-password" required aria-describedby="${describedBy(errors, 'confirm', 'confirm')}">
    ${fieldError(errors.confirm, 'confirm-error')}
    <button type="submit" class="primary">Create my administrator account</button>
  </form>
</section>`,
  );
}

export function joinLinkInvalidPage(): SafeHtml {
  return layout(
    { title: 'This invitation link no longer works' },
    html`<section class="card narrow">
  <h1>This invitation link no longer works</h1>
  <p>An invitation link works once, for 72 hours, until it is used or revoked. Ask an administrator of the account to invite you again.</p>
  <p>Already an administrator? <a href="/console/sign-in">Sign in</a>.</p>
</section>`,
  );
}
