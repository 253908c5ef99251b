import http from 'node:http';
import * as client from 'openid-client';
import type { App } from '../../src/app.js';
import { newDatabaseLocation, type TestDatabaseLocation } from './databases.js';
import type { BrowserPage, HttpBrowser } from './http-browser.js';
import { closeServer, listenOnLoopback } from './loopback-server.js';
import { oidcAppInput } from './oidc-app-input.js';
import { operatorActor, startInstance, type TestInstance } from './test-app.js';
import { WallClock } from './test-clock.js';
import { opensslKeyPair, startLassoIdpServer, tempDir, type LassoIdpServer, type LassoUser } from '../interop/peers.js';
import type { Dialect } from '../../src/db/dialect.js';

/**
 * The parties of an OIDC sign-in, each real: ssobridge listening on a loopback port, a customer
 * whose IdP is a Lasso server with a sign-in form, and the provider's app as openid-client (a
 * certified relying party) with an HTTP browser. The app's redirect URI is never served: the
 * browser stops there and hands the URL to openid-client, as the app's callback route would.
 */
export const CUSTOMER_IDP_ID = 'customer001.com';
export const ALICE_NAME_ID = 'alice@customer001.com';

export interface OidcJourney {
  app: App;
  instance: TestInstance;
  base: string;
  accountId: string;
  saasid: string;
  clientSecret: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  idp: LassoIdpServer;
  /** openid-client's configuration from our discovery document. */
  discover(options?: { secret?: string; auth?: 'basic' | 'post'; saasid?: string }): Promise<client.Configuration>;
  /** A second instance of ssobridge on the same database, listening on its own port with the same PUBLIC_URL. */
  close(): Promise<void>;
}


