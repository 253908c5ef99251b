import type { Application } from '../../../domain/model.js';
import type { Invitation } from '../../../domain/invitations/customer-invitation-service.js';
import { IDP_ID_MAX_LENGTH } from '../../../domain/connections/customer-schemas.js';
import { html, timeElement, type SafeHtml } from '../../views/html.js';
import { errorBanner, fieldError, layout } from '../../views/layout.js';
import { CUSTOMERS_PATH } from './customer-pages.js';
import { copyAnnouncer, describedBy, hiddenCsrf, noticeBanner, type Chrome, type FieldErrors } from './partials.js';

export const INVITATION_PATH = `${CUSTOMERS_PATH}/invitation`;

export interface InvitationFormValues {
  email: string;
  idpId: string;
  applications: string[];
}

export const emptyInvitationForm: InvitationFormValues = { email: '', idpId: '', applications: [] };

function invitationLayout(chrome: Chrome, title: string, body: SafeHtml): SafeHtml {
  return layout(
    { ...chrome, title, section: 'customers' },
    html`<p class="breadcrumb"><a href="${CUSTOMERS_PATH}">Customer Connections</a> › Customer Email Invitation</p>
<h1>${title}</h1>
${body}`,
  );
}

/** Customer Connections › Adding Connections › Customer Email Invitation: the "Create Connection" form. */
export function invitationFormPage(chrome: Chrome, p: { applications: Application[]; values: InvitationFormValues; errors?: FieldErrors; error?: string }): SafeHtml {
  const errors = p.errors ?? {};
  const v = p.values;
  const input = (name: 'email' | 'idpId', label: string, type: string, hint: SafeHtml | string, extra: SafeHtml | string = '') =>
    html`<label for="${name}">${label}</label>
  <input id="${name}" name="${name}" type="${type}" value="${v[name]}" required ${extra} aria-describedby="${describedBy(errors, name, name, `${name}-hint`)}" ${errors[name] ? html`aria-invalid="true"` : ''}>
  <p class="hint" id="${name}-hint">${hint}</p>
  ${fieldError(errors[name], `${name}-error`)}`;
  return invitationLayout(
    chrome,
    'Customer Email Invitation',
    html`<p>Invite a customer's IT admin to connect their identity provider themselves: pick the applications, give their email address and the customer's ID, and you get a message with a setup link to send them. The connection is created, not yet enabled, when they save their identity provider in the setup portal.</p>
${errorBanner(p.error)}
${
  p.applications.length === 0
    ? html`<p>You have no applications yet. <a href="/console/applications">Add an application</a> first.</p>`
    : html`<form method="post" action="${INVITATION_PATH}">
  ${hiddenCsrf(chrome)}
  <fieldset ${errors.applications ? html`aria-describedby="applications-error"` : ''}>
    <legend>Applications</legend>
    <p class="hint">To add applications to a customer that is already connected, use its Customer ID and pick only the new applications.</p>
    ${p.applications.map((a) => html`<label class="checkbox"><input type="checkbox" name="applications" value="${a.saasid}" ${v.applications.includes(a.saasid) ? 'checked' : ''}> ${a.name}</label>`)}
    ${fieldError(errors.applications, 'applications-error')}
  </fieldset>
  ${input('email', 'Customer Email', 'email', "The customer's IT admin, who receives the invitation.", html`maxlength="254" autocomplete="off"`)}
  ${input('idpId', 'Customer ID', 'text', html`The customer's <strong>idpId</strong>: chosen by you, unique in your account (a domain name such as <code>example.com</code> is a good choice).`, html`maxlength="${IDP_ID_MAX_LENGTH}" autocomplete="off"`)}
  <button type="submit" class="primary">Create Connection</button>
</form>`
}`,
  );
}

/**
 * The invitation: its text in read-only fields (select and copy, no JavaScript needed), and
 * "Send E-Mail" when a mail server is configured. Carries the setup link, so it is sent no-store.
 */
export function invitationPage(chrome: Chrome, p: { invitation: Invitation; canSend: boolean; notice?: string; error?: string }): SafeHtml {
  const { invitation } = p;
  return invitationLayout(
    chrome,
    `Invitation for ${invitation.idpId}`,
    html`${noticeBanner(p.notice)}${errorBanner(p.error)}
<p>A setup link for customer <strong>${invitation.idpId}</strong> was created; it works until ${timeElement(invitation.expiresAt)}. This page is the only place it is shown: send the message now, or copy it into your own mail to <strong>${invitation.email}</strong>.</p>
<label for="invitation-subject">Subject</label>
<input id="invitation-subject" type="text" readonly value="${invitation.message.subject}" size="80">
<button type="button" class="copy" data-copy="invitation-subject" data-copied="Subject copied" aria-label="Copy subject">Copy</button>
<label for="invitation-text">Message</label>
<textarea id="invitation-text" readonly rows="16" cols="80" spellcheck="false">${invitation.message.text}</textarea>
<button type="button" class="copy" data-copy="invitation-text" data-copied="Message copied" aria-label="Copy message">Copy</button>
${copyAnnouncer}
${
  p.canSend
    ? html`<form method="post" action="${INVITATION_PATH}/send">
  ${hiddenCsrf(chrome)}
  <input type="hidden" name="email" value="${invitation.email}">
  <input type="hidden" name="idpId" value="${invitation.idpId}">
  <input type="hidden" name="url" value="${invitation.url}">
  <button type="submit" class="primary">Send E-Mail</button> <span class="muted">to ${invitation.email}</span>
</form>`
    : html`<p class="hint" id="mail-not-configured">Sending from here needs a mail server: set <code>SMTP_URL</code> (for example <code>smtp://user:password@mail.example.com:587</code>) and <code>SMTP_FROM</code> in the server's environment and restart it (see docs/configuration.md). Until then, copy the subject and the message into your own mail.</p>`
}
<p><a href="${CUSTOMERS_PATH}" class="button">Back to Customer Connections</a></p>`,
  );
}
