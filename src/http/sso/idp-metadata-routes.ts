import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { jsonErrorHandler } from '../api/json-errors.js';

type MetadataRequest = { Params: { saasid: string }; Querystring: { idpid?: string } };

/**
 * `GET /sso/idp/metadata/{saasid}[?idpid=…]`: the IdP metadata a SAML app imports to trust the
 * assertions it receives. Public, like all SAML metadata; errors are JSON, for the machines that fetch it.
 */
export async function idpMetadataRoutes(app: FastifyInstance, options: { services: Services }): Promise<void> {
  app.setErrorHandler(jsonErrorHandler);
  app.get<MetadataRequest>('/sso/idp/metadata/:saasid', async (request, reply) => {
    const idpId = typeof request.query.idpid === 'string' ? request.query.idpid : undefined;
    const xml = await options.services.idpMetadata.metadataFor(request.params.saasid, idpId);
    return reply
      .header('Cache-Control', 'public, max-age=300')
      .type('application/samlmetadata+xml; charset=utf-8')
      .send(xml);
  });
}
