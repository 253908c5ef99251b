import type { PortalSettings } from '../../../domain/setup-links/portal-settings-service.js';
import { html, type SafeHtml } from '../../views/html.js';
import { layout } from '../../views/layout.js';
import { hiddenCsrf, noticeBanner, type Chrome } from './partials.js';

export const PORTAL_SETTINGS_PATH = '/console/account/customer-portal';

/** Account › Customer portal: the settings of the self-service portal behind setup links. */
export function portalSettingsPage(chrome: Chrome, p: { settings: PortalSettings; notice?: string | undefined }): SafeHtml {
  return layout(
    { ...chrome, title: 'Customer portal', section: 'customer-portal' },
    html`<p class="breadcrumb">Account › Customer portal</p>
<h1>Customer portal</h1>
<p>The self-service portal a setup link opens for a customer's IT admin: there they enter their identity provider and test the sign-in.</p>
${noticeBanner(p.notice)}
<form method="post" action="${PORTAL_SETTINGS_PATH}" class="card">
  ${hiddenCsrf(chrome)}
  <label class="checkbox"><input type="checkbox" name="customerAdminsMayActivate" value="true" aria-describedby="customerAdminsMayActivate-hint" ${p.settings.customerAdminsMayActivate ? 'checked' : ''}> Customers' IT admins may activate their connection</label>
  <p class="hint" id="customerAdminsMayActivate-hint">Ticked (the default): the portal's Activate turns the connection on. Not ticked: the portal offers "Request activation" instead; the connection stays off, and its page here says the activation was requested, until you enable it.</p>
  <button type="submit" class="primary">Save</button>
</form>`,
  );
}
