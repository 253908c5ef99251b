import type { Kysely } from 'kysely';
import { listApplicationsByIds } from '../../db/repositories/applications-repository.js';
import { findCustomerByIdpId } from '../../db/repositories/customers-repository.js';
import { findTestSignInResult } from '../../db/repositories/sso-repository.js';
import type { DB } from '../../db/schema.js';
import { AppError, validationError } from '../../errors.js';
import type { CustomerService } from '../connections/customer-service.js';
import type { BrowserStep } from '../sso/sso-pipeline.js';
import type { SsoService } from '../sso/sso-service.js';
import { toApplication } from '../applications/application-service.js';
import { NO_ATTRIBUTE_MAPPING } from '../connections/attribute-mapping.js';
import { checkApplicationAttributes, storedTestResultSchema, type TestSignInResult } from '../sso/test-sign-in.js';
import type { OpenSetupLink } from './setup-link-service.js';

/**
 * The portal's "Test sign-in": a real sign-in through the customer's IdP and our ACS, for a link
 * that is open (the portal checked it on this request), whose result the portal then shows.
 */
export function createTestSignInService(deps: { db: Kysely<DB>; customers: CustomerService; sso: SsoService }) {
  const { db, customers, sso } = deps;
  return {
    /** Sends the AuthnRequest, for the first of the customer's applications this link is about. */
    async start(link: OpenSetupLink, requestId: string): Promise<BrowserStep> {
      if (link.completedAt !== null) {
        throw new AppError('PRECONDITION_FAILED', 'This connection was activated through this link; the link can no longer change it. Ask your provider for a new link.');
      }
      let applications;
      try {
        ({ applications } = await customers.getCustomer(link.accountId, link.idpId));
      } catch (error) {
        if (error instanceof AppError && error.code === 'CUSTOMER_NOT_FOUND') throw validationError([{ field: 'testSignIn', message: 'Save your identity provider first.' }]);
        throw error;
      }
      const application = applications.find((a) => link.applications === null || link.applications.includes(a.saasid));
      if (!application) throw validationError([{ field: 'testSignIn', message: 'The connection has no application to sign in to yet; ask your provider to connect one.' }]);
      return sso.startTestSignIn({ setupLinkId: link.id, saasid: application.saasid, idpId: link.idpId }, requestId);
    },

    /**
     * The latest test sign-in of this link, if any, with each of the link's applications' attributes
     * present or missing under the connection's attribute mapping.
     */
    async latestResult(link: OpenSetupLink): Promise<TestSignInResult | undefined> {
      const stored = await findTestSignInResult(db, link.id);
      if (!stored) return undefined;
      const result = storedTestResultSchema.parse(JSON.parse(stored.result));
      const customer = await findCustomerByIdpId(db, link.accountId, link.idpId);
      const connected = customer ? (await customers.getCustomer(link.accountId, link.idpId)).applications.map((a) => a.saasid) : [];
      const tested = connected.filter((saasid) => link.applications === null || link.applications.includes(saasid));
      const applications = (await listApplicationsByIds(db, link.accountId, tested)).map(toApplication);
      return checkApplicationAttributes(result, applications, customer?.settings.attributeMapping ?? NO_ATTRIBUTE_MAPPING);
    },
  };
}

export type TestSignInService = ReturnType<typeof createTestSignInService>;
