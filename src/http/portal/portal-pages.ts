import { idpGuides, type OurValue } from '../../domain/setup-links/idp-guides.js';
import type { CustomerView } from '../../domain/model.js';
import type { TestSignInResult } from '../../domain/sso/test-sign-in.js';
import type { OpenSetupLink, PortalSpIdentity, SetupLinkRefusal } from '../../domain/setup-links/setup-link-service.js';
import { endUserLayout, type PageBranding } from '../views/end-user-layout.js';
import { html, timeElement, type SafeHtml } from '../views/html.js';
import { errorBanner, fieldError, scrollingTable } from '../views/layout.js';
import { testSignInSection } from './test-sign-in-pages.js';
import { attributeMappingFieldset, type AttributeMappingFormValues } from '../views/attribute-mapping-form.js';
import { certificateWarnings, daysLeft } from '../../domain/connections/certificate-expiry.js';
import type { CertificateInfo } from '../../saml/certificates.js';

export interface PortalPage {
  base: string;
  csrfToken: string;
  branding: PageBranding | undefined;
  link: OpenSetupLink;
  customer: CustomerView | undefined;
  identities: PortalSpIdentity[];
  errors?: Record<string, string> | undefined;
  error?: string | undefined;
  notice?: string | undefined;
  /** The latest "Test sign-in" of this link. */
  testResult?: TestSignInResult | undefined;
  /** The time certificates' days left are counted from. */
  now: number;
  /** The attribute mapping form as typed (re-rendered after an error or "Fill rows from preset"); else the saved mapping. */
  mapping?: AttributeMappingFormValues | undefined;
}

/** Within this many days of its notAfter a certificate is flagged: time enough to roll it over. */
const EXPIRY_WARNING_DAYS = 30;

/** "valid until …, N days left", with a warning when expired, not yet valid or expiring soon. */
function certificateExpiry(c: CertificateInfo, now: number, whose: 'ours' | 'yours'): SafeHtml {
  const days = daysLeft(c, now);
  const [warning] = certificateWarnings([c], now, () => '');
  const until = html`valid until ${timeElement(Date.parse(c.notAfter))}`;
  if (warning?.code === 'CERTIFICATE_EXPIRED') {
    const advice = whose === 'ours' ? 'Ask your provider for their current certificate.' : 'Give us the certificate your IdP signs with now.';
    return html`<p class="banner warning" role="alert">This certificate has expired (${until}). ${advice}</p>`;
  }
  if (warning?.code === 'CERTIFICATE_NOT_YET_VALID') {
    return html`<p class="banner warning" role="alert">This certificate is not valid yet: valid from ${timeElement(Date.parse(c.notBefore))}, ${until}. Check that it is the one your IdP signs with now.</p>`;
  }
  const left = `${days} ${days === 1 ? 'day' : 'days'} left`;
  if (days < EXPIRY_WARNING_DAYS) {
    const advice = whose === 'ours' ? 'Import our renewal certificate (or our metadata again) when it is published.' : 'Roll it over in your IdP and save the new certificate here.';
    return html`<p class="banner warning" role="alert">This certificate expires soon: ${until} (${left}). ${advice}</p>`;
  }
  return html`<p class="muted">${c.subject}, ${until} (${left})</p>`;
}

const csrf = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

function ourValue(identity: PortalSpIdentity, value: OurValue): string {
  return value === 'acsUrl' ? identity.acsUrl : identity.entityId;
}

function ourDetails(p: PortalPage): SafeHtml {
  return html`<section aria-labelledby="our-details"><h2 id="our-details">Our details</h2>
${p.identities.map(
  (identity, i) => html`<dl class="facts">
  <dt>SP entity ID</dt><dd><code>${identity.entityId}</code></dd>
  <dt>ACS URL (HTTP-POST)</dt><dd><code>${identity.acsUrl}</code></dd>
  <dt>SP metadata URL</dt><dd><a href="${identity.entityId}">${identity.entityId}</a></dd>
  ${identity.signingCertificates.map((c, n) => html`<dt>${n === 0 ? 'Signing certificate' : 'Renewal certificate (will replace it)'}</dt><dd><pre class="certificate-pem" tabindex="0" aria-label="${n === 0 ? 'Signing certificate' : 'Renewal certificate'} (PEM)">${c.pem}</pre>${certificateExpiry(c, p.now, 'ours')}</dd>`)}
</dl>
<p><a class="button" href="${identity.metadataXml === null ? identity.entityId : `${p.base}/metadata.xml?i=${i}`}" download>Download our metadata</a></p>`,
)}
</section>`;
}

