import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * What the ACS hands to an OIDC authorization request once the customer's IdP has signed the user
 * in: built by the OIDC delivery (src/domain/sso/deliveries.ts), carried through the browser as a
 * one-time token, and kept with the grant it becomes, from which ID tokens and userinfo answer.
 */
export const oidcSignInSchema = z.object({
  /** The authorization request's interaction this sign-in answers. */
  interactionUid: z.string(),
  /** The customer whose IdP signed the user in: its tokens work only while it is connected and enabled. */
  customerId: z.string(),
  sub: z.string(),
  /** The IdP's AuthnInstant, epoch seconds: the ID token's auth_time. */
  authTime: z.number().int(),
  acr: z.string().nullable(),
  claims: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
});
export type OidcSignIn = z.infer<typeof oidcSignInSchema>;

/** The token attribute that carries an OidcSignIn (JSON) from the ACS to the interaction. */
export const OIDC_SIGN_IN_ATTRIBUTE = 'ssobridge.oidc.sign_in';

/**
 * The `sub` of a customer's user: stable for one user of one customer (the same NameID from the
 * same idpId of the same account) across sign-ins and across the account's OIDC apps, never the
 * same for two customers, opaque, and 43 characters (OIDC Core §2 allows 255).
 */
export function subjectOf(accountId: string, idpId: string, nameId: string): string {
  return createHash('sha256').update(`ssobridge-oidc-sub\0${accountId}\0${idpId}\0${nameId}`, 'utf8').digest('base64url');
}

/** Where oidc-provider sends the browser for an authorization request's sign-in (src/oidc/oidc-provider.ts). */
export const OIDC_INTERACTION_PATH = '/sso/as/interaction';
export const interactionPath = (clientId: string, uid: string) => `${OIDC_INTERACTION_PATH}/${clientId}/${uid}`;
/** The ACS sends a completed sign-in here, with its one-time token (src/http/sso/oidc-routes.ts). */
export const interactionCompletePath = (clientId: string, uid: string) => `${interactionPath(clientId, uid)}/complete`;
/** The ACS sends a refused sign-in here: the app gets `access_denied` and the request ID. */
export const interactionAbortPath = (clientId: string, uid: string) => `${interactionPath(clientId, uid)}/abort`;
