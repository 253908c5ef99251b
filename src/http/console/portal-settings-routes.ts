import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { adminActor } from './console-session.js';
import { checked, formOf } from './forms.js';
import { PORTAL_SETTINGS_PATH, portalSettingsPage } from './pages/portal-settings-page.js';
import { chromeOf, noticeFrom, sendPage } from './replies.js';

const notices: Record<string, string> = { saved: 'Customer portal settings saved. They apply to every setup link from the next page the customer opens.' };

/** Account › Customer portal. */
export function registerPortalSettingsRoutes(app: FastifyInstance, services: Services): void {
  const csrf = { preValidation: app.csrfProtection };

  app.get<{ Querystring: { notice?: string } }>(PORTAL_SETTINGS_PATH, async (request, reply) => {
    const settings = await services.portalSettings.getPortalSettings(adminActor(request).accountId);
    return sendPage(reply, portalSettingsPage(chromeOf(request, reply), { settings, notice: noticeFrom(notices, request.query.notice) }));
  });

  app.post(PORTAL_SETTINGS_PATH, csrf, async (request, reply) => {
    await services.portalSettings.updatePortalSettings(adminActor(request), { customerAdminsMayActivate: checked(formOf(request), 'customerAdminsMayActivate') });
    return reply.redirect(`${PORTAL_SETTINGS_PATH}?notice=saved`, 303);
  });
}
