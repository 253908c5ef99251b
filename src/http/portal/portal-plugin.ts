import csrfProtection from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SETUP_LINK_PATH, type OpenSetupLink } from '../../domain/setup-links/setup-link-service.js';
import type { PortalIdpInput } from '../../domain/setup-links/setup-link-schemas.js';
import { isAppError, SsoFailure } from '../../errors.js';
import type { BrowserStep } from '../../domain/sso/sso-pipeline.js';
import { describeSsoReason } from '../../domain/sso/sso-reasons.js';
import { MAX_METADATA_BYTES } from '../../saml/idp-metadata.js';
import type { Services } from '../../services.js';
import { METADATA_FORM_BODY_LIMIT } from '../console/applications-routes.js';
import { acceptMultipartForms, isUploadedFile } from '../console/multipart-form.js';
import { pageBrandingLoader } from '../sso/page-branding.js';
import { browserBindingFor, sendStep } from '../sso/browser-steps.js';
import { testReturnCookie } from './test-sign-in-routes.js';
import { toAppError } from '../to-app-error.js';
import { attributeMappingInputOf, attributeMappingProblems, FILL_PRESET_BUTTON, mappingRowsFrom, withPresetRows, type AttributeMappingFormValues } from '../views/attribute-mapping-form.js';
import { activatedPage, activationRequestedPage, portalErrorPage, portalPage, refusedLinkPage } from './portal-pages.js';

type SecretParams = { Params: { secret: string } };

declare module 'fastify' {
  interface FastifyRequest {
    /** The setup link this portal request is made through, opened (and checked) by the onRequest hook. */
    setupLink?: OpenSetupLink;
  }
}

const textOf = (body: unknown, name: string): string => {
  if (typeof body !== 'object' || body === null) return '';
  const value: unknown = (body as Record<string, unknown>)[name];
  if (typeof value === 'string') return value;
  if (isUploadedFile(value)) return Buffer.from(value.bytes).toString('utf8');
  return '';
};

/** Every value of a repeated form field (`mapIdp`, `mapApp`): formbody gives one as a string, several as a list. */
const listOf = (body: unknown, name: string): string[] => {
  if (typeof body !== 'object' || body === null) return [];
  const value: unknown = (body as Record<string, unknown>)[name];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
};

function mappingFormOf(body: unknown): AttributeMappingFormValues {
  return { mappingPreset: textOf(body, 'mappingPreset'), mappingRows: mappingRowsFrom(listOf(body, 'mapIdp'), listOf(body, 'mapApp')), nameIdAttribute: textOf(body, 'nameIdAttribute') };
}

/** The form's IdP, in the shape putCustomer takes: one source per form, never an idpId. */
function idpInputOf(body: unknown): PortalIdpInput {
  const source = textOf(body, 'source');
  if (source === 'url') return { metadataUrl: textOf(body, 'metadataUrl').trim() };
  if (source === 'xml') {
    const pasted = textOf(body, 'metadataXml');
    return { metadataXml: pasted.trim() !== '' ? pasted : textOf(body, 'metadataFile') };
  }
  const certificate = textOf(body, 'certificate').trim();
  return { entityId: textOf(body, 'entityId').trim(), ssoUrl: textOf(body, 'ssoUrl').trim(), certificates: certificate === '' ? [] : [certificate] };
}

/**
 * The self-service portal behind a setup link (`/setup/{secret}`): for one customer's IT admin,
 * no console account. Every request re-opens the link, so access ends the moment it expires or
 * is revoked; every form carries a CSRF token bound to the link.
 */
