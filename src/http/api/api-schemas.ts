import { z } from 'zod';
import { SINGLE_LOGOUT_NOT_YET } from '../../domain/single-logout.js';

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

export const certificateBody = z
  .object({
    pem: z.string(),
    subject: z.string(),
    issuer: z.string(),
    notBefore: z.string(),
    notAfter: z.string(),
    sha256Fingerprint: z.string(),
  })
  .meta({ id: 'Certificate' });

export const customerBody = z
  .object({
    idpId: z.string(),
    entityId: z.string(),
    ssoUrl: z.string(),
    ssoBinding: z.enum(['redirect', 'post']),
    certificates: z.array(certificateBody),
    sloUrl: z.string().nullable().describe(`The IdP's single logout URL. ${SINGLE_LOGOUT_NOT_YET}`),
    sloResponseUrl: z.string().nullable().describe(`Where single logout responses go, when not to sloUrl. ${SINGLE_LOGOUT_NOT_YET}`),
    sloBinding: z.enum(['redirect', 'post']).nullable().describe(`The single logout binding. ${SINGLE_LOGOUT_NOT_YET}`),
    contactEmail: z.string().nullable(),
    emailDomains: z.array(z.string()),
    enabled: z.boolean(),
    idpInitiatedLogin: z.boolean().describe('Whether IdP-initiated logins (responses that answer no request of ours) are accepted from this IdP; refused with IDP_INITIATED_DISABLED when false'),
    isDefault: z.boolean().describe("The account's default IdP (set in the console): IdP discovery sends users here when their email domain matches no customer"),
    metadataUrl: z.string().nullable(),
    applications: z.array(z.object({ saasid: z.string(), name: z.string(), kind: z.enum(['saml', 'rest']), multiplexed: z.boolean(), connectedAt: z.string() })),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Customer' });

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
        signingCertificates: z.array(certificateBody),
        requiredAttributes: z.array(z.object({ name: z.string(), required: z.boolean() })),
        metadataXml: z.string(),
      }),
    ),
  })
  .meta({ id: 'IdpConfiguration' });

export const applicationBody = z
  .object({
    saasid: z.string(),
    name: z.string(),
    kind: z.enum(['saml', 'rest']),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Application' });

export const iso = (ms: number) => new Date(ms).toISOString();
