import { z } from 'zod';
import { SINGLE_LOGOUT_NOT_YET } from '../../domain/single-logout.js';
import { storedCertificateSchema } from '../../domain/model.js';

/** Response shapes of the Customer Connection API; they also generate the OpenAPI document. */
export const errorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

/** A pinned certificate as the API shows it: the same fields it is stored with. */
export const certificateBody = storedCertificateSchema.meta({ id: 'Certificate' });

/** A certificate someone relies on now: a customer's pinned IdP certificate, or our signing certificate. */
export const certificateWithExpiryBody = certificateBody
  .extend({ daysLeft: z.number().int().describe('Whole days from this answer until notAfter: 0 on its last day, negative once expired') })
  .meta({ id: 'CertificateWithExpiry' });

export const attributeMappingBody = z
  .object({
    preset: z.string().nullable().describe('The preset the rules were filled from, if any'),
    rules: z.array(z.object({ idpAttribute: z.string(), appAttribute: z.string() })).describe('IdP attribute name → the name applications receive; names no rule maps pass through unchanged'),
    nameIdAttribute: z.string().nullable().describe('The application attribute that also receives the NameID'),
  })
  .meta({ id: 'AttributeMapping' });

export const certificateWarningBody = z
  .object({
    code: z.enum(['CERTIFICATE_EXPIRED', 'CERTIFICATE_NOT_YET_VALID']),
    field: z.string().describe('The body field that holds the certificate (`certificates.0`, or `metadataXml` / `metadataUrl`)'),
    message: z.string(),
    subject: z.string(),
    sha256Fingerprint: z.string(),
    notBefore: z.string(),
    notAfter: z.string(),
  })
  .meta({ id: 'CertificateWarning' });

/** SAML (signed assertion), REST ("other": one-time token exchange) or OIDC (OpenID Connect authorization code flow). */
const applicationKindBody = z.enum(['saml', 'rest', 'oidc']).describe('`saml`: receives a signed SAML assertion; `rest`: receives a one-time token to exchange; `oidc`: signs users in with OpenID Connect (its client ID is its saasid)');

export const customerBody = z
  .object({
    idpId: z.string(),
    entityId: z.string(),
    ssoUrl: z.string(),
    ssoBinding: z.enum(['redirect', 'post']),
    certificates: z.array(certificateWithExpiryBody).describe("The IdP's pinned verification certificates, with the days left until each expires"),
    sloUrl: z.string().nullable().describe(`The IdP's single logout URL. ${SINGLE_LOGOUT_NOT_YET}`),
    sloResponseUrl: z.string().nullable().describe(`Where single logout responses go, when not to sloUrl. ${SINGLE_LOGOUT_NOT_YET}`),
    sloBinding: z.enum(['redirect', 'post']).nullable().describe(`The single logout binding. ${SINGLE_LOGOUT_NOT_YET}`),
    contactEmail: z.string().nullable(),
    emailDomains: z.array(z.string()),
    enabled: z.boolean(),
    idpInitiatedLogin: z.boolean().describe('Whether IdP-initiated logins (responses that answer no request of ours) are accepted from this IdP; refused with IDP_INITIATED_DISABLED when false'),
    isDefault: z.boolean().describe("The account's default IdP (set in the console): IdP discovery sends users here when their email domain matches no customer"),
    testIdp: z
      .boolean()
      .describe("True for the account's built-in test connection, backed by the test IdP ssobridge runs itself (docs/test-idp.md): its users are test users, never a customer's. False for every customer's own IdP"),
    metadataUrl: z.string().nullable(),
    metadataRefresh: z
      .object({
        lastRefreshedAt: z.string().nullable().describe('When a scheduled refresh last fetched and applied the metadata; null before the first one'),
        lastError: z.object({ at: z.string(), reason: z.string() }).nullable().describe('The last failure, while the latest attempt failed; the connection keeps the settings of the last good metadata'),
        nextRefreshAt: z.string().nullable().describe('When the next refresh is due; null until the schedule has picked the URL up'),
      })
      .nullable()
      .describe('The scheduled refresh of `metadataUrl` (every METADATA_REFRESH_HOURS, see docs/operations.md); null without a metadata URL'),
    attributeMapping: attributeMappingBody,
    applications: z.array(z.object({ saasid: z.string(), name: z.string(), kind: applicationKindBody, multiplexed: z.boolean(), connectedAt: z.string() })),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Customer' });

/** The answer to a PUT: the customer, and what was saved but deserves a look. */
export const putCustomerResultBody = customerBody
  .extend({
    warnings: z
      .array(certificateWarningBody)
      .describe('Saved anyway, but worth a look: each pinned IdP certificate that has expired or is not yet valid. Empty when there is nothing to say.'),
  })
  .meta({ id: 'CustomerPutResult' });

export const customerPageBody = z
  .object({
    customers: z.array(
      z.object({ idpId: z.string(), entityId: z.string(), enabled: z.boolean(), applications: z.array(z.string()), createdAt: z.string(), updatedAt: z.string() }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'CustomerPage' });

export const idpConfigurationBody = z
  .object({
    configurations: z.array(
      z.object({
        multiplexed: z.boolean(),
        applications: z.array(z.string()),
        entityId: z.string(),
        acsUrl: z.string(),
        acsBinding: z.literal('post'),
        signingCertificates: z.array(certificateWithExpiryBody).describe('Our signing certificates (the active one, then a published renewal), with the days left until each expires'),
        requiredAttributes: z.array(z.object({ name: z.string(), required: z.boolean() })),
        metadataXml: z.string(),
        spMetadataUrl: z
          .string()
          .describe('Our SP entity ID URL, which answers this SP\'s metadata without authentication (for IdPs that import metadata by URL). The shared identity lists no requested attributes; `metadataXml` lists those of this customer\'s apps.'),
      }),
    ),
  })
  .meta({ id: 'IdpConfiguration' });

export const applicationBody = z
  .object({
    saasid: z.string(),
    name: z.string(),
    kind: applicationKindBody,
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Application' });

export const iso = (ms: number) => new Date(ms).toISOString();
