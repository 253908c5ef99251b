import { ADMIN_CREATE_COMMAND } from '../../../domain/accounts/admin-service.js';
import { html, type SafeHtml } from '../../views/html.js';
import { errorBanner, fieldError, layout } from '../../views/layout.js';

/** `next` is a page already checked by safeReturnPath: where the admin goes after signing in. */
export function signInPage(p: { csrfToken: string; email?: string; error?: string; notice?: string; next?: string | undefined }): SafeHtml {
  return layout(
    { title: 'Sign in' },
    html`<section class="card narrow">
  <h1>Sign in</h1>
  ${p.notice ? html`<div class="banner" role="status">${p.notice}</div>` : ''}
  ${errorBanner(p.error)}
  <form method="post" action="/console/sign-in">
    <input type="hidden" name="_csrf" value="${p.csrfToken}">
    ${p.next ? html`<input type="hidden" name="next" value="${p.next}">` : ''}
    <label for="email">Email address</label>
    <input id="email" name="email" type="email" autocomplete="username" required value="${p.email ?? ''}">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit" class="primary">Sign in</button>
  </form>
</section>`,
  );
}

export function setupPage(p: { csrfToken: string; token: string; email?: string; errors?: Record<string, string>; error?: string }): SafeHtml {
  const errors = p.errors ?? {};
  return layout(
    { title: 'Create the first admin' },
    html`<section class="card narrow">
  <h1>Create the first admin</h1>
  <p>This one-time link creates the account's first administrator. Choose an email address and a password of at least 12 characters.</p>
  ${errorBanner(p.error)}
  <form method="post" action="/console/setup">
    <input type="hidden" name="_csrf" value="${p.csrfToken}">
    <input type="hidden" name="token" value="${p.token}">
    <label for="email">Email address</label>
    <input id="email" name="email" type="email" autocomplete="username" required value="${p.email ?? ''}" aria-describedby="email-error">
    ${fieldError(errors.email, 'email-error')}
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="new-password" required minlength="12" aria-describedby="password-error">
    ${fieldError(errors.password, 'password-error')}
    <label for="confirm">Confirm password</label>
    <input id="confirm" name="confirm" type="password" autocomplete="new-password" required aria-describedby="confirm-error">
    ${fieldError(errors.confirm, 'confirm-error')}
    <button type="submit" class="primary">Create admin and sign in</button>
  </form>
</section>`,
  );
}

/** A used or expired first-admin link: what is true now, and what to do instead. */
export function setupLinkInvalidPage(): SafeHtml {
  return layout(
    { title: 'This setup link no longer works' },
    html`<section class="card narrow">
  <h1>This setup link no longer works</h1>
  <p>A first-admin link works for 24 hours, until the first admin exists. This one expired, or the first admin has already been created, which voids every setup link.</p>
  <ul>
    <li>Already an admin? <a href="/console/sign-in">Sign in</a>.</li>
    <li>To become an admin of an account that has one, ask an admin to invite you (Account › Administrators).</li>
    <li>To add an admin, run this on the server (it prints a generated password once):<br><code>${ADMIN_CREATE_COMMAND}</code></li>
    <li>No admin yet and the link expired? Restarting the server prints a new link.</li>
  </ul>
</section>`,
  );
}

export function messagePage(p: { title: string; message: string; requestId?: string; admin?: { email: string }; csrfToken?: string }): SafeHtml {
  return layout(
    { title: p.title, admin: p.admin, csrfToken: p.csrfToken },
    html`<section class="card narrow">
  <h1>${p.title}</h1>
  <p>${p.message}</p>
  ${p.requestId ? html`<p class="muted">Request ID: <code>${p.requestId}</code></p>` : ''}
  <p><a href="/console">Back to the console</a></p>
</section>`,
  );
}
