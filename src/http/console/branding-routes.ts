import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../../services.js';
import { adminActor } from './console-session.js';
import { submitForm } from './forms.js';
import { acceptMultipartForms, isUploadedFile } from './multipart-form.js';
import { BRANDING_PATH, brandingPage } from './pages/branding-page.js';
import { chromeOf, noticeFrom, sendPage } from './replies.js';

const notices: Record<string, string> = { saved: 'Branding saved. Your users see it on their next sign-in page.' };

/**
 * The branding form's body: well above the 64 KiB logo limit, so that a larger file still reaches
 * the branding service and is refused with a message naming its size, not a bare 413.
 */
const BRANDING_FORM_LIMIT = 1024 * 1024;

/** What the form sent, as the branding service takes it: a chosen file replaces the logo. */
function brandingInputOf(request: FastifyRequest) {
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
  const text = (name: string) => (typeof body[name] === 'string' ? body[name] : '');
  const file = body.logo;
  return {
    displayName: text('displayName'),
    accentColor: text('accentColor'),
    logo: isUploadedFile(file) ? { bytes: file.bytes, declaredType: file.type } : text('removeLogo') === 'true' ? null : undefined,
  };
}

/** Account › Branding. */
export function registerBrandingRoutes(app: FastifyInstance, services: Services): void {
  void app.register(async (scope) => {
    acceptMultipartForms(scope, BRANDING_FORM_LIMIT);
    const csrf = { preValidation: scope.csrfProtection };

    scope.get<{ Querystring: { notice?: string } }>(BRANDING_PATH, async (request, reply) => {
      const branding = await services.branding.getBranding(adminActor(request).accountId);
      return sendPage(reply, brandingPage(chromeOf(request, reply), { branding, notice: noticeFrom(notices, request.query.notice) }));
    });

    // No route body limit: each parser keeps its own (1 MiB for this multipart form, 16 KiB urlencoded).
    scope.post(BRANDING_PATH, csrf, async (request, reply) => {
      const input = brandingInputOf(request);
      const outcome = await submitForm(() => services.branding.updateBranding(adminActor(request), input));
      if (outcome.ok) return reply.redirect(`${BRANDING_PATH}?notice=saved`, 303);
      const branding = await services.branding.getBranding(adminActor(request).accountId);
      return sendPage(
        reply,
        brandingPage(chromeOf(request, reply), {
          branding,
          values: { displayName: input.displayName, accentColor: input.accentColor },
          errors: outcome.fields,
          error: 'The branding was not saved. Correct the fields below.',
        }),
        outcome.status,
      );
    });
  });
}
