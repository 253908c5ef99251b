import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropTestDatabases, newDatabaseLocation, testDialects } from '../helpers/databases.js';
import { autoPostForm, idpResponse, ssoSetUp } from '../helpers/sso-fixture.js';
import { startInstance, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const OLD = 'https://old-sso.example.com';
const NEW = 'https://sso.example.com';

/** What docs/configuration.md says about changing PUBLIC_URL, checked on real instances sharing one database. */
describe.each(testDialects)('changing PUBLIC_URL (%s)', (dialect) => {
  const instances: TestInstance[] = [];
  afterEach(async () => {
    for (const i of instances.splice(0)) await i.close();
  });

  it('moves every SP entity ID and ACS URL; old-URL instances on the same database keep old connections working', async () => {
    const location = newDatabaseLocation(dialect);
    const before = await startInstance(location, { env: { PUBLIC_URL: OLD } });
    instances.push(before);
    const s = await ssoSetUp(before.app);
    const after = await startInstance(location, { env: { PUBLIC_URL: NEW } });
    instances.push(after);

    const [oldIdentity] = await before.app.services.customers.idpConfiguration(s.accountId, 'customer001.com');
    const [newIdentity] = await after.app.services.customers.idpConfiguration(s.accountId, 'customer001.com');
    expect(oldIdentity).toMatchObject({ entityId: `${OLD}/saml/sp/${s.accountId}`, acsUrl: `${OLD}/sso/sp/ACS.saml2` });
    expect(newIdentity).toMatchObject({ entityId: `${NEW}/saml/sp/${s.accountId}`, acsUrl: `${NEW}/sso/sp/ACS.saml2` });

    const post = (instance: TestInstance, base: string) =>
      instance.app.inject({
        method: 'POST',
        url: `/sso/sp/ACS.saml2?saasid=${s.rest.saasid}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          SAMLResponse: idpResponse(s.idpKey, { destination: `${base}/sso/sp/ACS.saml2`, audience: `${base}/saml/sp/${s.accountId}`, inResponseTo: null }),
        }).toString(),
      });
    // An IdP still configured with the old identity: refused by the new URL, accepted by the old one.
    const refused = await post(after, OLD);
    expect(new URL(refused.headers.location as string).searchParams.get('error')).toBe('WRONG_DESTINATION');
    const kept = await post(before, OLD);
    expect(kept.statusCode, kept.body).toBe(200);
    expect(autoPostForm(kept.body).fields.tokenid).toBeDefined();
    // An IdP that has imported the new metadata signs in through the new URL.
    const moved = await post(after, NEW);
    expect(moved.statusCode, moved.body).toBe(200);
  });
});
