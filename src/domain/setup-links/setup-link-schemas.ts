import { z } from 'zod';
import { MAX_APPLICATIONS_PER_PUT } from '../connections/customer-schemas.js';

export const SETUP_LINK_DEFAULT_MINUTES = 7 * 24 * 60;
export const SETUP_LINK_MIN_MINUTES = 1;
export const SETUP_LINK_MAX_MINUTES = 30 * 24 * 60;

/** Body of `POST …/spManaged/{idpId}/setupLink`; the console's form builds the same object. */
export const createSetupLinkInput = z.strictObject({
  applications: z
    .array(z.uuid({ error: 'must be a saasid (UUID)' }), { error: 'must be a list of saasids' })
    .max(MAX_APPLICATIONS_PER_PUT, `must have at most ${MAX_APPLICATIONS_PER_PUT} items`)
    .refine((ids) => new Set(ids).size === ids.length, 'must not list a saasid twice')
    .optional()
    .describe("saasids the customer's connection is made to when its IdP is saved (they must be the account's applications). Omitted: every enabled application for a new customer, the existing connections otherwise."),
  expiresInMinutes: z
    .number({ error: 'must be a number' })
    .int('must be a whole number of minutes')
    .min(SETUP_LINK_MIN_MINUTES, `must be at least ${SETUP_LINK_MIN_MINUTES} minute`)
    .max(SETUP_LINK_MAX_MINUTES, `must be at most ${SETUP_LINK_MAX_MINUTES} minutes (30 days)`)
    .default(SETUP_LINK_DEFAULT_MINUTES)
    .describe('Lifetime of the link: 1 minute to 30 days (43200); default 7 days (10080).'),
  returnUrl: z
    .string({ error: 'must be a string' })
    .max(2048, 'must be at most 2048 characters long')
    .refine((value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'https:' && url.username === '' && url.password === '';
      } catch {
        return false;
      }
    }, 'must be an absolute https:// URL without a user name or password')
    .optional()
    .describe("Where the portal sends the customer's admin after Activate (https only)."),
  contactEmail: z
    .email({ error: 'must be an email address' })
    .max(254, 'must be at most 254 characters long')
    .optional()
    .describe("The customer's IT admin (\"Customer Email\"): the customer's contact email when the portal creates the customer; shown with the invited customer in the console."),
  revokeOthers: z.boolean({ error: 'must be true or false' }).default(false).describe("Revoke the customer's other setup links in the same change."),
});
export type CreateSetupLinkInput = z.input<typeof createSetupLinkInput>;

/**
 * What the portal's "Your identity provider" forms send: metadata by URL or XML, or the three
 * manual fields. putCustomer checks them with the same rules as the API and the console.
 */
export type PortalIdpInput = { metadataUrl: string } | { metadataXml: string } | { entityId: string; ssoUrl: string; certificates: string[] };
