import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listCustomersInput, putCustomerInput } from '../../domain/connections/customer-schemas.js';
import type { CustomerView } from '../../domain/model.js';
import { AppError, isAppError } from '../../errors.js';
import { CUSTOMER_PUT_BODY_LIMIT } from '../body-limits.js';
import type { Services } from '../../services.js';
import { customerBody, customerPageBody, idpConfigurationBody, iso, putCustomerResultBody } from './api-schemas.js';
import { daysLeft, daysLeftChangeAt } from '../../domain/connections/certificate-expiry.js';
import type { CertificateInfo } from '../../saml/certificates.js';
import { errorResponses, jsonResponse } from './openapi-responses.js';
import { apiActor, principalOf } from './api-actor.js';

const idpIdParam = z.object({ idpId: z.string().describe('The customer IdP id, URL-encoded (e.g. customer001.com); compared in Unicode NFC, so either form of an accented idpId names the same customer') });
const tags = ['Customer connections'];
/** Conditional PUT (RFC 9110 §13.1.2): only `*` is meaningful here, as customers carry no ETags. */
const putCustomerHeaders = z.looseObject({
  'if-none-match': z
    .string()
    .optional()
    .describe('`*` to create only: when the customer already exists, nothing is changed and the answer is 412 PRECONDITION_FAILED.'),
});
/** The SAML metadata media type (SAML 2.0 Metadata §4.1.1, registered with IANA). */
const SAML_METADATA_TYPE = 'application/samlmetadata+xml';
/** Every operation on one customer: its idpId is checked, then looked up. */
const customerErrors = errorResponses([400, 401, 404, 414, 429, 503], { 404: ['CUSTOMER_NOT_FOUND'] });

const withDaysLeft = (certificate: CertificateInfo, now: number) => ({ ...certificate, daysLeft: daysLeft(certificate, now) });

