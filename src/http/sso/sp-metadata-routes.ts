import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.js';
import { jsonErrorHandler } from '../api/json-errors.js';

type SpMetadataRequest = FastifyRequest<{ Params: { accountId: string; saasid?: string } }>;

/** How long an IdP or a proxy may reuse the document unasked: a renewal key shows within this. */
const MAX_AGE_SECONDS = 300;

/** Whether the client's If-None-Match names this representation (RFC 9110 §13.1.2, weak comparison). */
function alreadyHas(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (typeof header !== 'string') return false;
  return header.trim() === '*' || header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * `GET /saml/sp/{accountId}` and `/saml/sp/{accountId}/{saasid}`: our SP entity ID URLs answer
 * with that SP's metadata, without authentication, as IdPs that import metadata by URL expect.
 * Errors are JSON, for the machines that fetch it.
 */
export async function spMetadataRoutes(app: FastifyInstance, options: { services: Services }): Promise<void> {
  app.setErrorHandler(jsonErrorHandler);
  const send = async (request: SpMetadataRequest, reply: FastifyReply) => {
    const metadata = await options.services.spMetadata.metadataFor(request.params.accountId, request.params.saasid ?? null);
    reply.header('Cache-Control', `public, max-age=${MAX_AGE_SECONDS}`).header('ETag', metadata.etag);
    if (alreadyHas(request, metadata.etag)) return reply.code(304).send();
    return reply.type('application/samlmetadata+xml; charset=utf-8').send(metadata.xml);
  };
  app.get('/saml/sp/:accountId', send);
  app.get('/saml/sp/:accountId/:saasid', send);
}
