import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { autoPostForm } from '../helpers/sso-fixture.js';
import { curlBasic, operatorActor, restAppInput, startTestApp, type TestInstance } from '../helpers/test-app.js';
import { isoSeconds, lassoRespond, opensslKeyPair, requireLasso, tempDir, type KeyPairFiles } from './peers.js';

/**
 * Lasso plays a customer's IdP whose admin imported our SP by URL: it loads the metadata our SP
 * entity ID URL serves without credentials (Lasso's metadata loader is a strict peer: it refuses
 * what it cannot read), verifies our AuthnRequest against the certificate in it, and answers with
 * Microsoft Entra ID's claim names, which the Entra ID attribute mapping gives the app as its own.
 */

const PUBLIC_URL = 'http://localhost:8080';
const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

let workDir: { dir: string; remove(): void };
let idpKeys: KeyPairFiles;

beforeAll(() => {
  requireLasso();
  workDir = tempDir('ssobridge-lasso-sp-metadata-');
  idpKeys = opensslKeyPair(workDir.dir, 'idp', 'login.microsoftonline.example');
});
afterAll(async () => {
  workDir?.remove();
  await dropTestDatabases();
});

describe.each(testDialects)('Lasso imports our public SP metadata (%s)', (dialect) => {
  let instance: TestInstance;
  beforeAll(async () => {
    instance = await startTestApp(dialect, { env: { PUBLIC_URL } });
  });
  afterAll(async () => instance?.close());

  it.each([
    ['the shared identity', true],
    ["an app's own identity", false],
  ])('signs a user in through %s, fetched from its entity ID URL, with Entra ID claim names mapped to the app names', async (_label, multiplexed) => {
    const { app, clock } = instance;
    const { account } = await app.services.accounts.createAccount(operatorActor, `Acme ${String(multiplexed)}`);
    const actor = operatorActor(account.id);
    const rest = await app.services.applications.createApplication(
      actor,
      restAppInput('HR', { requiredAttributes: [{ name: 'email', required: true }, { name: 'firstName', required: true }, { name: 'lastName', required: true }] }),
    );
    const credential = await app.services.credentials.createApplicationCredential(actor, { saasid: rest.saasid, description: 'hr backend' });
    const idp = { entityId: 'https://sts.windows.example/tenant/', ssoUrl: 'https://login.microsoftonline.example/tenant/saml2', keyFile: idpKeys.keyFile, certFile: idpKeys.certFile };
    await app.services.customers.putCustomer(actor, 'contoso.example', {
      entityId: idp.entityId,
      ssoUrl: idp.ssoUrl,
      certificates: [idpKeys.certPem],
      applications: [{ saasid: rest.saasid, multiplexed }],
      multiplexed,
      attributeMapping: { preset: 'entra-id' },
    });
    const [configuration] = await app.services.customers.idpConfiguration(account.id, 'contoso.example');

    // What the IdP admin pastes into "import metadata from URL": our entity ID, no credentials.
    const metadata = await app.inject({ method: 'GET', url: new URL(configuration!.spMetadataUrl).pathname });
    expect(metadata.statusCode, metadata.body).toBe(200);
    expect(configuration!.spMetadataUrl).toBe(configuration!.entityId);

    const start = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${rest.saasid}&idpid=contoso.example` });
    expect(start.statusCode, start.body).toBe(302);
    const now = clock.now();
    const answer = await lassoRespond({
      idp,
      spMetadata: [metadata.body],
      request: { binding: 'redirect', url: start.headers.location as string },
      user: {
        nameId: 'alice@contoso.example',
        nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        attributes: { [`${CLAIMS}/emailaddress`]: ['alice@contoso.example'], [`${CLAIMS}/givenname`]: ['Alice'], [`${CLAIMS}/surname`]: ['Liddell'] },
      },
      sign: 'both',
      times: { authnInstant: isoSeconds(now - 5_000), notBefore: isoSeconds(now - 60_000), notOnOrAfter: isoSeconds(now + 5 * 60_000) },
    });
    // Lasso found us in the metadata it loaded and answers to the ACS it lists.
    expect(answer.request.remoteProviderId).toBe(configuration!.entityId);
    expect(answer.acsUrl).toBe(configuration!.acsUrl);

    const acsUrl = new URL(answer.acsUrl);
    const acs = await app.inject({
      method: 'POST',
      url: acsUrl.pathname + acsUrl.search,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ SAMLResponse: answer.SAMLResponse, ...(answer.RelayState !== null && { RelayState: answer.RelayState }) }).toString(),
    });
    expect(acs.statusCode, acs.body).toBe(200);
    const token = await app.inject({
      method: 'GET',
      url: `/sso/TXS/2.0/1/${autoPostForm(acs.body).fields.tokenid}`,
      headers: { authorization: curlBasic(credential.credential.clientId, credential.clientSecret) },
    });
    expect(token.statusCode, token.body).toBe(200);
    expect(token.json()).toMatchObject({ email: 'alice@contoso.example', firstName: 'Alice', lastName: 'Liddell', 'pingone.idp.id': 'contoso.example' });
  });
});
