import { html, type SafeHtml } from './html.js';

export interface PageChrome {
  title: string;
  /** The signed-in admin; absent on sign-in and setup pages. */
  admin?: { email: string } | undefined;
  csrfToken?: string | undefined;
  /** Which top-level section is current, for aria-current. */
  section?: 'applications' | 'customers' | 'integration' | 'branding' | 'customer-portal' | 'signing-keys' | 'sign-in-log' | 'audit' | 'webhooks' | 'administrators' | undefined;
  /** A signed-in admin who may open only this page for now (two-step verification to set up): no navigation, only Sign out. */
  withoutNavigation?: boolean | undefined;
}

export function layout(chrome: PageChrome, body: SafeHtml): SafeHtml {
  const navLink = (href: string, label: string, section: PageChrome['section']) =>
    html`<a href="${href}" ${chrome.section === section ? html`aria-current="page"` : ''}>${label}</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${chrome.title} · ssobridge</title>
<link rel="stylesheet" href="/public/console.css">
<link rel="icon" href="data:,">
<script src="/public/console.js" defer></script>
</head>
<body>
<header class="topbar">
  <a class="brand" href="/console">ssobridge</a>
  ${
    chrome.admin
      ? html`${chrome.withoutNavigation ? '' : html`<nav aria-label="Main">
    ${navLink('/console/applications', 'Applications', 'applications')}
    ${navLink('/console/customer-connections', 'Customer Connections', 'customers')}
    <span class="nav-group">Account</span>
    ${navLink('/console/account/integration', 'Integration', 'integration')}
    ${navLink('/console/account/branding', 'Branding', 'branding')}
    ${navLink('/console/account/customer-portal', 'Customer portal', 'customer-portal')}
    ${navLink('/console/account/signing-keys', 'Signing keys', 'signing-keys')}
    ${navLink('/console/account/webhooks', 'Webhooks', 'webhooks')}
    ${navLink('/console/account/sign-in-log', 'Sign-in log', 'sign-in-log')}
    ${navLink('/console/account/audit-log', 'Audit log', 'audit')}
    ${navLink('/console/account/administrators', 'Administrators', 'administrators')}
  </nav>`}
  <form method="post" action="/console/sign-out" class="signout">
    <span class="muted">${chrome.admin.email}</span>
    <input type="hidden" name="_csrf" value="${chrome.csrfToken ?? ''}">
    <button type="submit" class="link-button">Sign out</button>
  </form>`
      : ''
  }
</header>
<main>
${body}
</main>
</body>
</html>`;
}

/**
 * A table in a region of its own that scrolls sideways: on a narrow screen a wide table scrolls
 * by itself instead of widening the page. Focusable, so a keyboard can scroll it too (WCAG 2.1.1).
 */
export function scrollingTable(label: string, table: SafeHtml): SafeHtml {
  return html`<div class="table-scroll" role="region" aria-label="${label}" tabindex="0">${table}</div>`;
}

export function fieldError(message: string | undefined, id: string): SafeHtml {
  return message ? html`<p class="field-error" id="${id}" role="alert">${message}</p>` : html``;
}

export function errorBanner(message: string | undefined): SafeHtml {
  return message ? html`<div class="banner error" role="alert">${message}</div>` : html``;
}
