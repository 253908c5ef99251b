import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { HttpBrowser } from '../helpers/http-browser.js';
import { oidcAppInput } from '../helpers/oidc-app-input.js';
import { ALICE_NAME_ID, CUSTOMER_IDP_ID, signInAsAlice, startOidcJourney, type OidcJourney } from '../helpers/oidc-journey.js';
import { operatorActor } from '../helpers/test-app.js';
import { requireLasso } from '../interop/peers.js';

/**
 * What a customer's IdP is trusted with, and for how long: it asserts the user's attributes, not
 * the protocol's claims, and its users' tokens last only while the customer is connected to the
 * application and enabled.
 */
afterAll(async () => dropTestDatabases());

describe.each(testDialects)("OIDC trusts a customer's IdP with its users' attributes only, and only while connected (%s)", (dialect) => {
  let journey: OidcJourney;
  beforeAll(async () => {
    requireLasso();
    journey = await startOidcJourney(dialect);
  });
  afterAll(async () => journey?.close());

  const signIn = async () => {
    const config = await journey.discover();
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: journey.redirectUri,
      scope: 'openid offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      login_hint: ALICE_NAME_ID,
      prompt: 'consent',
    });
    const landed = await signInAsAlice(new HttpBrowser(), url, (u) => u.href.startsWith(journey.redirectUri));
    const tokens = await client.authorizationCodeGrant(config, new URL(landed.url), { pkceCodeVerifier: verifier, idTokenExpected: true });
    return { config, tokens };
  };

  /** The WWW-Authenticate challenge of a refused userinfo call (RFC 6750 §3). */
  const userinfoRefusal = async (accessToken: string) => {
    const res = await fetch(`${journey.base}/${journey.saasid}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(res.status).toBe(401);
    return res.headers.get('www-authenticate') ?? '';
  };

  it('refuses application attributes named like protocol claims, so no IdP can set email_verified, nonce or iat', async () => {
    const actor = operatorActor(journey.accountId);
    for (const name of ['email_verified', 'nonce', 'iat', 'acr', 'sub']) {
      const refused = journey.app.services.applications.createApplication(actor, oidcAppInput('Spoofable', { requiredAttributes: [{ name, required: false }] }));
      await expect(refused, name).rejects.toMatchObject({ code: 'VALIDATION_FAILED', fields: [expect.objectContaining({ field: 'requiredAttributes' })] });
    }
  });

  it("puts the IdP's authentication context in the ID token as acr", async () => {
    const { tokens } = await signIn();
    expect(tokens.claims()!.acr).toBe('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport');
  });

  it("ends a customer's refresh tokens and userinfo once it is disconnected from the app", async () => {
    const { config, tokens } = await signIn();
    const sub = tokens.claims()!.sub;
    const actor = operatorActor(journey.accountId);
    await expect(client.fetchUserInfo(config, tokens.access_token, sub)).resolves.toMatchObject({ email: ALICE_NAME_ID });

    await journey.app.services.customers.setCustomerEnabled(actor, CUSTOMER_IDP_ID, false);
    expect(await userinfoRefusal(tokens.access_token)).toContain('error="invalid_token"');
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await journey.app.services.customers.setCustomerEnabled(actor, CUSTOMER_IDP_ID, true);

    const again = await signIn();
    await journey.app.services.customers.removeAppConnection(actor, CUSTOMER_IDP_ID, journey.saasid);
    await expect(client.refreshTokenGrant(again.config, again.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await userinfoRefusal(again.tokens.access_token)).toContain('error="invalid_token"');
  });
});
