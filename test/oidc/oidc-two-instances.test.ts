import http from 'node:http';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { HttpBrowser } from '../helpers/http-browser.js';
import { closeServer, listenOnLoopback } from '../helpers/loopback-server.js';
import { ALICE_NAME_ID, CUSTOMER_IDP_ID, signInAsAlice, startOidcJourney, type OidcJourney } from '../helpers/oidc-journey.js';
import { startInstance, type TestInstance } from '../helpers/test-app.js';
import { WallClock } from '../helpers/test-clock.js';
import { requireLasso } from '../interop/peers.js';
import { SIGNING_KEYS_TOPIC } from '../../src/domain/keys/signing-key-service.js';

/**
 * Two instances behind one public URL share one database: the authorization request, the IdP's
 * response and the code are handled by the first, the token request, userinfo and refresh by the
 * second, and openid-client accepts what the second answers (same issuer, same keys).
 */
afterAll(async () => dropTestDatabases());

describe.each(testDialects)('a code issued by one instance is redeemed on another (%s)', (dialect) => {
  let journey: OidcJourney;
  let second: TestInstance;
  let secondServer: http.Server;
  let secondBase: string;

  beforeAll(async () => {
    requireLasso();
    journey = await startOidcJourney(dialect);
    second = await startInstance(journey.instance.location, { clock: new WallClock(), env: { PUBLIC_URL: journey.base } });
    await second.app.ready();
    secondServer = http.createServer(second.app.routing);
    secondBase = await listenOnLoopback(secondServer);
  });
  afterAll(async () => {
    if (secondServer) await closeServer(secondServer);
    await second?.close();
    await journey?.close();
  });

  it('redeems, refreshes and answers userinfo on the second instance', async () => {
    const first = await journey.discover();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const authorizationUrl = client.buildAuthorizationUrl(first, {
      redirect_uri: journey.redirectUri,
      scope: 'openid offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      login_hint: ALICE_NAME_ID,
      prompt: 'consent',
    });
    const landed = await signInAsAlice(new HttpBrowser(), authorizationUrl, (url) => url.href.startsWith(journey.redirectUri));
    expect(landed.status, landed.body).toBe(0);

    // The same issuer and keys; the second instance's own address for what the app calls.
    const metadata = first.serverMetadata();
    const onSecond = (url: string | undefined) => url!.replace(journey.base, secondBase);
    const secondConfig = new client.Configuration(
      {
        issuer: metadata.issuer,
        id_token_signing_alg_values_supported: metadata.id_token_signing_alg_values_supported,
        token_endpoint: onSecond(metadata.token_endpoint),
        userinfo_endpoint: onSecond(metadata.userinfo_endpoint),
        jwks_uri: onSecond(metadata.jwks_uri),
      },
      journey.saasid,
      { client_secret: journey.clientSecret },
      client.ClientSecretBasic(journey.clientSecret),
    );
    client.allowInsecureRequests(secondConfig);
    const tokens = await client.authorizationCodeGrant(secondConfig, new URL(landed.url), { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: `${journey.base}/${journey.saasid}`, email: ALICE_NAME_ID });
    expect(await client.fetchUserInfo(secondConfig, tokens.access_token, claims.sub)).toMatchObject({ email: ALICE_NAME_ID });
    const refreshed = await client.refreshTokenGrant(first, tokens.refresh_token!);
    expect(refreshed.claims()!.sub).toBe(claims.sub);
  });

  /** A sign-in on the first instance, its code redeemed on the second: the kid of the ID token the second signs. */
  const idTokenKidFromSecond = async () => {
    const first = await journey.discover();
    const verifier = client.randomPKCECodeVerifier();
    const authorizationUrl = client.buildAuthorizationUrl(first, {
      redirect_uri: journey.redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      login_hint: ALICE_NAME_ID,
    });
    const landed = await signInAsAlice(new HttpBrowser(), authorizationUrl, (url) => url.href.startsWith(journey.redirectUri));
    const res = await fetch(`${secondBase}/sso/as/token.oauth2`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${journey.saasid}:${journey.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: new URL(landed.url).searchParams.get('code')!, redirect_uri: journey.redirectUri, code_verifier: verifier }),
    });
    expect(res.status).toBe(200);
    const { id_token } = (await res.json()) as { id_token: string };
    return (JSON.parse(Buffer.from(id_token.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string }).kid;
  };

  /** Waits until the second instance answers the app's discovery with `status` (its change feed delivers within a second). */
  const secondAnswersDiscovery = async (status: number) => {
    for (let tries = 0; tries < 100; tries++) {
      const res = await fetch(`${secondBase}/${journey.saasid}/.well-known/openid-configuration`);
      if (res.status === status) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  };

  it("drops its cached provider when the app is disabled or its keys change on the other instance", async () => {
    const actor = { kind: 'operator' as const, id: 'test', label: 'test', accountId: journey.accountId, sourceIp: '127.0.0.1' };
    expect(await secondAnswersDiscovery(200)).toBe(true);
    await journey.app.services.applications.setApplicationEnabled(actor, journey.saasid, false);
    expect(await secondAnswersDiscovery(404)).toBe(true);
    await journey.app.services.applications.setApplicationEnabled(actor, journey.saasid, true);
    expect(await secondAnswersDiscovery(200)).toBe(true);

    // A key promoted on the first instance signs the second instance's ID tokens. The second
    // instance hears of each key change through its change feed (on SQLite, within its 200 ms poll).
    let keyChangesHeard = 0;
    const stopListening = second.database.changes.subscribe((event) => {
      if (event.topic === SIGNING_KEYS_TOPIC) keyChangesHeard++;
    });
    const heardOnSecond = async (count: number) => {
      while (keyChangesHeard < count) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    const renewal = await journey.app.services.signingKeys.addRenewalKey(actor);
    const [configuration] = await journey.app.services.customers.idpConfiguration(journey.accountId, CUSTOMER_IDP_ID);
    await journey.idp.configure({ spMetadata: [configuration!.metadataXml] });
    expect(await idTokenKidFromSecond()).not.toBe(renewal.id);
    await journey.app.services.signingKeys.promoteRenewalKey(actor);
    await heardOnSecond(2);
    stopListening();
    expect(await idTokenKidFromSecond()).toBe(renewal.id);
  });
});
