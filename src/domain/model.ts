import { z } from 'zod';
import type { CertificateInfo } from '../saml/certificates.js';
import { attributeMappingSchema, NO_ATTRIBUTE_MAPPING } from './connections/attribute-mapping.js';
import type { OidcApplicationSettings, RestApplicationSettings, SamlApplicationSettings } from './applications/application-schemas.js';

/**
 * The domain's shared nouns: applications, customers' IdP settings and the customer view. Kept
 * apart from the services that produce them, so that the services, the view cache, the rules
 * (multiplexing), the repositories and the surfaces can name them without importing each other.
 */

interface ApplicationBase {
  saasid: string;
  name: string;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}
export type SamlApplication = ApplicationBase & { kind: 'saml' } & SamlApplicationSettings;
export type RestApplication = ApplicationBase & { kind: 'rest' } & RestApplicationSettings;
export type OidcApplication = ApplicationBase & { kind: 'oidc' } & OidcApplicationSettings;
export type Application = SamlApplication | RestApplication | OidcApplication;

const bindingSchema = z.enum(['redirect', 'post']);

/** A pinned certificate as stored: what `parseCertificate` described when it was saved. */
export const storedCertificateSchema = z.object({
  pem: z.string(),
  subject: z.string(),
  issuer: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  sha256Fingerprint: z.string(),
}) satisfies z.ZodType<CertificateInfo>;

/**
 * IdP settings shared by every app connection of one idpId, as stored (the customers row's JSON
 * settings column) and returned. Rows are parsed with this when read, never cast: a row that does
 * not match fails there, naming the customer and the field, not later in a login.
 */
export const idpSettingsSchema = z.object({
  ssoUrl: z.string(),
  ssoBinding: bindingSchema,
  certificates: z.array(storedCertificateSchema),
  slo: z.object({ url: z.string(), responseUrl: z.string().nullable(), binding: bindingSchema }).nullable(),
  contactEmail: z.string().nullable(),
  metadataUrl: z.string().nullable(),
  /** Sorted. Also kept in customer_email_domains, which makes each domain belong to one customer. */
  emailDomains: z.array(z.string()),
  /** IdP attribute names → the apps' names; rows stored before mapping existed have none. */
  attributeMapping: attributeMappingSchema.default(NO_ATTRIBUTE_MAPPING),
});
export type IdpSettings = z.output<typeof idpSettingsSchema>;

export interface AppConnectionView {
  saasid: string;
  name: string;
  kind: Application['kind'];
  multiplexed: boolean;
  connectedAt: number;
}

/**
 * The scheduled refresh of a connection configured by metadata URL (src/domain/connections/
 * metadata-refresh.ts). The settings in use are always those of the last good metadata.
 */
export interface MetadataRefreshStatus {
  /** When a scheduled refresh last fetched and applied the metadata; null before the first one. */
  lastRefreshedAt: number | null;
  /** The last failure, while the latest attempt failed. */
  lastError: { at: number; reason: string } | null;
  /** When the next refresh is due; null until the schedule has picked the URL up. */
  nextRefreshAt: number | null;
}

export interface CustomerView extends IdpSettings {
  idpId: string;
  entityId: string;
  enabled: boolean;
  /** Whether IdP-initiated logins (responses that answer no request of ours) are accepted. */
  idpInitiatedLogin: boolean;
  /** The account's default IdP, used by IdP discovery when no email domain matches. */
  isDefault: boolean;
  /** The account's built-in test connection (src/domain/test-idp), backed by ssobridge's own test IdP. */
  testIdp: boolean;
  applications: AppConnectionView[];
  /** Null unless the connection is configured by metadata URL. */
  metadataRefresh: MetadataRefreshStatus | null;
  createdAt: number;
  updatedAt: number;
}
