import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { authnRequestFromRedirect, autoPostForm, CUSTOMER_IDP, CUSTOMER_SSO, idpResponse, ssoSetUp } from '../helpers/sso-fixture.js';

afterAll(dropTestDatabases);

const BASE = 'http://localhost:8080';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const errorOf = (location: unknown) => new URL(String(location)).searchParams.get('error');

/**
 * Posts a response signed by the customer's IdP to the connection's ACS URL, as that IdP would: a
 * non-multiplexed connection's ACS URL (and audience) names the app, as an IdP-initiated response would.
 */
function acsPoster(app: App, s: Awaited<ReturnType<typeof ssoSetUp>>, multiplexed: boolean) {
  const acsPath = multiplexed ? '/sso/sp/ACS.saml2' : `/sso/sp/ACS.saml2?saasid=${s.rest.saasid}`;
  const audience = multiplexed ? `${BASE}/saml/sp/${s.accountId}` : `${BASE}/saml/sp/${s.accountId}/${s.rest.saasid}`;
  return (inResponseTo: string | null, relayState: string) =>
    app.inject({
      method: 'POST',
      url: acsPath,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ SAMLResponse: idpResponse(s.idpKey, { destination: `${BASE}${acsPath}`, audience, inResponseTo }), RelayState: relayState }),
    });
}

/**
 * Responses that answer no request of ours (no InResponseTo): IdP-initiated sign-ins, which a
 * customer connection may refuse, and answers to our own requests with InResponseTo removed.
 */
describe.each(testDialects)('Unsolicited responses (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  it('refuses IdP-initiated sign-in through a connection that turned it off, and still completes SP-initiated ones', async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app);
    const connection = { entityId: CUSTOMER_IDP, ssoUrl: CUSTOMER_SSO, certificates: [s.idpKey.certificatePem], emailDomains: ['customer001.com'] };
    await app.services.customers.putCustomer(s.actor, 'customer001.com', { ...connection, idpInitiatedLogin: false });
    const post = acsPoster(app, s, true);
    const unsolicited = () => post(null, `https://pingone.com/1.0/${s.rest.saasid}`);

    const refused = await unsolicited();
    expect(refused.statusCode, refused.body).toBe(303);
    expect(String(refused.headers.location).startsWith('https://app.example.com/sso/error?')).toBe(true);
    expect(errorOf(refused.headers.location)).toBe('IDP_INITIATED_DISABLED');
    const [logged] = (await app.services.ssoLog.list(s.accountId, {})).events;
    expect(logged).toMatchObject({ outcome: 'failure', reason: 'IDP_INITIATED_DISABLED', idpId: 'customer001.com', saasid: s.rest.saasid });

    // Sign-ins started from the application are not affected.
    const init = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com` });
    const request = authnRequestFromRedirect(init.headers.location as string);
    const spInitiated = await post(request.id, request.relayState);
    expect(spInitiated.statusCode, spInitiated.body).toBe(200);

    // An update that leaves the setting out keeps it off; turned back on, the IdP may start sign-ins again.
    await app.services.customers.putCustomer(s.actor, 'customer001.com', { ...connection, enabled: true });
    expect(errorOf((await unsolicited()).headers.location)).toBe('IDP_INITIATED_DISABLED');
    await app.services.customers.putCustomer(s.actor, 'customer001.com', { ...connection, idpInitiatedLogin: true });
    const accepted = await unsolicited();
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(autoPostForm(accepted.body).action).toBe('https://app.example.com/sso/landing');
  });

  it.each([
    ['non-multiplexed', false],
    ['multiplexed', true],
  ] as const)('refuses an answer to our request with InResponseTo removed that brings back our RelayState (%s connection)', async (_label, multiplexed) => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app, { multiplexed });
    const appurl = 'https://app.example.com/deep/link';
    const init = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com&appurl=${encodeURIComponent(appurl)}` });
    const request = authnRequestFromRedirect(init.headers.location as string);
    const post = acsPoster(app, s, multiplexed);

    const stripped = await post(null, request.relayState);
    expect(stripped.statusCode, stripped.body).toBe(303);
    expect(String(stripped.headers.location).startsWith('https://app.example.com/sso/error?')).toBe(true);
    expect(errorOf(stripped.headers.location)).toBe('WRONG_IN_RESPONSE_TO');
    const [logged] = (await app.services.ssoLog.list(s.accountId, {})).events;
    expect(logged).toMatchObject({ outcome: 'failure', reason: 'WRONG_IN_RESPONSE_TO', idpId: 'customer001.com', saasid: s.rest.saasid });

    // The sign-in itself is untouched: its real answer still completes, to the appurl it asked for.
    const genuine = await post(request.id, request.relayState);
    expect(genuine.statusCode, genuine.body).toBe(200);
    expect(autoPostForm(genuine.body).action).toBe(appurl);
  });

  it('refuses our RelayState without InResponseTo after the sign-in completed too, and ignores one that only looks like ours', async () => {
    const { app } = await apps.start();
    const s = await ssoSetUp(app, { multiplexed: false });
    const post = acsPoster(app, s, false);
    const init = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com` });
    const request = authnRequestFromRedirect(init.headers.location as string);
    expect((await post(request.id, request.relayState)).statusCode).toBe(200);
    expect(errorOf((await post(null, request.relayState)).headers.location)).toBe('WRONG_IN_RESPONSE_TO');

    const lookalike = await post(null, `_${'ab'.repeat(20)}`);
    expect(lookalike.statusCode, lookalike.body).toBe(200);
    expect(autoPostForm(lookalike.body).action).toBe('https://app.example.com/sso/landing');
  });
});
