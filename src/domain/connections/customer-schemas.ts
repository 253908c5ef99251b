import { z } from 'zod';
import { MAX_METADATA_BYTES } from '../../saml/idp-metadata.js';
import { attributeMappingInput } from './attribute-mapping-input.js';
import { SINGLE_LOGOUT_NOT_YET } from '../single-logout.js';
import { emailDomainSchema, secureUrlSchema } from '../url-rules.js';

export const IDP_ID_MAX_LENGTH = 255;
export const MAX_CERTIFICATES = 10;
export const MAX_EMAIL_DOMAINS = 100;
export const MAX_APPLICATIONS_PER_PUT = 200;

/**
 * idpIds are compared in Unicode NFC: "café" typed with a precomposed "é" or with "e" and a
 * combining accent names one customer. Every lookup by idpId goes through this, as the schema does.
 */
export function normalizeIdpId(idpId: string): string {
  return idpId.normalize('NFC');
}

/** Chosen by the provider, unique in the account, immutable; a domain name is the recommended value. */
export const idpIdSchema = z
  .string({ error: 'must be a string' })
  // First, so that the length and character rules judge the form that is stored.
  .overwrite(normalizeIdpId)
  .min(1, 'must not be empty')
  .max(IDP_ID_MAX_LENGTH, `must be at most ${IDP_ID_MAX_LENGTH} characters long`)
  .refine((s) => !s.includes('/'), 'must not contain "/"')
  // URLs collapse "." and ".." path segments, so such an idpId could never be addressed.
  .refine((s) => s !== '.' && s !== '..', 'must not be "." or ".."')
  .refine((s) => !/[\p{Cc}\p{Cf}]/u.test(s), 'must not contain control characters')
  .refine((s) => s.trim() === s, 'must not start or end with a space');

const binding = z.enum(['redirect', 'post'], { error: 'must be "redirect" or "post"' });

const applicationRef = z.union(
  [
    z.uuid({ error: 'must be a saasid (UUID)' }),
    z.strictObject({
      saasid: z.uuid({ error: 'must be a saasid (UUID)' }),
      multiplexed: z.boolean({ error: 'must be true or false' }).optional(),
    }),
  ],
  { error: 'each item must be a saasid, or { "saasid": …, "multiplexed": true|false }' },
);

/**
 * Body of `PUT …/spManaged/{idpId}`: the IdP settings (from fields, or from SAML metadata given
 * inline or by HTTPS URL) plus the app connections to add or update (or, with
 * `removeUnlistedApplications`, to set exactly).
 */
