import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { findAccount } from '../../db/repositories/accounts-repository.js';
import { findApplication } from '../../db/repositories/applications-repository.js';
import { AppError } from '../../errors.js';
import { buildSpMetadata } from '../../saml/sp-metadata.js';
import { toApplication } from '../applications/application-service.js';
import type { SigningKeyService } from '../keys/signing-key-service.js';
import { acsUrlFor, spEntityIdFor } from './sp-identity.js';

/** Public SP metadata: the document and a strong validator for it. */
export interface PublishedSpMetadata {
  xml: string;
  /** A quoted strong ETag (RFC 9110 §8.8.3): the digest of the document. */
  etag: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The SP metadata served at the SP entity ID URL itself (`/saml/sp/{accountId}[/{saasid}]`), so
 * that an IdP admin can paste our entity ID into the IdP's "import metadata from URL" field.
 * Public, like all SAML metadata: only entity IDs, URLs and public certificates.
 *
 * The shared identity serves every multiplexed connection of the account, whichever apps a given
 * customer uses, so it lists no requested attributes: which ones a customer must send depends on
 * that customer's apps and is in the customer's own `idpConfiguration` document. An app's own
 * identity lists that app's attributes.
 */
export function createSpMetadataService(deps: { db: Kysely<DB>; signingKeys: SigningKeyService; publicUrl: string }) {
  const { db, signingKeys, publicUrl } = deps;
  const noAccount = () => new AppError('ACCOUNT_NOT_FOUND', 'No SP with this entity ID: the account does not exist.');
  const noApplication = () => new AppError('APPLICATION_NOT_FOUND', 'No SP with this entity ID: the account has no such application.');

  return {
    async metadataFor(accountId: string, saasid: string | null): Promise<PublishedSpMetadata> {
      const account = UUID.test(accountId) ? await findAccount(db, accountId.toLowerCase()) : undefined;
      if (!account) throw noAccount();
      const record = saasid === null ? undefined : UUID.test(saasid) ? await findApplication(db, account.id, saasid.toLowerCase()) : undefined;
      if (saasid !== null && !record) throw noApplication();
      const app = record && toApplication(record);
      const certificates = await signingKeys.publishedCertificates(account.id);
      const xml = buildSpMetadata({
        entityId: spEntityIdFor(publicUrl, account.id, app?.saasid ?? null),
        acsUrl: acsUrlFor(publicUrl, app?.saasid ?? null),
        signingCertificatesPem: certificates.map((c) => c.pem),
        requiredAttributes: app?.requiredAttributes ?? [],
        serviceName: app?.name ?? account.name,
      });
      return { xml, etag: `"${createHash('sha256').update(xml).digest('base64url')}"` };
    },
  };
}

export type SpMetadataService = ReturnType<typeof createSpMetadataService>;
