import { afterAll, describe, expect, it } from 'vitest';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { dropTestDatabases, testDialects } from '../helpers/databases.js';
import { idpCertificatePem, operatorActor, restAppInput, samlAppInput } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

describe.each(testDialects)('application and connection rules (%s)', (dialect) => {
  const apps = appsPerTest(dialect);

  async function setUp() {
    const instance = await apps.start();
    const { account } = await instance.app.services.accounts.createAccount(operatorActor, 'Acme');
    return { services: instance.app.services, actor: operatorActor(account.id) };
  }

  it("refuses to pin a SAML app to a signing key that is not one of the account's keys", async () => {
    const { services, actor } = await setUp();
    await expect(services.applications.createApplication(actor, samlAppInput('Pinned', { signingKeyId: '6964005a-6270-4a88-9ddc-0e6a4e05e51d' }))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ field: 'signingKeyId' }],
    });
    const [active] = await services.signingKeys.listKeys(actor.accountId);
    await expect(services.applications.createApplication(actor, samlAppInput('Pinned', { signingKeyId: active!.id }))).resolves.toMatchObject({ signingKeyId: active!.id });
  });

  it('will not delete a renewal key that an application signs with', async () => {
    const { services, actor } = await setUp();
    const renewal = await services.signingKeys.addRenewalKey(actor);
    await services.applications.createApplication(actor, samlAppInput('Pinned', { signingKeyId: renewal.id }));
    await expect(services.signingKeys.deleteRenewalKey(actor, renewal.id)).rejects.toMatchObject({ code: 'SIGNING_KEY_CONFLICT', message: expect.stringContaining('Pinned') });
  });

  it('binds application credentials to REST applications only', async () => {
    const { services, actor } = await setUp();
    const saml = await services.applications.createApplication(actor, samlAppInput());
    await expect(services.credentials.createApplicationCredential(actor, { saasid: saml.saasid })).rejects.toMatchObject({ fields: [{ field: 'saasid', message: expect.stringContaining('REST') }] });
    const rest = await services.applications.createApplication(actor, restAppInput());
    await expect(services.credentials.createApplicationCredential(actor, { saasid: rest.saasid })).resolves.toMatchObject({ credential: { applicationId: rest.saasid } });
  });

  it('refuses the idpIds "." and "..", and reports idpId and body problems together', async () => {
    const { services, actor } = await setUp();
    for (const idpId of ['.', '..']) {
      await expect(services.customers.putCustomer(actor, idpId, { entityId: 'x', ssoUrl: 'https://idp.example.com', certificates: [await idpCertificatePem()] })).rejects.toMatchObject({
        fields: [{ field: 'idpId', message: 'must not be "." or ".."' }],
      });
    }
    await expect(services.customers.putCustomer(actor, 'a/b', { ssoUrl: 'http://idp.example.com' })).rejects.toMatchObject({
      fields: expect.arrayContaining([expect.objectContaining({ field: 'idpId' }), expect.objectContaining({ field: 'ssoUrl' }), expect.objectContaining({ field: 'entityId' })]),
    });
  });

  it('refuses turning application multiplexing off while non-multiplexed connections exist', async () => {
    const { services, actor } = await setUp();
    const app = await services.applications.createApplication(actor, samlAppInput('Shared'));
    await services.customers.putCustomer(actor, 'customer.com', {
      entityId: 'https://idp.customer.com',
      ssoUrl: 'https://idp.customer.com/sso',
      certificates: [await idpCertificatePem()],
      applications: [{ saasid: app.saasid, multiplexed: false }],
    });
    await expect(services.applications.updateApplication(actor, app.saasid, samlAppInput('Shared', { multiplexed: false }))).rejects.toMatchObject({ code: 'MULTIPLEXING_NOT_ALLOWED' });
  });

  it('deletes an application with its connections and credentials, refusing its credentials at once', async () => {
    const { services, actor } = await setUp();
    const rest = await services.applications.createApplication(actor, restAppInput());
    await services.credentials.createApplicationCredential(actor, { saasid: rest.saasid });
    await services.customers.putCustomer(actor, 'customer.com', { entityId: 'https://idp.customer.com', ssoUrl: 'https://idp.customer.com/sso', certificates: [await idpCertificatePem()] });
    await services.applications.deleteApplication(actor, rest.saasid);
    expect(await services.credentials.listApplicationCredentials(actor.accountId)).toEqual([]);
    expect((await services.customers.getCustomer(actor.accountId, 'customer.com')).applications).toEqual([]);
  });

  it('allows at most 30 application credentials, also when creates race', async () => {
    const { services, actor } = await setUp();
    const rest = await services.applications.createApplication(actor, restAppInput());
    const results = await Promise.allSettled(Array.from({ length: 34 }, () => services.credentials.createApplicationCredential(actor, { saasid: rest.saasid })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(30);
    expect(await services.credentials.listApplicationCredentials(actor.accountId)).toHaveLength(30);
  });
});
