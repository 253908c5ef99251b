import type { SigningKeyView } from '../../../domain/keys/signing-key-service.js';
import { html, timeElement, type SafeHtml } from '../../views/html.js';
import { errorBanner, layout } from '../../views/layout.js';
import { copyableBlock, copyAnnouncer, expiryElement, hiddenCsrf, noticeBanner, scrollingTable, type Chrome, confirmForm } from './partials.js';

export const SIGNING_KEYS_PATH = '/console/account/signing-keys';

const statusLabels: Record<SigningKeyView['status'], string> = { active: 'Active', next: 'Renewal', retired: 'Retired' };

function signingKeysPage(chrome: Chrome, title: string, body: SafeHtml): SafeHtml {
  return layout(
    { ...chrome, title, section: 'signing-keys' },
    html`<p class="breadcrumb">Account › Signing keys</p>
<h1>${title}</h1>
${body}`,
  );
}

export function signingKeysListPage(chrome: Chrome, p: { keys: SigningKeyView[]; now: number; notice?: string | undefined; error?: string | undefined }): SafeHtml {
  const renewal = p.keys.find((k) => k.status === 'next');
  const order = { active: 0, next: 1, retired: 2 } as const;
  const keys = [...p.keys].sort((a, b) => order[a.status] - order[b.status] || b.createdAt - a.createdAt);
  const rows = keys.map(
    (k) => html`<tr>
  <td><span class="badge ${k.status === 'active' ? 'ok' : k.status === 'next' ? 'warning' : 'off'}">${statusLabels[k.status]}</span></td>
  <td><code>${k.certificate.subject}</code></td>
  <td><code class="fingerprint">${k.certificate.sha256Fingerprint}</code></td>
  <td>${expiryElement(k.certificate.notAfter, p.now)}</td>
  <td>${timeElement(k.createdAt)}</td>
  <td>${timeElement(k.promotedAt)}</td>
</tr>`,
  );
  const published = keys.filter((k) => k.status !== 'retired');
  return signingKeysPage(
    chrome,
    'Signing keys',
    html`<p>ssobridge signs its SAML messages (AuthnRequests to your customers' IdPs, assertions to your SAML applications) with the <strong>active</strong> key. To replace it without downtime, add a <strong>renewal</strong> key: it is published in the SP metadata next to the active one at once, so IdPs that refresh or re-import the metadata trust both. Once they have, promote it: it starts signing and the old key is retired.</p>
${noticeBanner(p.notice)}
${errorBanner(p.error)}
<div class="toolbar">
  ${
    renewal
      ? html`<form method="get" action="${SIGNING_KEYS_PATH}/promote"><button type="submit" class="primary">Promote renewal key</button></form>
  <form method="get" action="${SIGNING_KEYS_PATH}/${renewal.id}/delete"><button type="submit">Delete renewal key</button></form>`
      : html`<form method="post" action="${SIGNING_KEYS_PATH}/renewal">${hiddenCsrf(chrome)}<button type="submit" class="primary">Add renewal key</button></form>`
  }
</div>
${scrollingTable(
  'Signing keys',
  html`<table class="data" aria-label="Signing keys">
  <thead><tr><th scope="col">Status</th><th scope="col">Subject</th><th scope="col">SHA-256 fingerprint</th><th scope="col">Expires</th><th scope="col">Created</th><th scope="col">Promoted</th></tr></thead>
  <tbody>${rows}</tbody>
</table>`,
)}
<h2>Published certificates</h2>
<p class="hint">What the SP metadata carries today, active key first.</p>
${published.map((k, i) => copyableBlock(`published-certificate-${i}`, `${statusLabels[k.status]} certificate`, k.certificate.pem))}
${copyAnnouncer}`,
  );
}

export function promoteConfirmPage(chrome: Chrome, p: { active: SigningKeyView | undefined; renewal: SigningKeyView }): SafeHtml {
  return signingKeysPage(
    chrome,
    'Promote renewal key',
    html`<div class="banner warning" role="alert">The renewal key (SHA-256 <code>${p.renewal.certificate.sha256Fingerprint}</code>) starts signing at once${p.active ? html`, and the active key (<code>${p.active.certificate.sha256Fingerprint}</code>) is retired and no longer published` : ''}. Customers' IdPs and SAML applications that do not yet trust the renewal certificate will refuse logins until they do.</div>
${confirmForm(chrome, `${SIGNING_KEYS_PATH}/promote`, SIGNING_KEYS_PATH, 'Promote renewal key')}`,
  );
}

export function deleteRenewalConfirmPage(chrome: Chrome, renewal: SigningKeyView): SafeHtml {
  return signingKeysPage(
    chrome,
    'Delete renewal key',
    html`<div class="banner warning" role="alert">The renewal key (SHA-256 <code>${renewal.certificate.sha256Fingerprint}</code>) is removed from the SP metadata. The active key keeps signing.</div>
${confirmForm(chrome, `${SIGNING_KEYS_PATH}/${renewal.id}/delete`, SIGNING_KEYS_PATH, 'Delete renewal key')}`,
  );
}
