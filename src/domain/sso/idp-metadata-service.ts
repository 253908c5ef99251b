import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { findApplicationBySaasid } from '../../db/repositories/applications-repository.js';
import { findAppConnection, findCustomerByIdpId, listCustomersConnectedTo } from '../../db/repositories/customers-repository.js';
import { AppError, validationError } from '../../errors.js';
import { buildIdpMetadata, PASS_THROUGH_NAME_ID_FORMATS, type IdpEntityInput } from '../../saml/idp-metadata-builder.js';
import { toApplication, type SamlApplication } from '../applications/application-service.js';
import { normalizeIdpId } from '../connections/customer-schemas.js';
import type { SigningKeyService } from '../keys/signing-key-service.js';

/** A non-multiplexed app's metadata lists every connected customer; past this, ask for one with ?idpid=. */
export const MAX_METADATA_ENTITIES = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The Issuer of the assertions a SAML app receives: one shared entity ID (or the app's own) for
 * a multiplexed app, the customer's IdP entity ID otherwise. Must stay the same rule as
 * assertionForSamlApp in deliveries.ts.
 */
export function issuerToApp(app: SamlApplication, customerEntityId: string, sharedIdpEntityId: string): string {
  return app.multiplexed ? (app.customEntityId ?? sharedIdpEntityId) : customerEntityId;
}

/** Where a SAML app's IdP metadata is served (public). */
export function idpMetadataUrl(publicUrl: string, saasid: string): string {
  return `${publicUrl}/sso/idp/metadata/${saasid}`;
}

/** SP-initiated sign-in for the app: initsso with its saasid (and the customer, when the entity is one customer's). */
export function initSsoUrl(publicUrl: string, saasid: string, idpId?: string): string {
  const query = new URLSearchParams({ saasid, ...(idpId !== undefined && { idpid: idpId }) });
  return `${publicUrl}/sso/sp/initsso?${query.toString()}`;
}

/**
 * IdP metadata for a SAML application to import (`GET /sso/idp/metadata/{saasid}`). Public, like
 * any SAML metadata: it holds only entity IDs, URLs and public certificates.
 */
export function createIdpMetadataService(deps: { db: Kysely<DB>; signingKeys: SigningKeyService; publicUrl: string; sharedIdpEntityId: string }) {
  const { db, signingKeys, publicUrl, sharedIdpEntityId } = deps;
  const notFound = (saasid: string) => new AppError('APPLICATION_NOT_FOUND', `No SAML application with saasid ${saasid}.`);

  return {
    /** The metadata XML; with `idpId`, only that customer's entity (its SSO URL names the customer). */
    async metadataFor(saasid: string, idpId?: string): Promise<string> {
      if (!UUID.test(saasid)) throw notFound(saasid);
      const record = await findApplicationBySaasid(db, saasid.toLowerCase());
      if (!record || record.kind !== 'saml') throw notFound(saasid);
      const app = toApplication(record) as SamlApplication;

      let entities: IdpEntityInput[];
      let group = false;
      if (idpId !== undefined) {
        const customer = await findCustomerByIdpId(db, record.accountId, normalizeIdpId(idpId));
        if (!customer || !(await findAppConnection(db, customer.id, app.saasid))) {
          throw new AppError('CUSTOMER_NOT_FOUND', `No customer with idpId "${idpId}" is connected to this application.`);
        }
        entities = [{ entityId: issuerToApp(app, customer.entityId, sharedIdpEntityId), ssoUrl: initSsoUrl(publicUrl, app.saasid, customer.idpId) }];
      } else if (app.multiplexed) {
        entities = [{ entityId: issuerToApp(app, '', sharedIdpEntityId), ssoUrl: initSsoUrl(publicUrl, app.saasid) }];
      } else {
        // Each customer is a different issuer to a non-multiplexed app: one entity per customer.
        const customers = await listCustomersConnectedTo(db, record.accountId, app.saasid, MAX_METADATA_ENTITIES + 1);
        if (customers.length === 0) {
          throw new AppError('CUSTOMER_NOT_FOUND', 'No customer is connected to this application yet; its IdP metadata has one entity per connected customer.');
        }
        if (customers.length > MAX_METADATA_ENTITIES) {
          throw validationError([{ field: 'idpid', message: `is required: this application has more than ${MAX_METADATA_ENTITIES} customers; fetch each one's metadata with ?idpid=` }]);
        }
        entities = customers.map((c) => ({ entityId: c.entityId, ssoUrl: initSsoUrl(publicUrl, app.saasid, c.idpId) }));
        group = true;
      }
      const certificates = await signingKeys.publishedCertificates(record.accountId);
      return buildIdpMetadata({
        entities,
        group,
        groupName: idpMetadataUrl(publicUrl, app.saasid),
        signingCertificatesPem: certificates.map((c) => c.pem),
        nameIdFormats: PASS_THROUGH_NAME_ID_FORMATS,
      });
    },
  };
}

export type IdpMetadataService = ReturnType<typeof createIdpMetadataService>;