function customerJson(c: CustomerView, now: number): z.input<typeof customerBody> {
  return {
    idpId: c.idpId,
    entityId: c.entityId,
    ssoUrl: c.ssoUrl,
    ssoBinding: c.ssoBinding,
    certificates: c.certificates.map((cert) => withDaysLeft(cert, now)),
    sloUrl: c.slo?.url ?? null,
    sloResponseUrl: c.slo?.responseUrl ?? null,
    sloBinding: c.slo?.binding ?? null,
    contactEmail: c.contactEmail,
    emailDomains: c.emailDomains,
    enabled: c.enabled,
    idpInitiatedLogin: c.idpInitiatedLogin,
    isDefault: c.isDefault,
    testIdp: c.testIdp,
    metadataUrl: c.metadataUrl,
    metadataRefresh: c.metadataRefresh && {
      lastRefreshedAt: c.metadataRefresh.lastRefreshedAt === null ? null : iso(c.metadataRefresh.lastRefreshedAt),
      lastError: c.metadataRefresh.lastError && { at: iso(c.metadataRefresh.lastError.at), reason: c.metadataRefresh.lastError.reason },
      nextRefreshAt: c.metadataRefresh.nextRefreshAt === null ? null : iso(c.metadataRefresh.nextRefreshAt),
    },
    attributeMapping: c.attributeMapping,
    applications: c.applications.map((a) => ({ saasid: a.saasid, name: a.name, kind: a.kind, multiplexed: a.multiplexed, connectedAt: iso(a.connectedAt) })),
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

/** `…/spManaged`: customer IdPs and their app connections. */
export function registerSpManagedRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/spManaged',
    {
      schema: {
        operationId: 'listCustomers',
        summary: "List the account's customers",
        description: 'One page of customers (customer IdPs), ordered by idpId. Follow `nextCursor` for the next page; filter by `saasid` or `enabled`.',
        tags,
        querystring: listCustomersInput,
        response: { 200: jsonResponse('One page of customers', customerPageBody), ...errorResponses([400, 401, 429, 503]) },
      },
    },
    async (request) => {
      const page = await services.customers.listCustomers(principalOf(request).accountId, request.query);
      return {
        customers: page.customers.map((c) => ({ ...c, createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt) })),
        nextCursor: page.nextCursor,
      };
    },
  );

  api.put(
    '/spManaged/:idpId',
    {
      bodyLimit: CUSTOMER_PUT_BODY_LIMIT,
      schema: {
        operationId: 'putCustomer',
        summary: 'Create or update a customer and its app connections',
        description:
          'Idempotent. Creates the customer IdP (201) or replaces its settings (200). IdP settings come from fields, or from SAML metadata (`metadataXml`, or an https `metadataUrl`). `applications` lists saasids to connect (omitted on create: every enabled application); existing connections are never duplicated, and connections not listed are kept unless `removeUnlistedApplications` is true. A repeated PUT changes nothing. Send `If-None-Match: *` to create only: if the customer exists, nothing changes and the answer is 412 `PRECONDITION_FAILED`. Each PUT is one transaction with one audit event.',
        tags,
        params: idpIdParam,
        headers: putCustomerHeaders,
        body: putCustomerInput,
        response: {
          200: jsonResponse('The customer was updated (or already had these settings); `warnings` names certificates that are expired or not yet valid', putCustomerResultBody),
          201: jsonResponse('The customer was created; `warnings` names certificates that are expired or not yet valid', putCustomerResultBody),
          ...errorResponses([400, 401, 404, 409, 412, 413, 414, 415, 429, 503], {
            400: ['VALIDATION_FAILED', 'METADATA_INVALID', 'METADATA_FETCH_FAILED', 'MALFORMED_REQUEST'],
            404: ['APPLICATION_NOT_FOUND'],
            409: ['CUSTOMER_CONFLICT', 'MULTIPLEXING_NOT_ALLOWED'],
            412: ['PRECONDITION_FAILED'],
          }),
        },
      },
    },
    async (request, reply) => {
      const createOnly = request.headers['if-none-match'] === '*';
      const { created, customer, warnings } = await services.customers.putCustomer(apiActor(request), request.params.idpId, request.body, { createOnly }).catch((error: unknown) => {
        // RFC 9110 §13.1.2: `If-None-Match: *` on a resource that exists is a failed precondition.
        throw isAppError(error) && error.code === 'CUSTOMER_EXISTS'
          ? new AppError('PRECONDITION_FAILED', `A customer with idpId "${request.params.idpId}" already exists (If-None-Match: *); nothing was changed.`)
          : error;
      });
      return reply.code(created ? 201 : 200).send({ ...customerJson(customer, services.clock.now()), warnings });
    },
  );

  // A cached view is the same object until its account changes, so its JSON is kept with it and
  // sent as is until a certificate's days left changes (registered untyped so a ready JSON string
  // can be sent; the schema still documents it).
  const serialized = new WeakMap<CustomerView, { json: string; until: number }>();
  app.get<{ Params: { idpId: string } }>(
    '/spManaged/:idpId',
    { schema: { operationId: 'getCustomer', summary: 'Read a customer', tags, params: idpIdParam, response: { 200: jsonResponse('The customer', customerBody), ...customerErrors } } },
    async (request, reply) => {
      const customer = await services.customers.getCustomer(principalOf(request).accountId, request.params.idpId);
      const now = services.clock.now();
      let kept = serialized.get(customer);
      if (kept === undefined || kept.until <= now) {
        kept = { json: JSON.stringify(customerBody.parse(customerJson(customer, now))), until: daysLeftChangeAt(customer.certificates, now) };
        serialized.set(customer, kept);
      }
      return reply.type('application/json; charset=utf-8').send(kept.json);
    },
  );

  api.delete(
    '/spManaged/:idpId',
    {
      schema: {
        operationId: 'deleteCustomer',
        summary: 'Delete a customer and all its app connections',
        tags,
        params: idpIdParam,
        response: { 204: z.null().describe('Deleted'), ...customerErrors },
      },
    },
    async (request, reply) => {
      await services.customers.deleteCustomer(apiActor(request), request.params.idpId);
      return reply.code(204).send(null);
    },
  );

  api.delete(
    '/spManaged/:idpId/applications/:saasid',
    {
      schema: {
        operationId: 'removeAppConnection',
        summary: 'Remove one app connection of a customer',
        tags,
        params: idpIdParam.extend({ saasid: z.string() }),
        response: { 204: z.null().describe('Removed'), ...errorResponses([400, 401, 404, 414, 429, 503], { 404: ['CUSTOMER_NOT_FOUND', 'APPLICATION_NOT_FOUND'] }) },
      },
    },
    async (request, reply) => {
      await services.customers.removeAppConnection(apiActor(request), request.params.idpId, request.params.saasid);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/spManaged/:idpId/idpConfiguration',
    {
      schema: {
        operationId: 'getIdpConfiguration',
        summary: "What the customer's IdP must configure",
        description: 'Our SP entity ID, ACS URL, signing certificates, required attributes and SP metadata XML: one entry for all multiplexed connections and one per non-multiplexed connection.',
        tags,
        params: idpIdParam,
        response: { 200: jsonResponse('One configuration per SP identity the customer trusts', idpConfigurationBody), ...customerErrors },
      },
    },
    async (request) => {
      const configurations = await services.customers.idpConfiguration(principalOf(request).accountId, request.params.idpId);
      const now = services.clock.now();
      return { configurations: configurations.map((c) => ({ ...c, signingCertificates: c.signingCertificates.map((cert) => withDaysLeft(cert, now)) })) };
    },
  );

  api.get(
    '/spManaged/:idpId/metadata.xml',
    {
      schema: {
        operationId: 'getCustomerMetadata',
        summary: 'SP metadata XML for the customer to import into its IdP',
        description: 'Without `saasid`: the shared (multiplexed) identity; with `saasid`: that non-multiplexed connection.',
        tags,
        params: idpIdParam,
        querystring: z.strictObject({ saasid: z.uuid({ error: 'must be a saasid (UUID)' }).optional() }),
        response: {
          200: { description: 'SAML 2.0 SP metadata (an `md:EntityDescriptor`)', content: { [SAML_METADATA_TYPE]: { schema: z.string() } } },
          ...errorResponses([400, 401, 404, 414, 429, 503], { 404: ['CUSTOMER_NOT_FOUND', 'APPLICATION_NOT_FOUND'] }),
        },
      },
    },
    async (request, reply) => {
      const configurations = await services.customers.idpConfiguration(principalOf(request).accountId, request.params.idpId);
      const saasid = request.query.saasid;
      const match = configurations.find((c) => (saasid === undefined ? c.multiplexed : !c.multiplexed && c.applications.includes(saasid)));
      if (!match) {
        throw new AppError(
          'APPLICATION_NOT_FOUND',
          saasid === undefined ? 'This customer has no multiplexed connection; pass the saasid of a non-multiplexed one.' : `This customer has no non-multiplexed connection to ${saasid}.`,
        );
      }
      return reply.type(`${SAML_METADATA_TYPE}; charset=utf-8`).send(match.metadataXml);
    },
  );
}
