import { z } from 'zod';
import { customSecretSchema } from '../credentials/secrets.js';
import { hostnameRuleSchema, secureUrlSchema } from '../url-rules.js';

export const MAX_REQUIRED_ATTRIBUTES = 50;

const nameSchema = z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters long');

export const requiredAttributeSchema = z.strictObject({
  name: z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, 'must not be empty')
    .max(256, 'must be at most 256 characters long')
    .regex(/^[^\s<>&"']+$/, 'must not contain spaces or the characters < > & " \'')
    // These names carry what ssobridge itself vouches for; an IdP must never be able to set them.
    .refine((n) => n !== 'subject' && !n.toLowerCase().startsWith('pingone.'), 'must not be "subject" or start with "pingone." (reserved for attributes ssobridge sets)'),
  required: z.boolean({ error: 'must be true or false' }).default(true),
});

const requiredAttributes = z
  .array(requiredAttributeSchema, { error: 'must be a list' })
  .max(MAX_REQUIRED_ATTRIBUTES, `must have at most ${MAX_REQUIRED_ATTRIBUTES} attributes`)
  .default([])
  .refine((list) => new Set(list.map((a) => a.name)).size === list.length, 'must not name an attribute twice');

const pemCertificate = z.string({ error: 'must be a string' }).max(16 * 1024, 'must be at most 16 KiB');

/** Settings of an app that receives a signed SAML assertion at its ACS URL. */
export const samlApplicationFields = {
  acsUrl: secureUrlSchema,
  spEntityId: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters long'),
  /** Application multiplexing: one shared IdP identity toward the app for every customer. */
  multiplexed: z.boolean({ error: 'must be true or false' }).default(true),
  /** Issuer we present to this app instead of the shared one (multiplexed apps only). */
  customEntityId: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty (leave it out to use the shared issuer)').max(1024, 'must be at most 1024 characters long').optional(),
  /** Which of the account's signing keys signs for this app: the active one unless pinned. */
  signingKeyId: z.uuid({ error: 'must be the id of one of the account signing keys' }).optional(),
  encryptAssertions: z.boolean({ error: 'must be true or false' }).default(false),
  encryptionCertificate: pemCertificate.optional(),
  sloUrl: secureUrlSchema.optional(),
  sloBinding: z.enum(['redirect', 'post'], { error: 'must be "redirect" or "post"' }).optional(),
  requiredAttributes,
};

/** Settings of an app that receives a one-time token and exchanges it over REST. */
export const restApplicationFields = {
  defaultAppUrl: secureUrlSchema,
  errorUrl: secureUrlSchema,
  /** appurl and errorurl of SP-initiated logins must be on this host (or, with a leading dot, domain). */
  hostname: hostnameRuleSchema,
  tokenBinding: z.enum(['post', 'query'], { error: 'must be "post" or "query"' }).default('post'),
  requiredAttributes,
};

/** An OIDC redirect URI: compared exactly (no wildcards), https or a loopback http URL, no fragment. */
const redirectUriSchema = secureUrlSchema.refine((value) => !value.includes('#'), 'must not contain a fragment (#)');

const redirectUris = (what: string, min: number) =>
  z
    .array(redirectUriSchema, { error: 'must be a list of URLs' })
    .min(min, `must have at least ${min} ${what}`)
    .max(MAX_REDIRECT_URIS, `must have at most ${MAX_REDIRECT_URIS} URLs`)
    .refine((list) => new Set(list).size === list.length, 'must not list a URL twice');

export const MAX_REDIRECT_URIS = 20;

/**
 * Claims an OIDC application's attributes may not be named: the ID token's own (OIDC Core §2,
 * RFC 7519 §4.1), the hashes and session IDs the library sets, and the `*_verified` claims, which
 * only ssobridge could vouch for and does not.
 */
export const RESERVED_OIDC_CLAIMS: ReadonlySet<string> = new Set([
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'auth_time', 'nonce', 'acr', 'amr', 'azp',
  'at_hash', 'c_hash', 's_hash', 'sid', 'cnf', 'email_verified', 'phone_number_verified',
]);
export const ACCESS_TOKEN_LIFETIME_MINUTES = { min: 1, max: 60, default: 60 } as const;

