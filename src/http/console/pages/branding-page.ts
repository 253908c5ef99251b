import type { Branding } from '../../../domain/branding/branding-service.js';
import { MAX_DISPLAY_NAME_LENGTH, MAX_LOGO_BYTES, MAX_LOGO_SIDE_PIXELS } from '../../../domain/branding/branding-schemas.js';
import { logoPath } from '../../views/end-user-layout.js';
import { html, type SafeHtml } from '../../views/html.js';
import { errorBanner, fieldError, layout } from '../../views/layout.js';
import { describedBy, hiddenCsrf, noticeBanner, type Chrome, type FieldErrors } from './partials.js';

export const BRANDING_PATH = '/console/account/branding';

export interface BrandingFormValues {
  displayName: string;
  accentColor: string;
}

function describedAttr(errors: FieldErrors, field: string, id: string, hintId: string): SafeHtml {
  const ids = describedBy(errors, field, id, hintId);
  return ids ? html`aria-describedby="${ids}"` : html``;
}

/** Account › Branding: the display name, accent colour and logo of the account's end-user pages. */
export function brandingPage(
  chrome: Chrome,
  p: { branding: Branding; values?: BrandingFormValues; errors?: FieldErrors; error?: string | undefined; notice?: string | undefined },
): SafeHtml {
  const values = p.values ?? { displayName: p.branding.displayName, accentColor: p.branding.accentColor };
  const errors = p.errors ?? {};
  const logo = p.branding.logo;
  return layout(
    { ...chrome, title: 'Branding', section: 'branding' },
    html`<p class="breadcrumb">Account › Branding</p>
<h1>Branding</h1>
<p>What your customers' users see on the pages ssobridge shows them: the page that asks for their work email address (IdP discovery), sign-in errors, and the short "Signing you in…" pages on the way to their identity provider and back to your application.${p.branding.saved ? '' : ' Until you save, they show your account\'s name and the default colour.'}</p>
${noticeBanner(p.notice)}
${errorBanner(p.error)}
<form method="post" action="${BRANDING_PATH}" enctype="multipart/form-data" class="card">
  ${hiddenCsrf(chrome)}
  <label for="branding-displayName">Display name</label>
  <input id="branding-displayName" name="displayName" type="text" required maxlength="${MAX_DISPLAY_NAME_LENGTH}" value="${values.displayName}" ${errors.displayName ? html`aria-invalid="true"` : ''} ${describedAttr(errors, 'displayName', 'branding-displayName', 'branding-displayName-hint')}>
  <p class="hint" id="branding-displayName-hint">At the top of every page and in its title: your company or product name. 1–${MAX_DISPLAY_NAME_LENGTH} characters.</p>
  ${fieldError(errors.displayName, 'branding-displayName-error')}

  <label for="branding-accentColor">Accent colour</label>
  <input id="branding-accentColor" name="accentColor" type="color" value="${values.accentColor}" ${errors.accentColor ? html`aria-invalid="true"` : ''} ${describedAttr(errors, 'accentColor', 'branding-accentColor', 'branding-accentColor-hint')}>
  <p class="hint" id="branding-accentColor-hint">Buttons and the bar at the top of the page. Text on it is black or white, whichever is readable on your colour (WCAG AA contrast).</p>
  ${fieldError(errors.accentColor, 'branding-accentColor-error')}

  <fieldset>
    <legend>Logo</legend>
    ${
      logo
        ? html`<p><img class="logo-preview" src="${logoPath(logo.sha256)}" alt="Current logo" width="${logo.width}" height="${logo.height}"></p>
    <label class="checkbox"><input type="checkbox" name="removeLogo" value="true"> Remove the logo</label>`
        : html`<p class="muted">No logo: the pages show the display name only.</p>`
    }
    <label for="branding-logo">${logo ? 'Replace with' : 'Upload a logo'} <span class="muted">(optional)</span></label>
    <input id="branding-logo" name="logo" type="file" accept="image/png,image/jpeg" ${errors.logo ? html`aria-invalid="true"` : ''} ${describedAttr(errors, 'logo', 'branding-logo', 'branding-logo-hint')}>
    <p class="hint" id="branding-logo-hint">PNG or JPEG, at most ${MAX_LOGO_BYTES / 1024} KiB and ${MAX_LOGO_SIDE_PIXELS} × ${MAX_LOGO_SIDE_PIXELS} pixels; shown 40 pixels high. SVG is not accepted: it can carry scripts. ssobridge serves the logo itself, so your users' browsers contact no other site.</p>
    ${fieldError(errors.logo, 'branding-logo-error')}
  </fieldset>

  <button type="submit" class="primary">Save branding</button>
</form>`,
  );
}
