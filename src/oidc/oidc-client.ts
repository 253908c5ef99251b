import { AsyncLocalStorage } from 'node:async_hooks';
import { timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ClientMetadata } from 'oidc-provider';
import type { DB } from '../db/schema.js';
import { listOidcClientSecrets } from '../db/repositories/oidc-client-secrets-repository.js';
import { oidcSecretDigest } from '../domain/applications/oidc-client-secret-service.js';
import type { OidcApplication } from '../domain/model.js';

/**
 * oidc-provider authenticates a client by comparing the secret it was sent with the client's
 * `client_secret`, in plaintext. We keep only digests of the (up to two) secrets, so the secret a
 * request presents is checked against them first (oidc-routes.ts reads it from the request as
 * the library would), and the client is then described to the library with that secret when it
 * matched, or with an unguessable one that is never shown when it did not, so the library's own
 * comparison, its error (`invalid_client`) and its logic stay in charge.
 */
const presented = new AsyncLocalStorage<{ secret: string | undefined }>();

export function withPresentedSecret<T>(secret: string | undefined, work: () => T): T {
  return presented.run({ secret }, work);
}

export interface MatchedSecret {
  id: string;
  secret: string;
}

/** The presented secret, if its digest is one of the application's; constant-time per digest. */
export async function matchPresentedSecret(db: Kysely<DB>, applicationId: string): Promise<MatchedSecret | undefined> {
  const secret = presented.getStore()?.secret;
  if (!secret) return undefined;
  const digest = Buffer.from(oidcSecretDigest(secret), 'hex');
  let matched: MatchedSecret | undefined;
  for (const stored of await listOidcClientSecrets(db, applicationId)) {
    const candidate = Buffer.from(stored.secretHash, 'hex');
    if (candidate.length === digest.length && timingSafeEqual(candidate, digest)) matched = { id: stored.id, secret };
  }
  return matched;
}

/** The app as oidc-provider's client metadata, with the secret the request proved (or the unguessable stand-in). */
export function clientMetadataOf(app: OidcApplication, secret: string): ClientMetadata {
  return {
    client_id: app.saasid,
    client_name: app.name,
    client_secret: secret,
    redirect_uris: app.redirectUris,
    post_logout_redirect_uris: app.postLogoutRedirectUris,
    grant_types: app.refreshTokens ? ['authorization_code', 'refresh_token'] : ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: app.tokenEndpointAuthMethod,
    id_token_signed_response_alg: 'RS256',
  };
}
