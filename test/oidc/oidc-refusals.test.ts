import { createHmac } from 'node:crypto';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { HttpBrowser, type BrowserPage } from '../helpers/http-browser.js';
import {
  addOidcApp,
  ALICE_NAME_ID,
  connectLassoCustomer,
  CUSTOMER_IDP_ID,
  signInAsAlice,
  startOidcJourney,
  type OidcJourney,
} from '../helpers/oidc-journey.js';
import { oidcAppInput } from '../helpers/oidc-app-input.js';
import { operatorActor } from '../helpers/test-app.js';
import { requireLasso } from '../interop/peers.js';

/**
 * What an OIDC app and its users are refused, each with the error the specs name: RFC 6749
 * §4.1.2.1 (errors on the redirect URI) and §5.2 (token endpoint), RFC 7636 §4.6 (PKCE), OIDC
 * Core §3.1.2.6. openid-client (a certified relying party) drives wherever it will send the
 * request; raw requests where it refuses to (it would not, for instance, redeem a code twice at once).
 */
afterAll(async () => dropTestDatabases());

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const SECOND_IDP_ID = 'customer002.com';
const CONCURRENT_REDEMPTIONS = 8;

/** The OAuth error (and HTTP status) a refused openid-client call ended with. */
async function refusal(call: Promise<unknown>): Promise<{ error: string | undefined; status: number | undefined; description?: string | undefined }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof client.ResponseBodyError) return { error: error.error, status: error.status, description: error.error_description };
    if (error instanceof client.AuthorizationResponseError) return { error: error.error, status: undefined, description: error.error_description };
    if (error instanceof client.WWWAuthenticateChallengeError) return { error: error.cause[0]?.parameters.error, status: error.status };
    throw error;
  }
  throw new Error('The call succeeded; a refusal was expected');
}

