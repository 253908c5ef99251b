import { html, type SafeHtml } from '../../views/html.js';
import { errorBanner, fieldError, layout } from '../../views/layout.js';

export function signInPage(p: { csrfToken: string; email?: string; error?: string; notice?: string }): SafeHtml {
  return layout(
    { title: 'Sign in' },
    html`<section class="card narrow">
  <h1>Sign in</h1>
  ${p.notice ? html`<div class="banner" role="status">${p.notice}</div>` : ''}
  ${errorBanner(p.error)}
  <form method="post" action="/console/sign-in">
    <input type="hidden" name="_csrf" value="${p.csrfToken}">
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