function idpForms(p: PortalPage): SafeHtml {
  const e = p.errors ?? {};
  const action = `${p.base}/identity-provider`;
  const current = p.customer;
  return html`<section aria-labelledby="your-idp"><h2 id="your-idp">Your identity provider</h2>
${current ? html`<p role="status">Saved: entity ID <code>${current.entityId}</code>, SSO URL <code>${current.ssoUrl}</code>. The connection is ${current.enabled ? 'active' : 'not active yet'}.</p>
${verificationCertificates(current, p.now)}` : html`<p>Not configured yet. Give your IdP's metadata by URL or as XML, or enter its details by hand.</p>`}
<form method="post" action="${action}">
  ${csrf(p.csrfToken)}<input type="hidden" name="source" value="url">
  <label for="metadataUrl">Metadata URL</label>
  <input id="metadataUrl" name="metadataUrl" type="url" placeholder="https://" ${e.metadataUrl ? html`aria-invalid="true" aria-describedby="metadataUrl-error"` : ''}>
  ${fieldError(e.metadataUrl, 'metadataUrl-error')}
  <button type="submit">Save metadata URL</button>
</form>
<form method="post" action="${action}" enctype="multipart/form-data">
  ${csrf(p.csrfToken)}<input type="hidden" name="source" value="xml">
  <label for="metadataXml">Metadata XML</label>
  <textarea id="metadataXml" name="metadataXml" rows="6" ${e.metadataXml ? html`aria-invalid="true" aria-describedby="metadataXml-error"` : ''}></textarea>
  <label for="metadataFile">or upload the metadata file</label>
  <input id="metadataFile" name="metadataFile" type="file" accept=".xml,application/xml,application/samlmetadata+xml">
  ${fieldError(e.metadataXml, 'metadataXml-error')}
  <button type="submit">Save metadata XML</button>
</form>
<form method="post" action="${action}">
  ${csrf(p.csrfToken)}<input type="hidden" name="source" value="manual">
  <fieldset><legend>Manual entry</legend>
  <label for="entityId">IdP entity ID</label><input id="entityId" name="entityId">${fieldError(e.entityId, 'entityId-error')}
  <label for="ssoUrl">SSO URL</label><input id="ssoUrl" name="ssoUrl" type="url">${fieldError(e.ssoUrl, 'ssoUrl-error')}
  <label for="certificate">Signing certificate (PEM)</label><textarea id="certificate" name="certificate" rows="6"></textarea>${fieldError(e.certificates, 'certificate-error')}
  </fieldset>
  <button type="submit">Save</button>
</form>
</section>`;
}

/** The IdP certificates we verify its signatures with, each with its expiry. */
function verificationCertificates(customer: CustomerView, now: number): SafeHtml {
  return html`<h3>Verification certificates</h3>
<ul class="certificates">${customer.certificates.map((c, i) => html`<li aria-label="Verification certificate ${i + 1}"><code>${c.subject}</code>${certificateExpiry(c, now, 'yours')}</li>`)}</ul>`;
}

/**
 * The connection's attribute mapping, editable once the customer exists: the IdP's attribute
 * names → the names the applications ask for (offered in the application column).
 */
function attributeMappingSection(p: PortalPage): SafeHtml {
  const customer = p.customer;
  if (!customer) return html``;
  const saved = customer.attributeMapping;
  const values = p.mapping ?? { mappingPreset: saved.preset ?? '', mappingRows: saved.rules.map((r) => ({ ...r })), nameIdAttribute: saved.nameIdAttribute ?? '' };
  const asked = new Map<string, boolean>();
  for (const identity of p.identities) for (const a of identity.requiredAttributes) asked.set(a.name, (asked.get(a.name) ?? false) || a.required);
  return html`<section aria-labelledby="attribute-mapping"><h2 id="attribute-mapping">Attribute mapping</h2>
${
  asked.size === 0
    ? html`<p>The applications ask for no attributes beyond the NameID.</p>`
    : html`<p>The applications ask for: ${[...asked].map(([name, required], i) => html`${i > 0 ? ', ' : ''}<code>${name}</code>${required ? '' : html` <span class="muted">(optional)</span>`}`)}. If your IdP sends them under other names, map them here, or pick your IdP's preset.</p>`
}
<form method="post" action="${p.base}/attribute-mapping">
  ${csrf(p.csrfToken)}
  ${attributeMappingFieldset(values, { idpLabel: 'Your IdP\'s attribute name', appLabel: 'The application\'s attribute', appAttributes: [...asked.keys()], error: p.errors?.attributeMapping })}
  <button type="submit" class="primary">Save attribute mapping</button>
</form>
</section>`;
}

function guides(p: PortalPage): SafeHtml {
  const identity = p.identities[0];
  if (!identity) return html``;
  return html`<section aria-labelledby="guides"><h2 id="guides">Step-by-step guides</h2>
${idpGuides.map(
  (g) => html`<details id="guide-${g.id}"><summary>${g.name}</summary>
<ol>${g.steps.map((s) => html`<li>${s}</li>`)}</ol>
${scrollingTable(
  `Our values for ${g.name}`,
  html`<table><thead><tr><th scope="col">Field in ${g.name}</th><th scope="col">Our value</th></tr></thead><tbody>
${g.fields.map((f) => html`<tr><td>${f.theirField}</td><td><code>${ourValue(identity, f.ourValue)}</code></td></tr>`)}
</tbody></table>`,
)}
<p>Then, here: ${g.metadata}</p>
</details>`,
)}
</section>`;
}

/**
 * Activate, or "Request activation" when the provider approves activations itself (its account
 * setting): the request leaves the connection off until the provider enables it.
 */
function activateSection(p: PortalPage, ready: boolean): SafeHtml {
  const mayActivate = p.link.customerAdminsMayActivate;
  const title = mayActivate ? 'Activate' : 'Request activation';
  const form = (text: string, button: string) => html`<form method="post" action="${p.base}/activate">${csrf(p.csrfToken)}<p>${text}</p><button type="submit" class="primary">${button}</button></form>`;
  let body: SafeHtml;
  if (!ready) body = html`<p>Save your identity provider first.</p>`;
  else if (mayActivate) body = form('Turns the connection on: your users can then sign in through your identity provider.', 'Activate');
  else if (p.customer?.enabled) body = html`<p role="status">Your provider has turned the connection on: your users can sign in through your identity provider.</p>`;
  else if (p.link.activationRequestedAt !== null) {
    body = html`<p role="status">Activation was requested ${timeElement(p.link.activationRequestedAt)}. Your provider turns the connection on after checking it; until then your users cannot sign in through it.</p>`;
  } else body = form('Your provider approves each connection before it is turned on. This asks them to activate it; until they do, your users cannot sign in through it.', 'Request activation');
  return html`<section aria-labelledby="activate"><h2 id="activate">${title}</h2>
${body}
${fieldError(p.errors?.activate, 'activate-error')}
</section>`;
}

/** The portal: who asks (the provider's branding), our details, the customer's IdP, guides, Activate. */
export function portalPage(p: PortalPage): SafeHtml {
  const ready = p.customer !== undefined;
  return endUserLayout(
    { title: 'Set up single sign-on', branding: p.branding },
    html`<h1>Set up single sign-on for ${p.link.idpId}</h1>
${p.notice ? html`<div class="banner" role="status">${p.notice}</div>` : ''}${errorBanner(p.error)}
<p>This link expires ${timeElement(p.link.expiresAt)}.</p>
${ourDetails(p)}
${idpForms(p)}
${attributeMappingSection(p)}
${guides(p)}
${testSignInSection({ base: p.base, csrfField: csrf(p.csrfToken), ready, result: p.testResult, error: p.errors?.testSignIn })}
${activateSection(p, ready)}`,
  );
}

/** After "Request activation": the connection stays off until the provider enables it. */
export function activationRequestedPage(p: { branding: PageBranding | undefined; link: OpenSetupLink }): SafeHtml {
  return endUserLayout(
    { title: 'Activation requested', branding: p.branding },
    html`<h1>Activation requested</h1>
<p role="status">Your provider has been asked to activate the connection of ${p.link.idpId}. Until they do, your users cannot sign in through it. You can keep using this link until it expires.</p>`,
  );
}

/** After Activate, and whenever the completed link is opened again. */
export function activatedPage(p: { branding: PageBranding | undefined; link: OpenSetupLink; returnUrl: string | null }): SafeHtml {
  return endUserLayout(
    { title: 'Single sign-on is active', branding: p.branding },
    html`<h1>Single sign-on is active</h1>
<p role="status">The connection of ${p.link.idpId} is active. This link can no longer change it; ask your provider for a new link to make changes.</p>
${p.returnUrl ? html`<p><a class="button primary" href="${p.returnUrl}">Continue</a></p>` : ''}`,
  );
}

const refusals: Record<SetupLinkRefusal, { title: string; message: string }> = {
  unknown: { title: 'This setup link is not valid', message: 'The link is incomplete or was changed. Copy the whole link from the message you received, or ask your provider for a new one.' },
  expired: { title: 'This setup link has expired', message: 'Setup links work for a limited time. Ask your provider for a new link.' },
  revoked: { title: 'This setup link was revoked', message: 'Your provider has withdrawn this link. Ask them for a new one.' },
};

export function refusedLinkPage(refusal: SetupLinkRefusal, requestId: string): SafeHtml {
  const r = refusals[refusal];
  return endUserLayout({ title: r.title, branding: undefined }, html`<h1>${r.title}</h1><p>${r.message}</p><p class="muted">Request ID: ${requestId}</p>`);
}

export function portalErrorPage(p: { title: string; message: string; requestId: string; branding: PageBranding | undefined }): SafeHtml {
  return endUserLayout({ title: p.title, branding: p.branding }, html`<h1>${p.title}</h1><p>${p.message}</p><p class="muted">Request ID: ${p.requestId}</p>`);
}