describe.each(testDialects)('an OIDC app is refused what the specs refuse (%s)', (dialect) => {
  let journey: OidcJourney;
  let config: client.Configuration;
  /** Same account, same customer: client_secret_basic, PKCE S256 only. */
  let sibling: { saasid: string; clientSecret: string; config: client.Configuration };
  /** Allows PKCE `plain`. */
  let plainApp: { saasid: string; clientSecret: string; config: client.Configuration };
  /** Authenticates at the token endpoint with client_secret_post. */
  let postApp: { saasid: string; clientSecret: string };
  /** An OIDC app of another account. */
  let foreign: { saasid: string; clientSecret: string; config: client.Configuration };
  let secondCustomer: Awaited<ReturnType<typeof connectLassoCustomer>>;

  beforeAll(async () => {
    requireLasso();
    // Every sign-in here comes from 127.0.0.1: the per-address SSO limit is for real traffic, not for this suite.
    journey = await startOidcJourney(dialect, {}, { SSO_REQUESTS_PER_MINUTE: '100000', SSO_REQUESTS_BURST: '100000' });
    config = await journey.discover();
    const attributes = { refreshTokens: true, requiredAttributes: [{ name: 'email', required: true }] };
    const siblingApp = await addOidcApp(journey, 'Reports', attributes);
    sibling = { ...siblingApp, config: await journey.discover({ saasid: siblingApp.saasid, secret: siblingApp.clientSecret }) };
    const plain = await addOidcApp(journey, 'Legacy', { ...attributes, allowPlainPkce: true });
    plainApp = { ...plain, config: await journey.discover({ saasid: plain.saasid, secret: plain.clientSecret }) };
    postApp = await addOidcApp(journey, 'Billing', { ...attributes, tokenEndpointAuthMethod: 'client_secret_post' });
    const { account } = await journey.app.services.accounts.createAccount(operatorActor, 'Other SaaS');
    const other = await journey.app.services.applications.createApplication(operatorActor(account.id), oidcAppInput('Dashboard', { redirectUris: [journey.redirectUri], refreshTokens: true }));
    foreign = { saasid: other.saasid, clientSecret: other.firstClientSecret!.secret, config: await journey.discover({ saasid: other.saasid, secret: other.firstClientSecret!.secret }) };
    secondCustomer = await connectLassoCustomer(journey, SECOND_IDP_ID, [journey.saasid], {
      // The same NameID as the first customer's alice: another customer's user all the same.
      alice: { nameId: ALICE_NAME_ID, nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', attributes: { email: [ALICE_NAME_ID] } },
    });
  });
  afterAll(async () => {
    await secondCustomer?.close();
    await journey?.close();
  });

  const atRedirectUri = (url: URL) => url.href.startsWith(journey.redirectUri);

  interface Authorization {
    /** The redirect URI the browser was sent to (code or error), or the page it stopped on. */
    callback: URL;
    page: BrowserPage;
    verifier: string;
    state: string;
    nonce: string;
    /** Every URL the browser requested. */
    visited: URL[];
  }

  /**
   * alice opens an authorization URL (PKCE S256, login_hint for the first customer, unless
   * `params` say otherwise; an undefined value drops the parameter) and signs in where asked.
   */
  async function authorize(params: Record<string, string | undefined> = {}, rp: client.Configuration = config): Promise<Authorization> {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const all: Record<string, string | undefined> = {
      redirect_uri: journey.redirectUri,
      scope: 'openid offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      login_hint: ALICE_NAME_ID,
      ...params,
    };
    const url = client.buildAuthorizationUrl(rp, Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined)));
    const visited: URL[] = [];
    const page = await signInAsAlice(new HttpBrowser(), url, (next) => {
      visited.push(next);
      return atRedirectUri(next);
    });
    return { callback: new URL(page.url), page, verifier, state, nonce, visited };
  }

  /** A code for alice and the tokens it gives, redeemed by openid-client. */
  async function signedIn(rp: client.Configuration = config) {
    const auth = await authorize({}, rp);
    expect(auth.page.status, auth.page.body).toBe(0);
    const tokens = await client.authorizationCodeGrant(rp, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state, expectedNonce: auth.nonce });
    return { auth, tokens };
  }

  /** A token endpoint request as sent by hand, authenticated with HTTP Basic (RFC 6749 §2.3.1) unless `post`. */
  async function tokenRequest(form: Record<string, string>, credentials: { saasid: string; secret: string; post?: boolean }) {
    const basic = `Basic ${Buffer.from(`${encodeURIComponent(credentials.saasid)}:${encodeURIComponent(credentials.secret)}`).toString('base64')}`;
    const body = new URLSearchParams(credentials.post ? { ...form, client_id: credentials.saasid, client_secret: credentials.secret } : form);
    const res = await fetch(`${journey.base}/sso/as/token.oauth2`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...(!credentials.post && { authorization: basic }) },
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  const codeGrant = (auth: Authorization, verifier = auth.verifier) => ({
    grant_type: 'authorization_code',
    code: auth.callback.searchParams.get('code') ?? '',
    redirect_uri: journey.redirectUri,
    code_verifier: verifier,
  });

  const userinfoStatus = async (accessToken: string, saasid = journey.saasid) => {
    const res = await fetch(`${journey.base}/${saasid}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    return { status: res.status, challenge: res.headers.get('www-authenticate') ?? '' };
  };

  describe('redirect URIs (RFC 6749 §4.1.2.1, §3.1.2.4: never redirect to an unregistered URI)', () => {
    it.each([
      ['unregistered', 'http://127.0.0.1:3000/elsewhere'],
      ['a trailing slash added', 'http://127.0.0.1:3000/callback/'],
      ['a query added', 'http://127.0.0.1:3000/callback?next=/admin'],
      ['another host', 'https://attacker.example/callback'],
    ])('a redirect_uri %s gets our error page, not a redirect', async (_case, redirectUri) => {
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        state: 'st',
      });
      const res = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
      const body = await res.text();
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      // node-oidc-provider's name for it (OIDC Core §3.1.2.6 names none; RFC 6749 says only "MUST NOT redirect").
      expect(body).toContain('invalid_redirect_uri');
      expect(body).not.toContain(redirectUri);
    });
  });

  describe('PKCE (RFC 7636)', () => {
    it('a code_verifier that does not match the challenge is invalid_grant (§4.6)', async () => {
      const auth = await authorize();
      const refused = await refusal(
        client.authorizationCodeGrant(config, auth.callback, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: auth.state, expectedNonce: auth.nonce }),
      );
      expect(refused).toMatchObject({ error: 'invalid_grant', status: 400 });
      // The right verifier still works: the code was refused for the verifier alone.
      const tokens = await client.authorizationCodeGrant(config, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state, expectedNonce: auth.nonce });
      expect(tokens.access_token).toBeTruthy();
    });

    it('an app that requires PKCE gets invalid_request on its redirect URI when code_challenge is missing, and no request reaches the IdP', async () => {
      const auth = await authorize({ code_challenge: undefined, code_challenge_method: undefined });
      expect(auth.page.status).toBe(0);
      expect(auth.callback.origin + auth.callback.pathname).toBe(journey.redirectUri);
      expect(auth.callback.searchParams.get('state')).toBe(auth.state);
      expect(auth.callback.searchParams.has('code')).toBe(false);
      expect(auth.visited.some((u) => u.href.startsWith(journey.idp.ssoUrl))).toBe(false);
      const refused = await refusal(client.authorizationCodeGrant(config, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state }));
      expect(refused.error).toBe('invalid_request');
    });

    it('code_challenge_method=plain is invalid_request for an app that does not allow it', async () => {
      const verifier = client.randomPKCECodeVerifier();
      const auth = await authorize({ code_challenge: verifier, code_challenge_method: 'plain' });
      expect(auth.callback.searchParams.has('code')).toBe(false);
      expect(auth.visited.some((u) => u.href.startsWith(journey.idp.ssoUrl))).toBe(false);
      const refused = await refusal(client.authorizationCodeGrant(config, auth.callback, { pkceCodeVerifier: verifier, expectedState: auth.state }));
      expect(refused.error).toBe('invalid_request');
    });

    it('code_challenge_method=plain works end to end for an app with allowPlainPkce, and a wrong verifier is still invalid_grant', async () => {
      const verifier = client.randomPKCECodeVerifier();
      const first = await authorize({ code_challenge: verifier, code_challenge_method: 'plain' }, plainApp.config);
      expect(first.page.status, first.page.body).toBe(0);
      expect(first.callback.searchParams.has('code')).toBe(true);
      const tokens = await client.authorizationCodeGrant(plainApp.config, first.callback, { pkceCodeVerifier: verifier, expectedState: first.state, expectedNonce: first.nonce });
      expect(tokens.claims()).toMatchObject({ aud: plainApp.saasid, email: ALICE_NAME_ID });

      const second = await authorize({ code_challenge: verifier, code_challenge_method: 'plain' }, plainApp.config);
      const refused = await refusal(
        client.authorizationCodeGrant(plainApp.config, second.callback, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: second.state, expectedNonce: second.nonce }),
      );
      expect(refused).toMatchObject({ error: 'invalid_grant', status: 400 });
    });
  });

  describe('authorization code reuse (RFC 6749 §4.1.2, §10.5)', () => {
    it('a code redeemed twice is invalid_grant, and the tokens of the first redemption are revoked', async () => {
      const { auth, tokens } = await signedIn();
      expect((await userinfoStatus(tokens.access_token)).status).toBe(200);

      const again = await refusal(client.authorizationCodeGrant(config, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state, expectedNonce: auth.nonce }));
      expect(again).toMatchObject({ error: 'invalid_grant', status: 400 });

      expect(await refusal(client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck))).toMatchObject({ error: 'invalid_token', status: 401 });
      expect(await client.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
      expect(await client.tokenIntrospection(config, tokens.refresh_token!)).toEqual({ active: false });
      expect(await refusal(client.refreshTokenGrant(config, tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant', status: 400 });
    });

    it('concurrent redemptions of one code: exactly one gets tokens, the others invalid_grant, and the reuse revokes them', async () => {
      const auth = await authorize();
      const credentials = { saasid: journey.saasid, secret: journey.clientSecret };
      // Several at once, not two: with two, both requests pass the library's own `consumed` check
      // before either marks the code only now and then; with eight it happens on every PostgreSQL
      // run, so the conditional update in OidcDatabaseAdapter.consume() is what is tested there
      // (without it, every racing request got tokens). SQLite runs them one after another.
      const results = await Promise.all(Array.from({ length: CONCURRENT_REDEMPTIONS }, () => tokenRequest(codeGrant(auth), credentials)));
      const winners = results.filter((r) => r.status === 200);
      const losers = results.filter((r) => r.status !== 200);
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(CONCURRENT_REDEMPTIONS - 1);
      for (const loser of losers) expect(loser).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      // RFC 6749 §4.1.2: the second use SHOULD revoke what the code issued, and here it does whichever
      // request came second. The loser either saw the code consumed (oidc-provider then revokes the
      // grant) or passed that check at the same moment as the winner and lost the conditional update
      // in OidcDatabaseAdapter.consume(), which revokes the grant before answering invalid_grant. The
      // winner's tokens are checked against their grant on every use, so tokens the winner saved after
      // that revocation are refused as well: the reuse revokes them whatever the interleaving.
      const accessToken = String(winners[0]!.body.access_token);
      expect(await userinfoStatus(accessToken)).toMatchObject({ status: 401, challenge: expect.stringContaining('invalid_token') });
      expect(await client.tokenIntrospection(config, accessToken)).toEqual({ active: false });
      expect(await refusal(client.refreshTokenGrant(config, String(winners[0]!.body.refresh_token)))).toMatchObject({ error: 'invalid_grant' });
    });
  });

  it('an expired code is invalid_grant (RFC 6749 §5.2)', async () => {
    const auth = await authorize();
    const code = auth.callback.searchParams.get('code')!;
    // The code lives 60 s (ttl.AuthorizationCode). Instead of waiting, its row is dated as the
    // adapter would have written it 61 s earlier: expires_at is what the adapter's reads filter on,
    // and the payload's iat/exp are what oidc-provider checks itself (BaseToken isExpired). Both are
    // moved by the same amount, so the code looks exactly as a 61 s old one does, and the request is
    // refused by the same checks.
    const { db } = journey.instance.database;
    const row = await db.selectFrom('oidc_payloads').select(['payload', 'expires_at']).where('model', '=', 'AuthorizationCode').where('id', '=', code).executeTakeFirstOrThrow();
    const payload = JSON.parse(row.payload) as { iat: number; exp: number };
    const aged = { ...payload, iat: payload.iat - 61, exp: payload.exp - 61 };
    expect(payload.exp - payload.iat).toBe(60);
    await db
      .updateTable('oidc_payloads')
      .set({ payload: JSON.stringify(aged), expires_at: Number(row.expires_at) - 61_000 })
      .where('model', '=', 'AuthorizationCode')
      .where('id', '=', code)
      .execute();
    const refused = await refusal(client.authorizationCodeGrant(config, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state, expectedNonce: auth.nonce }));
    expect(refused).toMatchObject({ error: 'invalid_grant', status: 400 });
  });

  describe('client authentication (RFC 6749 §5.2: invalid_client)', () => {
    it('a wrong secret with client_secret_basic is invalid_client, 401', async () => {
      const auth = await authorize();
      const wrong = await journey.discover({ secret: `${journey.clientSecret}x` });
      const refused = await refusal(client.authorizationCodeGrant(wrong, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state, expectedNonce: auth.nonce }));
      expect(refused).toMatchObject({ error: 'invalid_client', status: 401 });
      // The code is unharmed: with the right secret it is redeemed.
      await expect(client.authorizationCodeGrant(config, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state, expectedNonce: auth.nonce })).resolves.toBeTruthy();
    });

    it('a wrong secret with client_secret_post is invalid_client, 401, and the right one works', async () => {
      const postConfig = await journey.discover({ saasid: postApp.saasid, secret: postApp.clientSecret, auth: 'post' });
      const auth = await authorize({}, postConfig);
      const wrong = await journey.discover({ saasid: postApp.saasid, secret: 'not-the-secret', auth: 'post' });
      expect(await refusal(client.authorizationCodeGrant(wrong, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state }))).toMatchObject({
        error: 'invalid_client',
        status: 401,
      });
      const tokens = await client.authorizationCodeGrant(postConfig, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state, expectedNonce: auth.nonce });
      expect(tokens.claims()?.aud).toBe(postApp.saasid);
    });

    it("another app's secret is invalid_client", async () => {
      const auth = await authorize();
      const borrowed = await journey.discover({ secret: sibling.clientSecret });
      expect(await refusal(client.authorizationCodeGrant(borrowed, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state }))).toMatchObject({
        error: 'invalid_client',
        status: 401,
      });
    });

    it('an unknown client_id is invalid_client, 401', async () => {
      for (const clientId of ['00000000-0000-4000-8000-000000000000', 'not-a-client']) {
        const res = await tokenRequest({ grant_type: 'authorization_code', code: 'x', redirect_uri: journey.redirectUri, code_verifier: 'v'.repeat(43) }, { saasid: clientId, secret: 's' });
        expect(res).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
      }
    });

    it('rotation: with two secrets both work; a deleted one is refused at once while the other still works', async () => {
      const actor = operatorActor(journey.accountId);
      const added = await journey.app.services.oidcClientSecrets.addSecret(actor, sibling.saasid);
      const withOld = sibling.config;
      const withNew = await journey.discover({ saasid: sibling.saasid, secret: added.secret });
      // Introspection authenticates the client the same way as the token endpoint; an unknown token is just inactive.
      expect(await client.tokenIntrospection(withOld, 'no-such-token')).toEqual({ active: false });
      expect(await client.tokenIntrospection(withNew, 'no-such-token')).toEqual({ active: false });

      const old = (await journey.app.services.oidcClientSecrets.listSecrets(journey.accountId, sibling.saasid)).find((s) => s.id !== added.view.id)!;
      await journey.app.services.oidcClientSecrets.deleteSecret(actor, sibling.saasid, old.id);
      expect(await refusal(client.tokenIntrospection(withOld, 'no-such-token'))).toMatchObject({ error: 'invalid_client', status: 401 });
      const auth = await authorize({}, withNew);
      expect(await refusal(client.authorizationCodeGrant(withOld, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state }))).toMatchObject({
        error: 'invalid_client',
        status: 401,
      });
      const tokens = await client.authorizationCodeGrant(withNew, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state, expectedNonce: auth.nonce });
      expect(tokens.claims()?.aud).toBe(sibling.saasid);
      sibling.config = withNew;
      sibling.clientSecret = added.secret;
    });
  });

  describe("one app's codes and tokens do not work for another app", () => {
    it.each([
      ['another app of the same account', () => sibling],
      ['an app of another account', () => foreign],
    ])('a code redeemed by %s, with its own valid credentials, is invalid_grant', async (_case, other) => {
      const auth = await authorize();
      // Sent by hand: openid-client itself refuses a callback whose `iss` is another issuer (RFC 9207).
      const refused = await tokenRequest(codeGrant(auth), { saasid: other().saasid, secret: other().clientSecret });
      expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      // The code still belongs to its app, which redeems it.
      await expect(client.authorizationCodeGrant(config, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state, expectedNonce: auth.nonce })).resolves.toBeTruthy();
    });

    it("another app's introspection sees the access token as inactive, and its userinfo refuses it", async () => {
      const { tokens } = await signedIn();
      expect(await client.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: true });
      for (const other of [sibling, foreign]) {
        expect(await client.tokenIntrospection(other.config, tokens.access_token)).toEqual({ active: false });
        expect(await client.tokenIntrospection(other.config, tokens.refresh_token!)).toEqual({ active: false });
        expect(await userinfoStatus(tokens.access_token, other.saasid)).toMatchObject({ status: 401, challenge: expect.stringContaining('invalid_token') });
        const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, { saasid: other.saasid, secret: other.clientSecret });
        expect(refreshed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      }
      // At its own app's userinfo the token still works.
      expect((await userinfoStatus(tokens.access_token)).status).toBe(200);
    });
  });

  describe('who signs in (OIDC Core §3.1.2.6)', () => {
    it.each([
      ['a login_hint for an unknown domain', { login_hint: 'nobody@unknown.example' }],
      ['a login_hint naming an unknown domain alone', { login_hint: 'unknown.example' }],
      ['an unknown idpid', { idpid: 'unknown.example', login_hint: undefined }],
    ])('%s: the app gets invalid_request with its state, and the IdP is never asked', async (_case, params) => {
      const auth = await authorize(params);
      expect(auth.page.status, auth.page.body).toBe(0);
      expect(auth.callback.origin + auth.callback.pathname).toBe(journey.redirectUri);
      expect(auth.callback.searchParams.get('error')).toBe('invalid_request');
      expect(auth.callback.searchParams.get('state')).toBe(auth.state);
      expect(auth.callback.searchParams.has('code')).toBe(false);
      expect(auth.visited.some((u) => u.origin === new URL(journey.idp.ssoUrl).origin)).toBe(false);
      const refused = await refusal(client.authorizationCodeGrant(config, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state }));
      expect(refused.error).toBe('invalid_request');
    });

    it('an IdP response the ACS refuses (unsigned) gives the app access_denied with a request ID and no detail', async () => {
      await journey.idp.configure({ sign: 'none' });
      let auth: Authorization;
      try {
        auth = await authorize();
      } finally {
        await journey.idp.configure({ sign: 'both' });
      }
      expect(auth.page.status, auth.page.body).toBe(0);
      expect(auth.visited.some((u) => u.href.startsWith(journey.idp.ssoUrl))).toBe(true);
      expect(auth.callback.searchParams.get('error')).toBe('access_denied');
      expect(auth.callback.searchParams.get('state')).toBe(auth.state);
      expect(auth.callback.searchParams.has('code')).toBe(false);
      const description = auth.callback.searchParams.get('error_description') ?? '';
      expect(description).toMatch(new RegExp(`^The sign-in at the identity provider did not succeed\\. Request ID: ${UUID.source}\\.$`));
      expect(description).not.toMatch(/UNSIGNED|sign(ed|ature)|assertion|SAML/i);
      const refused = await refusal(client.authorizationCodeGrant(config, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state }));
      expect(refused.error).toBe('access_denied');
      // Signing restored, the same app signs alice in again.
      await signedIn();
    });
  });

  describe('signatures: RS256 with our keys, nothing weaker', () => {
    it('the ID token is RS256 with a kid published at /sso/as/jwks, and discovery offers no none or HS256', async () => {
      const { tokens } = await signedIn();
      const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString('utf8')) as { alg: string; kid: string };
      expect(header.alg).toBe('RS256');
      const jwks = (await (await fetch(`${journey.base}/sso/as/jwks`)).json()) as { keys: { kid: string; kty: string; alg: string }[] };
      expect(jwks.keys.find((k) => k.kid === header.kid)).toMatchObject({ kty: 'RSA', alg: 'RS256' });
      expect(jwks.keys.every((k) => k.kty === 'RSA')).toBe(true);

      const metadata = config.serverMetadata();
      expect(metadata.id_token_signing_alg_values_supported).toEqual(['RS256']);
      // Only what an app can register: no `none` (public clients), no client_secret_jwt (HS256 assertions).
      expect(metadata.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post']);
      for (const [name, value] of Object.entries(metadata)) {
        if (!name.endsWith('_alg_values_supported') || name.includes('encryption')) continue;
        expect(value, name).not.toContain('none');
        expect(value, name).not.toContain('HS256');
      }
    });

    it('an authorization request cannot ask for another algorithm: request objects are refused, other parameters ignored', async () => {
      // OIDC Core §6: a request object could carry other parameters; it is not supported (request_not_supported, §3.1.2.6).
      const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ id_token_signed_response_alg: 'none' })).toString('base64url')}.`;
      const byRequest = await authorize({ request: unsigned });
      expect(byRequest.callback.searchParams.get('error')).toBe('request_not_supported');
      expect(byRequest.callback.searchParams.get('state')).toBe(byRequest.state);
      const byReference = await authorize({ request_uri: 'https://attacker.example/request.jwt' });
      expect(byReference.callback.searchParams.get('error')).toBe('request_uri_not_supported');

      // Registration metadata sent as authorization parameters is not a registration: the ID token stays RS256.
      const asked = await authorize({ id_token_signed_response_alg: 'HS256', userinfo_signed_response_alg: 'none', alg: 'none' });
      const tokens = await client.authorizationCodeGrant(config, asked.callback, { pkceCodeVerifier: asked.verifier, expectedState: asked.state, expectedNonce: asked.nonce });
      expect(JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString('utf8'))).toMatchObject({ alg: 'RS256' });
      // And an id_token_hint signed HS256 (an alg-confusion attempt with the client's secret) is not accepted at end session.
      const forged = hs256Jwt({ iss: `${journey.base}/${journey.saasid}`, aud: journey.saasid, sub: tokens.claims()!.sub, exp: Math.floor(Date.now() / 1000) + 300 }, journey.clientSecret);
      const res = await fetch(client.buildEndSessionUrl(config, { id_token_hint: forged }), { redirect: 'manual', headers: { accept: 'text/html' } });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('invalid_request');
    });
  });

  describe('subjects (OIDC Core §2: sub is locally unique and never reassigned)', () => {
    it('alice has the same sub at every sign-in and in every app of the account; the same NameID of another customer has another sub', async () => {
      const first = (await signedIn()).tokens.claims()!;
      const again = (await signedIn()).tokens.claims()!;
      expect(again.sub).toBe(first.sub);
      expect(again['pingone.idp.id']).toBe(CUSTOMER_IDP_ID);

      const inSibling = (await signedIn(sibling.config)).tokens.claims()!;
      expect(inSibling.aud).toBe(sibling.saasid);
      expect(inSibling.sub).toBe(first.sub);

      const auth = await authorize({ idpid: SECOND_IDP_ID, login_hint: undefined });
      expect(auth.page.status, auth.page.body).toBe(0);
      expect(auth.visited.some((u) => u.href.startsWith(secondCustomer.idp.ssoUrl))).toBe(true);
      const other = (await client.authorizationCodeGrant(config, auth.callback, { pkceCodeVerifier: auth.verifier, expectedState: auth.state, expectedNonce: auth.nonce })).claims()!;
      expect(other).toMatchObject({ 'pingone.idp.id': SECOND_IDP_ID, 'pingone.subject': ALICE_NAME_ID, email: ALICE_NAME_ID });
      expect(other.sub).not.toBe(first.sub);
    });
  });
});

/** A JWT signed HS256 with `secret`. */
function hs256Jwt(claims: Record<string, unknown>, secret: string): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
