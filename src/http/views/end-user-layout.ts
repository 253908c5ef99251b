import { html, type SafeHtml } from './html.js';

/**
 * What a page shown to a customer's users carries of the account's branding. The accent colour
 * arrives as a stylesheet of its own (`accentStylesheetPath`), never as an inline style: the
 * Content-Security-Policy allows styles from our origin only (`style-src 'self'`), and a
 * stylesheet named by the colour itself is the same for every page and account using that colour,
 * so browsers cache it for good and the policy needs no per-response nonce.
 */
export interface PageBranding {
  displayName: string;
  accentColor: string;
  logo: { url: string; width: number; height: number } | null;
}

/** `#1f5fbf` → `/sso/branding/accent/1f5fbf.css` (see branding-asset-routes.ts). */
export function accentStylesheetPath(accentColor: string): string {
  return `/sso/branding/accent/${accentColor.slice(1).toLowerCase()}.css`;
}

/** A logo's URL names its SHA-256: a new logo gets a new URL, so each one can be cached for good. */
export function logoPath(sha256: string): string {
  return `/sso/branding/logo/${sha256}`;
}

/**
 * The frame of every end-user page (IdP discovery, sign-in errors, hand-offs): the account's name,
 * logo and colour when the request belongs to an account, and a neutral page, naming no product
 * and no account, when it does not (such as a post to the ACS that we cannot read).
 */
export function endUserLayout(p: { title: string; branding: PageBranding | undefined; head?: SafeHtml }, body: SafeHtml): SafeHtml {
  const b = p.branding;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title}${b ? html` · ${b.displayName}` : ''}</title>
<link rel="stylesheet" href="/public/console.css">
<link rel="stylesheet" href="/public/end-user.css">
${b ? html`<link rel="stylesheet" href="${accentStylesheetPath(b.accentColor)}">` : ''}
<link rel="icon" href="data:,">
${p.head ?? ''}
</head>
<body class="end-user">
${
  b
    ? html`<header class="brand-header">
  <div class="brand-identity">${b.logo ? html`<img class="brand-logo" src="${b.logo.url}" alt="" width="${b.logo.width}" height="${b.logo.height}">` : ''}<span class="brand-name">${b.displayName}</span></div>
</header>`
    : ''
}
<main>
${body}
</main>
</body>
</html>`;
}