/**
 * Settings of an app that signs users in with OpenID Connect (authorization code flow). Its
 * client ID is its saasid; its client secrets are kept apart (oidc-client-secrets), hashed.
 */
export const oidcApplicationFields = {
  redirectUris: redirectUris('redirect URI', 1),
  postLogoutRedirectUris: redirectUris('post-logout redirect URI', 0).default([]),
  /** The authorization code grant is always on; refresh tokens only when the app asks for them. */
  refreshTokens: z.boolean({ error: 'must be true or false' }).default(false),
  /** PKCE (RFC 7636) on every authorization request; S256 unless plain is allowed too. */
  pkceRequired: z.boolean({ error: 'must be true or false' }).default(true),
  allowPlainPkce: z.boolean({ error: 'must be true or false' }).default(false),
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post'], { error: 'must be "client_secret_basic" or "client_secret_post"' }).default('client_secret_basic'),
  accessTokenLifetimeMinutes: z
    .number({ error: 'must be a whole number of minutes' })
    .int('must be a whole number of minutes')
    .min(ACCESS_TOKEN_LIFETIME_MINUTES.min, `must be at least ${ACCESS_TOKEN_LIFETIME_MINUTES.min} minute`)
    .max(ACCESS_TOKEN_LIFETIME_MINUTES.max, `must be at most ${ACCESS_TOKEN_LIFETIME_MINUTES.max} minutes`)
    .default(ACCESS_TOKEN_LIFETIME_MINUTES.default),
  /**
   * Become ID token and userinfo claims, so none may take a name the protocol gives meaning to:
   * the customer's IdP must not be able to set `email_verified`, `nonce` or `iat` for the app.
   */
  requiredAttributes: requiredAttributes.refine(
    (list) => list.every((a) => !RESERVED_OIDC_CLAIMS.has(a.name)),
    'must not name a claim OpenID Connect gives a meaning to (iss, sub, aud, exp, iat, nonce, acr, email_verified…: the list is in docs/oidc.md)',
  ),
};

const common = { name: nameSchema, enabled: z.boolean({ error: 'must be true or false' }).default(true) };

const samlApplication = z
  .strictObject({ kind: z.literal('saml'), ...common, ...samlApplicationFields })
  .refine((a) => !a.encryptAssertions || a.encryptionCertificate !== undefined, {
    message: 'is required when encryptAssertions is true',
    path: ['encryptionCertificate'],
  })
  .refine((a) => (a.sloUrl === undefined) === (a.sloBinding === undefined), {
    message: 'single logout needs both sloUrl and sloBinding',
    path: ['sloBinding'],
  })
  .refine((a) => a.customEntityId === undefined || a.multiplexed, {
    message: 'applies only to multiplexed applications',
    path: ['customEntityId'],
  });

const restApplication = z.strictObject({ kind: z.literal('rest'), ...common, ...restApplicationFields });

const oidcApplication = z.strictObject({ kind: z.literal('oidc'), ...common, ...oidcApplicationFields });

export const applicationInput = z.discriminatedUnion('kind', [samlApplication, restApplication, oidcApplication], {
  error: 'kind must be "saml", "rest" or "oidc"',
});
export type ApplicationInput = z.input<typeof applicationInput>;
export type ValidApplication = z.output<typeof applicationInput>;
export type SamlApplicationSettings = Omit<Extract<ValidApplication, { kind: 'saml' }>, 'kind' | 'name' | 'enabled'>;
export type RestApplicationSettings = Omit<Extract<ValidApplication, { kind: 'rest' }>, 'kind' | 'name' | 'enabled'>;
export type OidcApplicationSettings = Omit<Extract<ValidApplication, { kind: 'oidc' }>, 'kind' | 'name' | 'enabled'>;

export const applicationCredentialInput = z.strictObject({
  saasid: z.uuid({ error: 'must be the saasid (a UUID) of one of your applications' }),
  description: z.string({ error: 'must be a string' }).max(200, 'must be at most 200 characters long').default(''),
});

export { customSecretSchema };
