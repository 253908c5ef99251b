import type { TestSignInResult } from '../../domain/sso/test-sign-in.js';
import { endUserLayout, type PageBranding } from '../views/end-user-layout.js';
import { html, timeElement, type SafeHtml } from '../views/html.js';
import { fieldError } from '../views/layout.js';

function resultOf(result: TestSignInResult): SafeHtml {
  if (!result.passed) {
    return html`<div class="banner error" role="alert" id="test-result"><p>Test sign-in failed (${timeElement(result.at)}): <code>${result.reason}</code> — ${result.description}</p>
${result.detail ? html`<p class="muted">${result.detail}</p>` : ''}</div>`;
  }
  const attributes = Object.entries(result.attributes);
  return html`<div class="banner" role="status" id="test-result"><p>Test sign-in succeeded (${timeElement(result.at)}): NameID <code>${result.nameId}</code>${result.nameIdFormat ? html` (format <code>${result.nameIdFormat}</code>)` : ''}.</p></div>
<h3>Attributes received</h3>
${
  attributes.length === 0
    ? html`<p>Your identity provider sent no attributes.</p>`
    : html`<table><thead><tr><th scope="col">Attribute</th><th scope="col">Values</th></tr></thead><tbody>
${attributes.map(([name, values]) => html`<tr><td><code>${name}</code></td><td>${values.join(', ')}</td></tr>`)}
</tbody></table>`
}
${result.applications.map(
  (check) => html`<h3>What ${check.application} needs</h3>
${
  check.attributes.length === 0
    ? html`<p>${check.application} needs no attributes besides the NameID.</p>`
    : html`<ul>${check.attributes.map(
        (a) => html`<li>${a.required ? 'Required' : 'Optional'} attribute "${a.name}": ${a.present ? 'present' : a.required ? html`<strong>missing</strong>` : 'missing'}</li>`,
      )}</ul>`
}`,
)}`;
}

/** The portal's "Test sign-in" section: the button, and the latest result of this link. */
export function testSignInSection(p: { base: string; csrfField: SafeHtml; ready: boolean; result: TestSignInResult | undefined; error: string | undefined }): SafeHtml {
  return html`<section aria-labelledby="test-sign-in"><h2 id="test-sign-in">Test sign-in</h2>
${
  p.ready
    ? html`<form method="post" action="${p.base}/test-sign-in">${p.csrfField}<p>Signs you in through your identity provider and shows what it sent us. Nothing reaches the application, and the connection does not need to be active.</p><button type="submit">Test sign-in</button></form>`
    : html`<p>Save your identity provider first.</p>`
}
${fieldError(p.error, 'test-sign-in-error')}
${p.result ? resultOf(p.result) : ''}
</section>`;
}

/** Where the ACS sends a test sign-in when this browser does not say which setup link it came from. */
export function testFinishedPage(branding: PageBranding | undefined): SafeHtml {
  return endUserLayout(
    { title: 'Test sign-in finished', branding },
    html`<h1>Test sign-in finished</h1><p>Open your setup link again to see the result of the test.</p>`,
  );
}
