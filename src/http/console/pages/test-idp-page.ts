import type { Application } from '../../../domain/model.js';
import type { TestIdpView } from '../../../domain/test-idp/test-idp-service.js';
import { attributeRowsOf, MAX_ATTRIBUTES_PER_USER } from '../../../domain/test-idp/test-users.js';
import { html, type SafeHtml } from '../../views/html.js';
import { errorBanner, fieldError, layout } from '../../views/layout.js';
import { APPLICATIONS_PATH } from './applications-pages.js';
import { copyable, copyAnnouncer, hiddenCsrf, noticeBanner, type Chrome, type FieldErrors } from './partials.js';

export const TEST_IDP_PATH = '/console/test-idp';

export const testPagePath = (saasid: string) => `${APPLICATIONS_PATH}/${saasid}/test`;

function credentialsFacts(testIdp: TestIdpView): SafeHtml {
  return html`<dl class="facts">
  <dt>Test users</dt><dd>${testIdp.users.map((u, i) => html`${i > 0 ? ', ' : ''}<code>${u.address}</code>`)}</dd>
  <dt>Password</dt><dd>${copyable('test-idp-password', 'Test users\' password', testIdp.password)}</dd>
</dl>`;
}

function statusBanner(testIdp: TestIdpView): SafeHtml {
  if (testIdp.turnedOff) return html`<div class="banner error" role="alert">The test IdP is turned off for this account. <a href="${TEST_IDP_PATH}">Turn it on</a> to test.</div>`;
  if (!testIdp.connectionEnabled) return html`<div class="banner error" role="alert">The test IdP's customer connection (<code>${testIdp.idpId}</code>) is disabled. Enable it under Customer Connections to test.</div>`;
  return html``;
}

/** Applications › My Applications › an application › Test. */
export function applicationTestPage(chrome: Chrome, p: { application: Application; testIdp: TestIdpView; error?: string | undefined }): SafeHtml {
  const { application, testIdp } = p;
  const usable = !testIdp.turnedOff && testIdp.connectionEnabled;
  return layout(
    { ...chrome, title: `Test ${application.name}`, section: 'applications' },
    html`<p class="breadcrumb"><a href="${APPLICATIONS_PATH}">Applications</a> › My Applications › <a href="${APPLICATIONS_PATH}/${application.saasid}">${application.name}</a> › Test</p>
<h1>Test ${application.name}</h1>
${
  application.kind === 'oidc'
    ? html`<p>An OIDC application is tested by starting an authorization request from the application itself, with <code>login_hint=${testIdp.idpId}</code> to sign in through the test IdP below (see <code>docs/oidc.md</code>).</p>`
    : html`<p>Sign a test user in to this application through the real single sign-on path: ssobridge sends a signed AuthnRequest to its built-in test IdP, the test IdP signs the response, our ACS checks it like any customer's, and ${application.kind === 'rest' ? 'your application receives a token to exchange' : 'your application receives a signed assertion'}.</p>`
}
${statusBanner(testIdp)}
${errorBanner(p.error)}
${copyAnnouncer}
<section class="card">
  <h2>Test IdP</h2>
  ${credentialsFacts(testIdp)}
  <p>Customer connection (idpId): <code id="test-idp-id">${testIdp.idpId}</code>. Attributes per test user: <a href="${TEST_IDP_PATH}">Test IdP settings</a>.</p>
  ${
    usable && application.kind !== 'oidc'
      ? html`<form method="post" action="${testPagePath(application.saasid)}">
    ${hiddenCsrf(chrome)}
    <button type="submit" class="primary">Start Single Sign-On</button>
  </form>
  <p class="hint">Connects the test IdP's customer connection to this application if it is not yet, then opens <code>/sso/sp/initsso?saasid=${application.saasid}&amp;idpid=${testIdp.idpId}</code>.</p>`
      : ''
  }
</section>`,
  );
}

/** Applications › Test IdP: the test users' attributes and the account setting that turns it off. */
export function testIdpSettingsPage(chrome: Chrome, p: { testIdp: TestIdpView; rows?: Record<string, string>; errors?: FieldErrors; error?: string | undefined; notice?: string | undefined }): SafeHtml {
  const { testIdp } = p;
  const errors = p.errors ?? {};
  return layout(
    { ...chrome, title: 'Test IdP', section: 'applications' },
    html`<p class="breadcrumb"><a href="${APPLICATIONS_PATH}">Applications</a> › Test IdP</p>
<h1>Test IdP</h1>
<p>A SAML identity provider that ssobridge runs for this account, behind the customer connection <code>${testIdp.idpId}</code>, so that you can test an application before any customer is connected. It is trusted for that one connection only.</p>
${noticeBanner(p.notice)}
${statusBanner(testIdp)}
${errorBanner(p.error)}
${copyAnnouncer}
<section class="card">
  ${credentialsFacts(testIdp)}
  <dl class="facts"><dt>Entity ID</dt><dd><code>${testIdp.entityId}</code></dd><dt>SSO URL</dt><dd><code>${testIdp.ssoUrl}</code></dd></dl>
</section>
<form method="post" action="${TEST_IDP_PATH}/attributes" class="card">
  ${hiddenCsrf(chrome)}
  <h2>Attributes</h2>
  <p>Each test user sends <code>email</code> (its address) and the attributes below, one <code>name=value</code> per line, at most ${MAX_ATTRIBUTES_PER_USER} per user.</p>
  ${testIdp.users.map(
    (u) => html`<label for="attributes-${u.name}">${u.address}</label>
  <textarea id="attributes-${u.name}" name="${u.name}" rows="3" ${errors[u.name] ? html`aria-invalid="true" aria-describedby="attributes-${u.name}-error"` : ''}>${p.rows?.[u.name] ?? attributeRowsOf(withoutDefaultEmail(u))}</textarea>
  ${fieldError(errors[u.name], `attributes-${u.name}-error`)}`,
  )}
  <button type="submit" class="primary">Save attributes</button>
</form>
<form method="post" action="${TEST_IDP_PATH}/turned-off" class="card">
  ${hiddenCsrf(chrome)}
  <h2>${testIdp.turnedOff ? 'Turned off' : 'On'}</h2>
  <p>${testIdp.turnedOff ? 'Its pages answer 404 and its connection is disabled.' : 'Turn it off in production: its pages then answer 404 and its connection is disabled.'}</p>
  <input type="hidden" name="turnedOff" value="${testIdp.turnedOff ? 'false' : 'true'}">
  <button type="submit">${testIdp.turnedOff ? 'Turn the test IdP on' : 'Turn the test IdP off'}</button>
</form>`,
  );
}

/** The configured rows: the built-in `email` is shown only when it was configured to something else. */
function withoutDefaultEmail(user: TestIdpView['users'][number]): Record<string, string> {
  const { email, ...rest } = user.attributes;
  return email === user.address ? rest : { email: email ?? '', ...rest };
}
