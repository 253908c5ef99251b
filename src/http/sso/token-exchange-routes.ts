import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toJavaProperties } from '../../domain/sso/java-properties.js';
import type { TokenAttributes } from '../../domain/sso/sso-store.js';
import type { Services } from '../../services.js';
import { errorResponses, jsonResponse } from '../api/openapi-responses.js';
import { jsonErrorHandler } from '../api/json-errors.js';

export const TOKEN_EXCHANGE_PREFIX = '/sso/TXS/2.0/';

const tokenParams = z.object({ tokenid: z.string().describe('The one-time token the application received with the user (`tokenid`)') });

export const tokenAttributesBody = z
  .record(z.string(), z.union([z.string(), z.array(z.string())]))
  .describe(
    'The signed-in user: the attributes the application requires (a list when the IdP sent several values), then `pingone.subject`, `pingone.idp.id` and the other values ssobridge vouches for',
  )
  .meta({ id: 'TokenAttributes' });

const tags = ['Token exchange'];
const tokenErrors = errorResponses([401, 404, 414, 429, 503], { 404: ['TOKEN_NOT_FOUND'] });

/**
 * Token exchange (`GET /sso/TXS/2.0/{1|2}/{tokenid}`): a REST application trades the one-time
 * token of a sign-in for the user's attributes, with HTTP Basic and its application credentials
 * (or the account's enabled global ones). Errors are the API's JSON errors.
 */
export async function tokenExchangeRoutes(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const { services } = options;
  const txs = app.withTypeProvider<ZodTypeProvider>();
  txs.setErrorHandler(jsonErrorHandler);

  const exchange = async (request: FastifyRequest, tokenId: string): Promise<TokenAttributes> => {
    const principal = await services.clientAuthenticator.authenticate({
      authorization: request.headers.authorization,
      sourceIp: request.ip,
      accept: ['application', 'global'],
    });
    return services.sso.exchangeToken(principal, tokenId);
  };

  txs.get(
    `${TOKEN_EXCHANGE_PREFIX}1/:tokenid`,
    {
      schema: {
        operationId: 'exchangeToken',
        summary: "Exchange a one-time token for the user's attributes (JSON)",
        description: 'Each token can be exchanged once, within 5 minutes of the sign-in, by the application it was issued for; otherwise `404 TOKEN_NOT_FOUND`.',
        tags,
        params: tokenParams,
        response: { 200: jsonResponse("The user's attributes", tokenAttributesBody), ...tokenErrors },
      },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store');
      return exchange(request, request.params.tokenid);
    },
  );

  txs.get(
    `${TOKEN_EXCHANGE_PREFIX}2/:tokenid`,
    {
      schema: {
        operationId: 'exchangeTokenAsProperties',
        summary: "Exchange a one-time token for the user's attributes (Java properties)",
        description: 'As `exchangeToken`, answered as a Java properties file; several values of one attribute are joined with commas.',
        tags,
        params: tokenParams,
        response: {
          200: { description: "The user's attributes, one `name=value` line each", content: { 'text/plain': { schema: z.string() } } },
          ...tokenErrors,
        },
      },
    },
    async (request, reply) => {
      const attributes = await exchange(request, request.params.tokenid);
      const flat = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
      return reply.header('Cache-Control', 'no-store').type('text/plain; charset=utf-8').send(toJavaProperties(flat));
    },
  );
}
