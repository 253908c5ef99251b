import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { HttpBrowser } from '../helpers/http-browser.js';
import { ALICE_NAME_ID, signInAsAlice, startOidcJourney, type OidcJourney } from '../helpers/oidc-journey.js';
import { startInstance, type TestInstance } from '../helpers/test-app.js';
import { WallClock } from '../helpers/test-clock.js';
import { requireLasso } from '../interop/peers.js';

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
    await new Promise<void>((resolve) => secondServer.listen(0, '127.0.0.1', resolve));
    secondBase = `http://127.0.0.1:${(secondServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    secondServer?.closeAllConnections();
    await new Promise((resolve) => secondServer?.close(resolve));
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
});