/** `env`: more settings for the instance (a suite with many sign-ins from 127.0.0.1 raises SSO_REQUESTS_BURST). */
export async function startOidcJourney(
  target: Dialect | TestDatabaseLocation,
  appOverrides: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<OidcJourney> {
  const location = typeof target === 'string' ? newDatabaseLocation(target) : target;
  const workDir = tempDir('ssobridge-oidc-');
  const keys = opensslKeyPair(workDir.dir, 'idp', `idp.${CUSTOMER_IDP_ID}`);
  const server = http.createServer();
  const base = await listenOnLoopback(server);
  const instance = await startInstance(location, { clock: new WallClock(), env: { ...env, PUBLIC_URL: base } });
  await instance.app.ready();
  server.on('request', instance.app.routing);
  const { app } = instance;
  const { account } = await app.services.accounts.createAccount(operatorActor, 'Acme SaaS');
  const actor = operatorActor(account.id);
  const redirectUri = 'http://127.0.0.1:3000/callback';
  const postLogoutRedirectUri = 'http://127.0.0.1:3000/signed-out';
  const created = await app.services.applications.createApplication(
    actor,
    oidcAppInput('Dashboard', {
      redirectUris: [redirectUri],
      postLogoutRedirectUris: [postLogoutRedirectUri],
      refreshTokens: true,
      requiredAttributes: [
        { name: 'email', required: true },
        { name: 'groups', required: false },
      ],
      ...appOverrides,
    }),
  );
  const clientSecret = created.firstClientSecret!.secret;
  const entityId = `https://idp.${CUSTOMER_IDP_ID}/saml`;
  const idp = await startLassoIdpServer({ entityId, keyFile: keys.keyFile, certFile: keys.certFile });
  await app.services.customers.putCustomer(actor, CUSTOMER_IDP_ID, {
    entityId,
    ssoUrl: idp.ssoUrl,
    ssoBinding: 'redirect',
    certificates: [keys.certPem],
    emailDomains: [CUSTOMER_IDP_ID],
    applications: [created.saasid],
    multiplexed: true,
  });
  const [configuration] = await app.services.customers.idpConfiguration(account.id, CUSTOMER_IDP_ID);
  await idp.configure({
    spMetadata: [configuration!.metadataXml],
    users: {
      alice: {
        nameId: ALICE_NAME_ID,
        nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        attributes: { email: [ALICE_NAME_ID], groups: ['admins', 'staff'] },
      },
    },
    sign: 'both',
  });
  return {
    app,
    instance,
    base,
    accountId: account.id,
    saasid: created.saasid,
    clientSecret,
    redirectUri,
    postLogoutRedirectUri,
    idp,
    async discover({ secret = clientSecret, auth = 'basic', saasid = created.saasid } = {}) {
      const clientAuth = auth === 'basic' ? client.ClientSecretBasic(secret) : client.ClientSecretPost(secret);
      return client.discovery(new URL(`${base}/${saasid}`), saasid, { client_secret: secret }, clientAuth, { execute: [client.allowInsecureRequests] });
    },
    async close() {
      await idp.close();
      await closeServer(server);
      await instance.close();
      workDir.remove();
    },
  };
}

/** What a user does: opens the app's authorization URL, signs in at the customer's IdP as alice, and lands on the redirect URI. */
export async function signInAsAlice(browser: HttpBrowser, authorizationUrl: URL, stopAt: (url: URL) => boolean): Promise<BrowserPage> {
  const signInForm = await browser.open(authorizationUrl.href, { stopAt });
  if (signInForm.status === 0) return signInForm;
  const autoPost = await browser.submit(signInForm, { username: 'alice' }, { stopAt });
  if (autoPost.status === 0) return autoPost;
  return browser.submit(autoPost, {}, { stopAt });
}

/** One more OIDC application in the journey's account (the fixture's settings, then `overrides`), connected to the fixture's customer. */
export async function addOidcApp(journey: OidcJourney, name: string, overrides: Record<string, unknown> = {}): Promise<{ saasid: string; clientSecret: string }> {
  const actor = operatorActor(journey.accountId);
  const created = await journey.app.services.applications.createApplication(
    actor,
    oidcAppInput(name, { redirectUris: [journey.redirectUri], postLogoutRedirectUris: [journey.postLogoutRedirectUri], ...overrides }),
  );
  // A PUT adds the listed connection and keeps the others (removeUnlistedApplications is off).
  const customer = await journey.app.services.customers.getCustomer(journey.accountId, CUSTOMER_IDP_ID);
  await journey.app.services.customers.putCustomer(actor, CUSTOMER_IDP_ID, {
    entityId: customer.entityId,
    ssoUrl: customer.ssoUrl,
    ssoBinding: customer.ssoBinding,
    certificates: customer.certificates.map((c) => c.pem),
    emailDomains: customer.emailDomains,
    applications: [created.saasid],
    multiplexed: true,
  });
  return { saasid: created.saasid, clientSecret: created.firstClientSecret!.secret };
}

/** A second customer of the journey's account, with its own Lasso IdP (signing both), connected to `saasids`. */
export async function connectLassoCustomer(
  journey: OidcJourney,
  idpId: string,
  saasids: string[],
  users: Record<string, LassoUser>,
): Promise<{ idp: LassoIdpServer; close(): Promise<void> }> {
  const workDir = tempDir('ssobridge-oidc-customer-');
  const keys = opensslKeyPair(workDir.dir, 'idp', `idp.${idpId}`);
  const entityId = `https://idp.${idpId}/saml`;
  const idp = await startLassoIdpServer({ entityId, keyFile: keys.keyFile, certFile: keys.certFile });
  const actor = operatorActor(journey.accountId);
  await journey.app.services.customers.putCustomer(actor, idpId, {
    entityId,
    ssoUrl: idp.ssoUrl,
    ssoBinding: 'redirect',
    certificates: [keys.certPem],
    emailDomains: [idpId],
    applications: saasids,
    multiplexed: true,
  });
  const [configuration] = await journey.app.services.customers.idpConfiguration(journey.accountId, idpId);
  await idp.configure({ spMetadata: [configuration!.metadataXml], users, sign: 'both' });
  return {
    idp,
    async close() {
      await idp.close();
      workDir.remove();
    },
  };
}