export const putCustomerInput = z
  .strictObject({
    entityId: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters long').optional(),
    ssoUrl: secureUrlSchema.optional(),
    ssoBinding: binding.optional(),
    certificates: z
      .array(z.string({ error: 'must be a string' }), { error: 'must be a list of PEM or base64 DER certificates' })
      .min(1, 'must have at least one certificate')
      .max(MAX_CERTIFICATES, `must have at most ${MAX_CERTIFICATES} certificates`)
      .optional(),
    sloUrl: secureUrlSchema.optional().describe(`The IdP's single logout URL. ${SINGLE_LOGOUT_NOT_YET}`),
    sloResponseUrl: secureUrlSchema.optional().describe(`Where single logout responses go, when not to sloUrl. ${SINGLE_LOGOUT_NOT_YET}`),
    sloBinding: binding.optional().describe(`The single logout binding. ${SINGLE_LOGOUT_NOT_YET}`),
    contactEmail: z.email({ error: 'must be an email address' }).max(254, 'must be at most 254 characters long').optional(),
    emailDomains: z
      .array(emailDomainSchema, { error: 'must be a list of domain names' })
      .max(MAX_EMAIL_DOMAINS, `must have at most ${MAX_EMAIL_DOMAINS} domains`)
      .refine((d) => new Set(d).size === d.length, 'must not list a domain twice')
      .default([]),
    enabled: z.boolean({ error: 'must be true or false' }).default(true),
    /**
     * Accept IdP-initiated logins (unsolicited responses) from this IdP; on by default, as in
     * PingOne. Omitted on an update = unchanged, so a client that predates the field cannot turn
     * a refused login kind back on by accident.
     */
    idpInitiatedLogin: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .describe('Accept IdP-initiated sign-ins from this IdP. When omitted: true for a new customer, unchanged for an existing one.'),
    metadataXml: z.string({ error: 'must be a string' }).max(MAX_METADATA_BYTES, `must be at most ${MAX_METADATA_BYTES / 1024} KiB`).optional(),
    metadataUrl: z
      .string({ error: 'must be a string' })
      .max(2048, 'must be at most 2048 characters long')
      .refine((u) => {
        try {
          return new URL(u).protocol === 'https:';
        } catch {
          return false;
        }
      }, 'must be an absolute https:// URL')
      .optional(),
    /** saasids to connect; omitted on create = every enabled application. */
    applications: z
      .array(applicationRef, { error: 'must be a list of saasids' })
      .max(MAX_APPLICATIONS_PER_PUT, `must have at most ${MAX_APPLICATIONS_PER_PUT} items`)
      .optional(),
    /**
     * Makes `applications` the exact set: connections not listed are removed, in the same
     * transaction. Off by default, as in PingOne, where a PUT only adds or updates connections.
     */
    removeUnlistedApplications: z
      .boolean({ error: 'must be true or false' })
      .default(false)
      .describe('When true, `applications` is the exact set of app connections: those not listed are removed, in the same change. Requires `applications` (`[]` removes every connection).'),
    /** Default for the listed app connections (connection multiplexing). */
    multiplexed: z.boolean({ error: 'must be true or false' }).default(true),
    attributeMapping: attributeMappingInput.optional(),
  })
  .superRefine((v, ctx) => {
    const fromMetadata = v.metadataXml !== undefined || v.metadataUrl !== undefined;
    if (v.metadataXml !== undefined && v.metadataUrl !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['metadataUrl'], message: 'give either metadataXml or metadataUrl, not both' });
    }
    if (fromMetadata) {
      for (const field of ['entityId', 'ssoUrl', 'ssoBinding', 'certificates', 'sloUrl', 'sloResponseUrl', 'sloBinding'] as const) {
        if (v[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'comes from the metadata; do not give it as well' });
      }
    } else {
      for (const field of ['entityId', 'ssoUrl', 'certificates'] as const) {
        if (v[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'is required (or give metadataXml or metadataUrl)' });
      }
      const slo = [v.sloUrl, v.sloBinding];
      if (slo.some((x) => x !== undefined) && slo.some((x) => x === undefined)) {
        ctx.addIssue({ code: 'custom', path: [v.sloUrl === undefined ? 'sloUrl' : 'sloBinding'], message: 'single logout needs sloUrl and sloBinding together' });
      }
      if (v.sloResponseUrl !== undefined && v.sloUrl === undefined) {
        ctx.addIssue({ code: 'custom', path: ['sloResponseUrl'], message: 'needs sloUrl and sloBinding' });
      }
    }
    if (v.removeUnlistedApplications && v.applications === undefined) {
      ctx.addIssue({ code: 'custom', path: ['applications'], message: 'is required with removeUnlistedApplications (the exact list; [] removes every connection)' });
    }
    const saasids = (v.applications ?? []).map((a) => (typeof a === 'string' ? a : a.saasid));
    saasids.forEach((id, i) => {
      if (saasids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['applications', i], message: 'lists this saasid twice' });
    });
  });
export type PutCustomerInput = z.input<typeof putCustomerInput>;

export const listCustomersInput = z.strictObject({
  limit: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(50),
  cursor: z.string().min(1).max(1024, 'must be at most 1024 characters long').optional(),
  saasid: z.uuid({ error: 'must be a saasid (UUID)' }).optional(),
  enabled: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], { error: 'must be true or false' })
    .optional(),
  /** Console search: part of the idpId or entity ID. */
  q: z.string().max(255, 'must be at most 255 characters long').optional(),
});
export type ListCustomersInput = z.input<typeof listCustomersInput>;
