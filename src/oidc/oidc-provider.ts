import { createPrivateKey, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import Provider, { interactionPolicy, type Configuration, type JWK, type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { DB } from '../db/schema.js';
import { recordOidcClientSecretUsed } from '../db/repositories/oidc-client-secrets-repository.js';
import { RESERVED_OIDC_CLAIMS } from '../domain/applications/application-schemas.js';
import { OIDC_ENDPOINT_PATHS, oidcClientPaths } from '../domain/applications/oidc-endpoints.js';
import type { SsoStore } from '../domain/sso/sso-store.js';
import type { OidcApplication } from '../domain/model.js';
import { oidcAdapter, SIGN_IN_MODEL } from './oidc-adapter.js';
import { clientMetadataOf, matchPresentedSecret } from './oidc-client.js';
import { interactionPath, oidcSignInSchema, type OidcSignIn } from '../domain/sso/oidc-sign-in.js';


/** Claims ssobridge vouches for in every ID token, as in the REST app's token (src/domain/sso/deliveries.ts). */
export const VOUCHED_CLAIMS = ['pingone.idp.id', 'pingone.saas.id', 'pingone.subject'] as const;

/** The signing keys of the client's account: the active one signs, the renewal one is published with it. */
export interface OidcSigningKey {
  id: string;
  status: 'active' | 'next';
  privateKeyPem: string;
}

/** How the library's own pages look (our layout, no inline script or style). */
export interface OidcPages {
  error(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string | undefined }): void;
  logout(ctx: KoaContextWithOIDC, form: string): void;
  loggedOut(ctx: KoaContextWithOIDC): void;
}

export interface OidcProviderDeps {
  db: Kysely<DB>;
  /** Who signed in must still be able to: the customer connected to the app and enabled. */
  store: SsoStore;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  /** Signs the library's cookies; shared by every instance. */
  cookieKeys: string[];
  pages: OidcPages;
}

const MINUTE = 60;
const DAY = 24 * 60 * MINUTE;
/** Sessions are not reused (every authorization goes to the customer's IdP): kept only for logout. */
const SESSION_TTL = DAY;
const REFRESH_TOKEN_TTL = 14 * DAY;

export function signingJwks(keys: readonly OidcSigningKey[]): JWK[] {
  return [...keys]
    .sort((a, b) => (a.status === b.status ? 0 : a.status === 'active' ? -1 : 1))
    .map((key) => ({ ...createPrivateKey(key.privateKeyPem).export({ format: 'jwk' }), kid: key.id, alg: 'RS256', use: 'sig' }));
}

/**
 * One node-oidc-provider instance per OIDC application: OpenID Connect Discovery makes the issuer
 * the discovery URL's prefix (`{publicUrl}/{client_id}`), so every client has its own issuer, and
 * the library has one issuer per instance. Instances are cheap (about 45 KB and 0.3 ms each) and
 * cached by oidc-providers.ts until the app or its account's keys change.
 */
export interface ClientProvider {
  app: OidcApplication;
  provider: Provider;
  /** Keeps a sign-in with the grant made from it, as long as the grant lives. */
  saveSignIn(grantId: string, signIn: OidcSignIn): Promise<void>;
}

export function buildOidcProvider(deps: OidcProviderDeps, accountId: string, app: OidcApplication, keys: readonly OidcSigningKey[]): ClientProvider {
  const { db, clock, logger, publicUrl } = deps;
  const secure = publicUrl.startsWith('https://');
  // What the client is described with when the request proved no secret: 256 random bits that
  // exist only in this process, so no request can present them. One value per provider keeps the
  // library's client cache (keyed by the metadata) from filling up with one entry per request.
  const unmatchedSecret = randomBytes(32).toString('base64url');
  const Adapter = oidcAdapter({
    db,
    clock,
    findClient: async (clientId) => {
      if (clientId !== app.saasid) return undefined;
      const matched = await matchPresentedSecret(db, app.saasid);
      if (matched) recordSecretUse(matched.id);
      return clientMetadataOf(app, matched?.secret ?? unmatchedSecret);
    },
  });
  const signIns = new Adapter(SIGN_IN_MODEL);

  // Last-used times help an admin see when a rotated secret is no longer in use; at most one write per secret per minute.
  const lastRecorded = new Map<string, number>();
  const recordSecretUse = (secretId: string) => {
    const now = clock.now();
    if ((lastRecorded.get(secretId) ?? 0) > now - MINUTE * 1000) return;
    lastRecorded.set(secretId, now);
    recordOidcClientSecretUsed(db, secretId, now).catch((error: unknown) => logger.warn({ err: error }, 'could not record an OIDC client secret as used'));
  };

  const signInOf = async (grantId: string | undefined): Promise<OidcSignIn | undefined> => {
    if (!grantId) return undefined;
    const stored = await signIns.find(grantId);
    const parsed = oidcSignInSchema.safeParse(stored?.extra);
    return parsed.success ? parsed.data : undefined;
  };
  /** A customer removed from the app, disabled or deleted ends its users' tokens (refresh, userinfo) at once. */
  const customerStillSignsIn = async (customerId: string) => {
    const customer = await deps.store.findCustomer(accountId, customerId);
    return customer !== undefined && customer.enabled && (await deps.store.findConnection(customer.id, app.saasid)) !== undefined;
  };

  const policy = interactionPolicy.base();
  // No session is reused: each authorization request signs the user in at the customer's IdP
  // (which keeps the user's own session), so a browser's earlier sign-in never answers a request
  // for another customer or user. Only the interaction our ACS completed satisfies this check.
  policy.get('login')?.checks.add(
    new interactionPolicy.Check('sign_in_at_idp', 'Each authorization request signs in at the identity provider', (ctx) =>
      ctx.oidc.result?.login ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT,
    ),
  );

  // Apps saved before names were reserved keep working, without those claims.
  const claimNames = [...VOUCHED_CLAIMS, ...app.requiredAttributes.map((a) => a.name).filter((name) => !RESERVED_OIDC_CLAIMS.has(name))];
  const configuration: Configuration = {
    adapter: Adapter,
    findAccount: async (ctx, sub, token) => {
      const grantId = token?.grantId ?? ctx.oidc.result?.consent?.grantId ?? ctx.oidc.entities.Grant?.jti;
      const signIn = await signInOf(grantId);
      if (signIn?.sub !== sub || !(await customerStillSignsIn(signIn.customerId))) return undefined;
      const claims = Object.fromEntries(Object.entries(signIn.claims).filter(([name]) => !RESERVED_OIDC_CLAIMS.has(name)));
      return { accountId: sub, claims: () => ({ ...claims, sub }) };
    },
    jwks: { keys: signingJwks(keys) },
    cookies: {
      keys: deps.cookieKeys,
      names: { session: 'ssb_oidc_session', interaction: 'ssb_oidc_interaction', resume: 'ssb_oidc_resume' },
      long: { signed: true, httpOnly: true, sameSite: 'lax', secure },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure },
    },
    claims: { openid: ['sub', 'acr', ...claimNames] },
    // The app's claims go in the ID token too, not only in userinfo (OIDC Core §5.4 lets an OP do so).
    conformIdTokenClaims: false,
    scopes: ['openid', 'offline_access'],
    responseTypes: ['code'],
    // The two methods an app can register (clientMetadataOf); the library's default also lists
    // none, client_secret_jwt and private_key_jwt, and their HS256/RS256 assertion algorithms, in discovery.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    pkce: { required: () => app.pkceRequired },
    allowOmittingSingleRegisteredRedirectUri: false,
    extraParams: ['idpid'],
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: app.accessTokenLifetimeMinutes * MINUTE,
      AuthorizationCode: MINUTE,
      IdToken: app.accessTokenLifetimeMinutes * MINUTE,
      Interaction: 10 * MINUTE,
      Session: SESSION_TTL,
      Grant: app.refreshTokens ? REFRESH_TOKEN_TTL : DAY,
      RefreshToken: REFRESH_TOKEN_TTL,
    },
    routes: {
      authorization: OIDC_ENDPOINT_PATHS.authorization,
      token: OIDC_ENDPOINT_PATHS.token,
      introspection: OIDC_ENDPOINT_PATHS.introspection,
      revocation: OIDC_ENDPOINT_PATHS.revocation,
      jwks: OIDC_ENDPOINT_PATHS.jwks,
      userinfo: oidcClientPaths(app.saasid).userinfo,
      end_session: oidcClientPaths(app.saasid).endSession,
    },
    interactions: { policy, url: (_ctx, interaction) => interactionPath(app.saasid, interaction.uid) },
    features: {
      devInteractions: { enabled: false },
      introspection: {
        enabled: true,
        // A client learns about its own tokens only; another app's token is simply inactive.
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      // RFC 7009 §2.2: another client's token is answered like an unknown one, not with an error that confirms it.
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => deps.pages.logout(ctx, form),
        postLogoutSuccessSource: (ctx) => deps.pages.loggedOut(ctx),
      },
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256'],
      userinfoSigningAlgValues: ['RS256'],
      introspectionSigningAlgValues: ['RS256'],
      authorizationSigningAlgValues: ['RS256'],
    },
    clientBasedCORS: () => false,
    renderError: (ctx, out) => deps.pages.error(ctx, out),
  };
  const provider = new Provider(`${publicUrl}/${app.saasid}`, configuration);
  // Addresses in discovery and redirects come from our public URL (oidc-routes.ts sets the forwarded headers).
  provider.proxy = true;
  const grantTtl = configuration.ttl?.Grant;
  return {
    app,
    provider,
    // With the grant's id as its grant_id, so whatever revokes the grant removes the claims too.
    saveSignIn: (grantId, signIn) => signIns.upsert(grantId, { grantId, extra: signIn }, typeof grantTtl === 'number' ? grantTtl : DAY),
  };
}
