import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CUSTOMER_PAGE_MAX } from '../../domain/customers/customer-service.js';
import type { Services } from '../../services.js';
import { principalOf } from './api-plugin.js';

const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
});

export const customerPageSchema = z.object({
  customers: z.array(z.object({ idpId: z.string(), createdAt: z.string(), updatedAt: z.string() })),
  nextCursor: z.string().nullable(),
});

export const listCustomersQuery = z.strictObject({
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(CUSTOMER_PAGE_MAX, `must be at most ${CUSTOMER_PAGE_MAX}`)
    .default(50),
  cursor: z.string().min(1).max(1024, 'must be at most 1024 characters long').optional(),
});

export function registerSpManagedRoutes(app: FastifyInstance, services: Services): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/spManaged',
    {
      schema: {
        summary: "List the account's customers",
        description: 'One page of customers (customer IdPs), ordered by idpId. Follow `nextCursor` for the next page.',
        tags: ['Customer connections'],
        querystring: listCustomersQuery,
        response: { 200: customerPageSchema, 400: errorBody, 401: errorBody, 429: errorBody },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const page = await services.customers.listCustomers(principal.accountId, request.query);
      return {
        customers: page.customers.map((c) => ({
          idpId: c.idpId,
          createdAt: new Date(c.createdAt).toISOString(),
          updatedAt: new Date(c.updatedAt).toISOString(),
        })),
        nextCursor: page.nextCursor,
      };
    },
  );
}
