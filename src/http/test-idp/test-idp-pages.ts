import type { TestUser } from '../../domain/test-idp/test-users.js';
import { endUserLayout, type PageBranding } from '../views/end-user-layout.js';
import { html, type SafeHtml } from '../views/html.js';

/** What the sign-in form carries back: the request it answers and the form's CSRF token. */
export interface TestSignInForm {
  action: string;
  /** Base64 of the AuthnRequest's XML, read again (and checked again) when the form comes back. */
  samlRequest: string;
  relayState: string | undefined;
  csrfToken: string;
  /** Who asked (the AuthnRequest's Issuer). */
  spEntityId: string;
}

/**
 * The test IdP's sign-in page: pick a test user, enter the account's test password. Plain form,
 * no script: it works without JavaScript and under the pages' strict CSP.
 */
export function testIdpSignInPage(p: { form: TestSignInForm; users: TestUser[]; selected?: string | undefined; error?: string | undefined; branding: PageBranding | undefined }): SafeHtml {
  const selected = p.selected ?? p.users[0]?.name;
  return endUserLayout(
    { title: 'Test identity provider', branding: p.branding },
    html`<section class="card narrow">
  <h1>Test identity provider</h1>
  <p>This is ssobridge's built-in test IdP, for trying an application before any customer is connected. Signing in to <code id="sp">${p.form.spEntityId}</code>.</p>
  ${p.error ? html`<div class="banner error" role="alert">${p.error}</div>` : ''}
  <form method="post" action="${p.form.action}">
    <input type="hidden" name="_csrf" value="${p.form.csrfToken}">
    <input type="hidden" name="SAMLRequest" value="${p.form.samlRequest}">
    ${p.form.relayState !== undefined ? html`<input type="hidden" name="RelayState" value="${p.form.relayState}">` : ''}
    <fieldset>
      <legend>Test user</legend>
      ${p.users.map(
        (u) => html`<label class="checkbox"><input type="radio" name="username" value="${u.name}" ${u.name === selected ? html`checked` : ''}> ${u.address}</label>`,
      )}
    </fieldset>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="off" required>
    <p class="hint">The test users' password is shown in the ssobridge console, on the application's Test page.</p>
    <button type="submit" class="primary">Sign in</button>
  </form>
</section>`,
  );
}

export function testIdpNotFoundPage(requestId: string): SafeHtml {
  return endUserLayout(
    { title: 'Not found', branding: undefined },
    html`<section class="card narrow">
  <h1>Not found</h1>
  <p>There is no test identity provider here.</p>
  <p class="muted">Request ID: <code>${requestId}</code></p>
</section>`,
  );
}

export function testIdpErrorPage(p: { message: string; requestId: string; branding: PageBranding | undefined }): SafeHtml {
  return endUserLayout(
    { title: 'Sign-in failed', branding: p.branding },
    html`<section class="card narrow">
  <h1>Sign-in failed</h1>
  <p>${p.message}</p>
  <p class="muted">Request ID: <code>${p.requestId}</code></p>
</section>`,
  );
}
