import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createSetupLinkInput } from '../../domain/setup-links/setup-link-schemas.js';
import type { SetupLinkSummary } from '../../domain/setup-links/setup-link-service.js';
import type { Services } from '../../services.js';
import { iso } from './api-schemas.js';
import { apiActor, principalOf } from './api-actor.js';
import { errorResponses, jsonResponse } from './openapi-responses.js';

const tags = ['Setup links'];
const idpIdParam = z.object({ idpId: z.string().describe('The customer IdP id, URL-encoded; may name a customer that does not exist yet (the portal creates it, not enabled)') });

const createdLinkBody = z.object({
  url: z.string().describe('The setup link to send to the customer\'s IT admin. Shown only in this answer: ssobridge keeps only a hash of its secret.'),
  expiresAt: z.string().describe('ISO 8601 time after which the link is refused.'),
  id: z.string().describe('The link\'s id, to list or revoke it.'),
});

const linkBody = z.object({
  id: z.string(),
  idpId: z.string(),
  applications: z.array(z.string()).nullable().describe('saasids the link connects; null = the customer\'s applications as they are (every enabled one for a new customer).'),
  returnUrl: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  usedAt: z.string().nullable().describe('When the link was first opened.'),
  lastUsedFrom: z.string().nullable().describe('The address it was last opened from.'),
  revokedAt: z.string().nullable(),
  completedAt: z.string().nullable().describe('When the customer\'s admin pressed Activate through it (the link then only shows the result).'),
  contactEmail: z.string().nullable().describe('The customer\'s IT admin named when the link was created ("Customer Email"); the contact email of the customer the portal creates.'),
  activationRequestedAt: z
    .string()
    .nullable()
    .describe('When the customer\'s admin pressed "Request activation" through it: the account keeps activation for itself (console, Account › Customer portal), so the customer stays not enabled until the provider enables it.'),
});
const linkListBody = z.object({ setupLinks: z.array(linkBody) });

const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

function linkJson(link: SetupLinkSummary): z.input<typeof linkBody> {
  return {
    ...link,
    createdAt: iso(link.createdAt),
    expiresAt: iso(link.expiresAt),
    usedAt: isoOrNull(link.usedAt),
    revokedAt: isoOrNull(link.revokedAt),
    completedAt: isoOrNull(link.completedAt),
    activationRequestedAt: isoOrNull(link.activationRequestedAt),
  };
}

/** `…/spManaged/{idpId}/setupLink(s)`: time-limited links to the customer's self-service portal. */
export function registerSetupLinkRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/spManaged/:idpId/setupLink',
    {
      schema: {
        operationId: 'createSetupLink',
        summary: "Create a setup link for a customer's IT admin",
        description:
          "A time-limited link (default 7 days, 1 minute to 30 days) to the self-service portal, where the customer's IT admin sees our SP details and configures their IdP for this one customer. For a new idpId the customer is created, not enabled, when the IdP is first saved there. Older links stay valid unless `revokeOthers` is true. The URL is returned once; only a hash of its secret is kept.",
        tags,
        params: idpIdParam,
        // The body is optional: none is the same as `{}`.
        body: z.preprocess((body) => body ?? {}, createSetupLinkInput),
        response: {
          201: jsonResponse('The link was created', createdLinkBody),
          ...errorResponses([400, 401, 414, 415, 429, 503]),
        },
      },
    },
    async (request, reply) => {
      const link = await services.setupLinks.createSetupLink(apiActor(request), request.params.idpId, request.body);
      return reply.code(201).send({ url: link.url, expiresAt: iso(link.expiresAt), id: link.id });
    },
  );

  api.get(
    '/spManaged/:idpId/setupLinks',
    {
      schema: {
        operationId: 'listSetupLinks',
        summary: "List a customer's setup links",
        description: 'Newest first, without their secrets: when each expires, was first used, last used from where, revoked or completed.',
        tags,
        params: idpIdParam,
        response: { 200: jsonResponse("The customer's setup links", linkListBody), ...errorResponses([400, 401, 404, 414, 429, 503], { 404: ['CUSTOMER_NOT_FOUND'] }) },
      },
    },
    async (request) => ({ setupLinks: (await services.setupLinks.listSetupLinks(principalOf(request).accountId, request.params.idpId)).map(linkJson) }),
  );

  api.delete(
    '/spManaged/:idpId/setupLinks/:id',
    {
      schema: {
        operationId: 'revokeSetupLink',
        summary: 'Revoke a setup link',
        description: 'The link is refused from its next request on. Revoking a revoked link changes nothing.',
        tags,
        params: idpIdParam.extend({ id: z.string().describe('The link id from create or list') }),
        response: { 204: z.null().describe('Revoked'), ...errorResponses([400, 401, 404, 414, 429, 503], { 404: ['SETUP_LINK_NOT_FOUND'] }) },
      },
    },
    async (request, reply) => {
      await services.setupLinks.revokeSetupLink(apiActor(request), request.params.idpId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
