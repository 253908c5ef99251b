import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { HttpBrowser } from '../helpers/http-browser.js';
import { ALICE_NAME_ID, CUSTOMER_IDP_ID, signInAsAlice, startOidcJourney, type OidcJourney } from '../helpers/oidc-journey.js';
import { requireLasso } from '../interop/peers.js';

/**
 * openid-client, a certified relying party, signs a customer's user into an OIDC app: discovery,
 * an authorization URL with PKCE, the customer's IdP (Lasso) through our ACS, the code, the
 * tokens (ID token validated by openid-client), userinfo, refresh, introspection, end session.
 */
afterAll(async () => dropTestDatabases());

describe.each(testDialects)('an OIDC app signs users in with openid-client (%s)', (dialect) => {
  let journey: OidcJourney;
  beforeAll(async () => {
    requireLasso();
    journey = await startOidcJourney(dialect);
  });
  afterAll(async () => journey?.close());

  const atRedirectUri = (url: URL) => url.href.startsWith(journey.redirectUri);

  it('runs the whole authorization code flow with PKCE', async () => {
    const config = await journey.discover();
    const issuer = `${journey.base}/${journey.saasid}`;
    expect(config.serverMetadata()).toMatchObject({
      issuer,
      authorization_endpoint: `${journey.base}/sso/as/authorization.oauth2`,
      token_endpoint: `${journey.base}/sso/as/token.oauth2`,
      introspection_endpoint: `${journey.base}/sso/as/introspect.oauth2`,
      jwks_uri: `${journey.base}/sso/as/jwks`,
      userinfo_endpoint: `${journey.base}/${journey.saasid}/userinfo`,
      end_session_endpoint: `${journey.base}/${journey.saasid}/session/end`,
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
    });

    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: journey.redirectUri,
      scope: 'openid offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      login_hint: ALICE_NAME_ID,
      prompt: 'consent',
    });
    const browser = new HttpBrowser();
    const landed = await signInAsAlice(browser, authorizationUrl, atRedirectUri);
    expect(landed.status, landed.body).toBe(0);
    const callback = new URL(landed.url);
    expect(callback.searchParams.get('iss')).toBe(issuer);

    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: issuer,
      aud: journey.saasid,
      email: ALICE_NAME_ID,
      groups: ['admins', 'staff'],
      'pingone.idp.id': CUSTOMER_IDP_ID,
      'pingone.saas.id': journey.saasid,
      'pingone.subject': ALICE_NAME_ID,
    });
    expect(claims.sub).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokens.expires_in).toBe(3600);

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ sub: claims.sub, email: ALICE_NAME_ID, 'pingone.idp.id': CUSTOMER_IDP_ID });

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.claims()!.sub).toBe(claims.sub);

    const introspection = await client.tokenIntrospection(config, refreshed.access_token);
    expect(introspection).toMatchObject({ active: true, sub: claims.sub, client_id: journey.saasid, iss: issuer });

    const endSession = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: journey.postLogoutRedirectUri });
    const confirm = await browser.open(endSession.href);
    expect(confirm.status, confirm.body).toBe(200);
    expect(confirm.body).toContain('Sign out of Dashboard?');
    const signedOut = await browser.submit(confirm, { logout: 'yes' }, { stopAt: (url) => url.href.startsWith(journey.postLogoutRedirectUri) });
    expect(signedOut.url).toBe(journey.postLogoutRedirectUri);
  });

  /** A sign-in through the whole flow; the ID token's header and claims. */
  const signIn = async (config: client.Configuration) => {
    const verifier = client.randomPKCECodeVerifier();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: journey.redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      login_hint: ALICE_NAME_ID,
    });
    const landed = await signInAsAlice(new HttpBrowser(), authorizationUrl, atRedirectUri);
    const tokens = await client.authorizationCodeGrant(config, new URL(landed.url), { pkceCodeVerifier: verifier, idTokenExpected: true });
    const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString('utf8')) as { alg: string; kid: string };
    return { header, claims: tokens.claims()! };
  };
  const publishedKids = async () => {
    const jwks = (await (await fetch(`${journey.base}/sso/as/jwks`)).json()) as { keys: { kid: string; kty: string; d?: string }[] };
    expect(jwks.keys.every((key) => key.kty === 'RSA' && key.d === undefined)).toBe(true);
    return jwks.keys.map((key) => key.kid);
  };

  it('publishes a renewal key before it signs, and signs with it once promoted', async () => {
    const config = await journey.discover();
    const actor = { kind: 'operator' as const, id: 'test', label: 'test', accountId: journey.accountId, sourceIp: '127.0.0.1' };
    const [active] = (await journey.app.services.signingKeys.listKeys(journey.accountId)).filter((k) => k.status === 'active');
    const before = await signIn(config);
    expect(before.header).toMatchObject({ alg: 'RS256', kid: active!.id });

    const renewal = await journey.app.services.signingKeys.addRenewalKey(actor);
    // The customer's IdP imports our metadata with the renewal key, as it must before promotion.
    const [configuration] = await journey.app.services.customers.idpConfiguration(journey.accountId, CUSTOMER_IDP_ID);
    await journey.idp.configure({ spMetadata: [configuration!.metadataXml] });
    expect(await publishedKids()).toEqual(expect.arrayContaining([active!.id, renewal.id]));
    // Published, not yet signing: a client that cached the key set already knows the next key.
    expect((await signIn(config)).header.kid).toBe(active!.id);

    await journey.app.services.signingKeys.promoteRenewalKey(actor);
    // A fresh client configuration: openid-client refetches a key set only so often.
    const after = await signIn(await journey.discover());
    expect(after.header.kid).toBe(renewal.id);
    expect(after.claims.sub).toBe(before.claims.sub);
    expect(await publishedKids()).not.toContain(active!.id);
  });
});
