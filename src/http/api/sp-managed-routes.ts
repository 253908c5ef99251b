import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listCustomersInput, putCustomerInput } from '../../domain/connections/customer-schemas.js';
import type { CustomerView } from '../../domain/connections/customer-service.js';
import { AppError } from '../../errors.js';
import { MAX_METADATA_BYTES } from '../../saml/idp-metadata.js';
import type { Services } from '../../services.js';
import { principalOf } from './api-plugin.js';
import { customerBody, customerPageBody, errorBody, idpConfigurationBody, iso } from './api-schemas.js';
import { apiActor } from './api-actor.js';

const idpIdParam = z.object({ idpId: z.string().describe('The customer IdP id, URL-encoded (e.g. customer001.com)') });
const tags = ['Customer connections'];
const commonErrors = { 400: errorBody, 401: errorBody, 404: errorBody, 429: errorBody };

function customerJson(c: CustomerView): z.input<typeof customerBody> {
  return {
    idpId: c.idpId,
    entityId: c.entityId,
    ssoUrl: c.ssoUrl,
    ssoBinding: c.ssoBinding,
    certificates: c.certificates,
    sloUrl: c.slo?.url ?? null,
    sloResponseUrl: c.slo?.responseUrl ?? null,
    sloBinding: c.slo?.binding ?? null,
    contactEmail: c.contactEmail,
    emailDomains: c.emailDomains,
    enabled: c.enabled,
    isDefault: c.isDefault,
    metadataUrl: c.metadataUrl,
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
        summary: "List the account's customers",
        description: 'One page of customers (customer IdPs), ordered by idpId. Follow `nextCursor` for the next page; filter by `saasid` or `enabled`.',
        tags,
        querystring: listCustomersInput,
        response: { 200: customerPageBody, ...commonErrors },
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
      bodyLimit: MAX_METADATA_BYTES + 256 * 1024,
      schema: {
        summary: 'Create or update a customer and its app connections',
        description:
          'Idempotent. Creates the customer IdP (201) or replaces its settings (200). IdP settings come from fields, or from SAML metadata (`metadataXml`, or an https `metadataUrl`). `applications` lists saasids to connect (omitted on create: every enabled application); existing connections are never duplicated. A repeated PUT changes nothing.',
        tags,
        params: idpIdParam,
        body: putCustomerInput,
        response: { 200: customerBody, 201: customerBody, 409: errorBody, 413: errorBody, 415: errorBody, ...commonErrors },
      },
    },
    async (request, reply) => {
      const { created, customer } = await services.customers.putCustomer(apiActor(request), request.params.idpId, request.body);
      return reply.code(created ? 201 : 200).send(customerJson(customer));
    },
  );

  // A cached view is the same object until its account changes, so its JSON is kept with it and
  // sent as is (registered untyped so a ready JSON string can be sent; the schema still documents it).
  const serialized = new WeakMap<CustomerView, string>();
  app.get<{ Params: { idpId: string } }>(
    '/spManaged/:idpId',
    { schema: { summary: 'Read a customer', tags, params: idpIdParam, response: { 200: customerBody, ...commonErrors } } },
    async (request, reply) => {
      const customer = await services.customers.getCustomer(principalOf(request).accountId, request.params.idpId);
      let json = serialized.get(customer);
      if (json === undefined) {
        json = JSON.stringify(customerBody.parse(customerJson(customer)));
        serialized.set(customer, json);
      }
      return reply.type('application/json; charset=utf-8').send(json);
    },
  );

  api.delete(
    '/spManaged/:idpId',
    { schema: { summary: 'Delete a customer and all its app connections', tags, params: idpIdParam, response: { 204: z.null(), ...commonErrors } } },
    async (request, reply) => {
      await services.customers.deleteCustomer(apiActor(request), request.params.idpId);
      return reply.code(204).send(null);
    },
  );

  api.delete(
    '/spManaged/:idpId/applications/:saasid',
    {
      schema: {
        summary: 'Remove one app connection of a customer',
        tags,
        params: idpIdParam.extend({ saasid: z.string() }),
        response: { 204: z.null(), ...commonErrors },
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
        summary: "What the customer's IdP must configure",
        description: 'Our SP entity ID, ACS URL, signing certificates, required attributes and SP metadata XML: one entry for all multiplexed connections and one per non-multiplexed connection.',
        tags,
        params: idpIdParam,
        response: { 200: idpConfigurationBody, ...commonErrors },
      },
    },
    async (request) => ({ configurations: await services.customers.idpConfiguration(principalOf(request).accountId, request.params.idpId) }),
  );

  api.get(
    '/spManaged/:idpId/metadata.xml',
    {
      schema: {
        summary: 'SP metadata XML for the customer to import into its IdP',
        description: 'Without `saasid`: the shared (multiplexed) identity; with `saasid`: that non-multiplexed connection.',
        tags,
        params: idpIdParam,
        querystring: z.strictObject({ saasid: z.uuid({ error: 'must be a saasid (UUID)' }).optional() }),
        response: { 200: z.string(), ...commonErrors },
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
      return reply.type('application/samlmetadata+xml; charset=utf-8').send(match.metadataXml);
    },
  );
}