export async function portalPlugin(app: FastifyInstance, options: { services: Services; publicUrl: string; csrfHmacKey: string }): Promise<void> {
  const { services } = options;
  const secure = options.publicUrl.startsWith('https://');
  const brandingOf = pageBrandingLoader(services.branding, app.log);

  await app.register(formbody, { bodyLimit: METADATA_FORM_BODY_LIMIT });
  acceptMultipartForms(app, METADATA_FORM_BODY_LIMIT + MAX_METADATA_BYTES);
  await app.register(csrfProtection, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: secure ? '__Host-ssb_portal_csrf' : 'ssb_portal_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure, signed: true },
    csrfOpts: { userInfo: true, hmacKey: options.csrfHmacKey },
    getUserInfo: (request: FastifyRequest) => request.setupLink?.id ?? 'none',
  });

  app.addHook('onRequest', async (request: FastifyRequest<SecretParams>, reply: FastifyReply) => {
    reply.header('Cache-Control', 'no-store');
    const opened = await services.setupLinks.openSetupLink(request.params.secret, request.ip);
    if (!opened.ok) {
      return reply.code(opened.refusal === 'unknown' ? 404 : 410).type('text/html').send(refusedLinkPage(opened.refusal, request.id).value);
    }
    request.setupLink = opened.link;
    return undefined;
  });

  const linkOf = (request: FastifyRequest): OpenSetupLink => {
    if (!request.setupLink) throw new Error('portal route without an opened setup link');
    return request.setupLink;
  };
  const baseOf = (request: FastifyRequest<SecretParams>) => `${SETUP_LINK_PATH}/${request.params.secret}`;

  const renderPortal = async (
    request: FastifyRequest<SecretParams>,
    reply: FastifyReply,
    extra: { errors?: Record<string, string>; error?: string; notice?: string; mapping?: AttributeMappingFormValues } = {},
    status = 200,
  ) => {
    const link = linkOf(request);
    const branding = await brandingOf(link.accountId);
    if (link.completedAt !== null) return reply.code(status).type('text/html').send(activatedPage({ branding, link, returnUrl: link.returnUrl }).value);
    const [customer, identities, testResult] = await Promise.all([services.setupLinks.customerOf(link), services.setupLinks.spIdentities(link), services.testSignIns.latestResult(link)]);
    const csrfToken = reply.generateCsrf({ userInfo: link.id });
    return reply
      .code(status)
      .type('text/html')
      .send(portalPage({ base: baseOf(request), csrfToken, branding, link, customer, identities, testResult, now: services.clock.now(), ...extra }).value);
  };

  app.setErrorHandler(async (error, request: FastifyRequest<SecretParams>, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: appError.cause ?? appError }, appError.message);
    const link = request.setupLink;
    const branding = link && (await brandingOf(link.accountId));
    return reply
      .code(appError.status)
      .type('text/html')
      .send(portalErrorPage({ title: appError.status === 403 ? 'This form has expired' : 'Something went wrong', message: appError.message, requestId: request.id, branding }).value);
  });

  const csrf = { preValidation: app.csrfProtection };

  const savedNotices: Record<string, string> = { '1': 'Your identity provider was saved.', mapping: 'The attribute mapping was saved.' };
  app.get<SecretParams & { Querystring: { saved?: string } }>(`${SETUP_LINK_PATH}/:secret`, async (request, reply) => {
    const notice = request.query.saved === undefined ? undefined : savedNotices[request.query.saved];
    return renderPortal(request, reply, notice ? { notice } : {});
  });

  app.get<SecretParams & { Querystring: { i?: string } }>(`${SETUP_LINK_PATH}/:secret/metadata.xml`, async (request, reply) => {
    const identities = await services.setupLinks.spIdentities(linkOf(request));
    const identity = identities[Number(request.query.i ?? '0')] ?? identities[0];
    if (!identity?.metadataXml) return reply.redirect(identity?.entityId ?? baseOf(request), 303);
    return reply.type('application/samlmetadata+xml; charset=utf-8').header('Content-Disposition', 'attachment; filename="sp-metadata.xml"').send(identity.metadataXml);
  });

  app.post<SecretParams>(`${SETUP_LINK_PATH}/:secret/identity-provider`, csrf, async (request, reply) => {
    try {
      await services.setupLinks.saveIdentityProvider(linkOf(request), request.ip, idpInputOf(request.body));
    } catch (error) {
      if (!isAppError(error) || (error.kind !== 'validation' && error.kind !== 'conflict')) throw error;
      const errors: Record<string, string> = {};
      for (const f of error.fields ?? []) errors[f.field.split('.')[0] ?? f.field] = f.message;
      return renderPortal(request, reply, { errors, error: error.message }, error.status);
    }
    return reply.redirect(`${baseOf(request)}?saved=1`, 303);
  });

  app.post<SecretParams>(`${SETUP_LINK_PATH}/:secret/attribute-mapping`, csrf, async (request, reply) => {
    const mapping = mappingFormOf(request.body);
    // "Fill rows from preset" shows the preset's rows to edit first; nothing is saved.
    if (textOf(request.body, FILL_PRESET_BUTTON) === 'true') return renderPortal(request, reply, { mapping: withPresetRows(mapping) });
    try {
      await services.setupLinks.saveAttributeMapping(linkOf(request), request.ip, attributeMappingInputOf(mapping));
    } catch (error) {
      if (!isAppError(error) || error.kind !== 'validation') throw error;
      const fields = Object.fromEntries((error.fields ?? []).map((f) => [f.field, f.message]));
      const problem = attributeMappingProblems(fields) ?? error.fields?.[0]?.message ?? error.message;
      return renderPortal(request, reply, { mapping, errors: { attributeMapping: problem }, error: error.message }, error.status);
    }
    return reply.redirect(`${baseOf(request)}?saved=mapping`, 303);
  });

  const testCookie = testReturnCookie(options.publicUrl);
  const ssoBinding = browserBindingFor(options.publicUrl);
  app.post<SecretParams>(`${SETUP_LINK_PATH}/:secret/test-sign-in`, csrf, async (request, reply) => {
    let step: BrowserStep;
    try {
      step = await services.testSignIns.start(linkOf(request), request.id);
    } catch (error) {
      if (error instanceof SsoFailure) return renderPortal(request, reply, { errors: { testSignIn: `The test sign-in could not start: ${error.reason} — ${describeSsoReason(error.reason)}` } }, error.status);
      if (!isAppError(error) || error.kind !== 'validation') throw error;
      return renderPortal(request, reply, { errors: { testSignIn: error.fields?.[0]?.message ?? error.message } }, error.status);
    }
    reply.setCookie(testCookie.name, request.params.secret, testCookie.options);
    return sendStep(reply, step, brandingOf, ssoBinding, true);
  });

  app.post<SecretParams>(`${SETUP_LINK_PATH}/:secret/activate`, csrf, async (request, reply) => {
    const link = linkOf(request);
    let outcome: 'activated' | 'requested';
    try {
      outcome = await services.setupLinks.activate(link, request.ip);
    } catch (error) {
      if (!isAppError(error) || error.kind !== 'validation') throw error;
      return renderPortal(request, reply, { errors: { activate: error.fields?.[0]?.message ?? error.message } }, error.status);
    }
    const branding = await brandingOf(link.accountId);
    const page = outcome === 'requested' ? activationRequestedPage({ branding, link }) : activatedPage({ branding, link, returnUrl: link.returnUrl });
    return reply.type('text/html').send(page.value);
  });
}
