import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabases } from '../test/helpers/databases.js';
import { curlBasic, operatorActor, startTestApp, type TestInstance } from '../test/helpers/test-app.js';
import { TestClock } from '../test/helpers/test-clock.js';
import { opensslKeyPair, requireLasso, startLassoIdpServer, tempDir, type KeyPairFiles, type LassoIdpServer } from '../test/interop/peers.js';
import { launchChromium } from './helpers/console-browser.js';

/**
 * The whole SP-initiated journey in real Chromium, every party a real HTTP server on 127.0.0.1:
 * a demo REST app with a "Sign in with SSO" link → our /sso/sp/initsso → the customer's IdP
 * (Lasso, with a sign-in form) → our ACS → the demo app's landing URL, which exchanges the
 * token server-side over /sso/TXS/2.0/1/{tokenid} and shows the user's attributes.
 */

/** Real time: the browser journey takes seconds, and Lasso stamps its assertions with the system clock. */
class WallClock extends TestClock {
  override now(): number {
    return Date.now();
  }
}

/** Binds a server to a free loopback port before anything needs to know the port. */
async function listenOnLoopback(server: http.Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const closeServer = (server: http.Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** The SaaS provider's demo app: a sign-in link per customer, and a landing URL that exchanges the token. */
function demoAppHandler(options: { ssoBase: () => string; saasid: () => string; authorization: () => string; origin: () => string; idpIds: string[] }) {
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', options.origin());
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo app</title></head><body>${body}</body></html>`);
    };
    if (req.method === 'GET' && url.pathname === '/') {
      const appurl = `${options.origin()}/sso/landing`;
      const links = options.idpIds
        .map((idpid) => {
          const href = `${options.ssoBase()}/sso/sp/initsso?saasid=${options.saasid()}&idpid=${encodeURIComponent(idpid)}&appurl=${encodeURIComponent(appurl)}`;
          return `<li><a href="${escapeHtml(href)}">Sign in with SSO (${escapeHtml(idpid)})</a></li>`;
        })
        .join('');
      return send(200, `<h1>Demo app</h1><ul>${links}</ul>`);
    }
    if (req.method === 'POST' && url.pathname === '/sso/landing') {
      const form = await readForm(req);
      const tokenid = form.get('tokenid') ?? '';
      // Server-side token exchange with the app's application credentials.
      const exchange = await fetch(`${options.ssoBase()}/sso/TXS/2.0/1/${encodeURIComponent(tokenid)}`, { headers: { authorization: options.authorization(), accept: 'application/json' } });
      if (exchange.status !== 200) return send(502, `<h1>Token exchange failed</h1><p id="status">${exchange.status}</p><pre>${escapeHtml(await exchange.text())}</pre>`);
      const attributes = (await exchange.json()) as Record<string, string | string[]>;
      const rows = Object.entries(attributes)
        .map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd data-attribute="${escapeHtml(name)}">${escapeHtml(Array.isArray(value) ? value.join(', ') : value)}</dd>`)
        .join('');
      return send(200, `<h1>Signed in</h1><p id="agent">${escapeHtml(form.get('agentid') ?? '')}</p><dl>${rows}</dl>`);
    }
    if (url.pathname === '/sso/error') return send(400, `<h1>Sign-in failed</h1><p id="error">${escapeHtml(url.searchParams.get('error') ?? '')}</p>`);
    return send(404, '<h1>Not found</h1>');
  };
}

describe('SSO login in Chromium: demo REST app → ssobridge → Lasso IdP → ssobridge → demo app', () => {
  let browser: Browser | undefined;
  let instance: TestInstance | undefined;
  let ssoServer: http.Server | undefined;
  let demoServer: http.Server | undefined;
  const idps: LassoIdpServer[] = [];
  let workDir: { dir: string; remove(): void } | undefined;
  let demoOrigin = '';
  let ourEntityId = '';
  const demo = { ssoBase: '', saasid: '', authorization: '' };

  beforeAll(async () => {
    requireLasso();
    browser = await launchChromium();
    workDir = tempDir('ssobridge-e2e-sso-');
    const keys: KeyPairFiles = opensslKeyPair(workDir.dir, 'idp', 'idp.customer001.com');

    // Our server: bind the port first, so PUBLIC_URL is known when the app is built; then the
    // bound server hands every request to Fastify's own request handler.
    ssoServer = http.createServer();
    demo.ssoBase = await listenOnLoopback(ssoServer);
    instance = await startTestApp('sqlite', { clock: new WallClock(), env: { PUBLIC_URL: demo.ssoBase } });
    await instance.app.ready();
    ssoServer.on('request', instance.app.routing);

    demoServer = http.createServer(demoAppHandler({ ssoBase: () => demo.ssoBase, saasid: () => demo.saasid, authorization: () => demo.authorization, origin: () => demoOrigin, idpIds: ['customer001.com', 'customer002.com'] }));
    demoOrigin = await listenOnLoopback(demoServer);

    const { app } = instance;
    const { account } = await app.services.accounts.createAccount(operatorActor, 'Demo SaaS');
    const actor = operatorActor(account.id);
    const rest = await app.services.applications.createApplication(actor, {
      kind: 'rest',
      name: 'Demo',
      hostname: new URL(demoOrigin).host,
      defaultAppUrl: `${demoOrigin}/sso/landing`,
      errorUrl: `${demoOrigin}/sso/error`,
      requiredAttributes: [
        { name: 'email', required: true },
        { name: 'groups', required: false },
      ],
    });
    demo.saasid = rest.saasid;
    const credential = await app.services.credentials.createApplicationCredential(actor, { saasid: rest.saasid, description: 'demo backend' });
    demo.authorization = curlBasic(credential.credential.clientId, credential.clientSecret);

    // Two customers, both on a Lasso IdP over loopback http: one asks for the Redirect binding, one for POST.
    for (const [idpId, ssoBinding] of [['customer001.com', 'redirect'], ['customer002.com', 'post']] as const) {
      const idp = await startLassoIdpServer({ entityId: `https://idp.${idpId}/saml`, keyFile: keys.keyFile, certFile: keys.certFile });
      idps.push(idp);
      await app.services.customers.putCustomer(actor, idpId, {
        entityId: `https://idp.${idpId}/saml`,
        ssoUrl: idp.ssoUrl,
        ssoBinding,
        certificates: [keys.certPem],
        applications: [rest.saasid],
        multiplexed: true,
      });
      const [configuration] = await app.services.customers.idpConfiguration(account.id, idpId);
      ourEntityId = configuration!.entityId;
      await idp.configure({
        spMetadata: [configuration!.metadataXml],
        users: { alice: { nameId: `alice@${idpId}`, nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', attributes: { email: [`alice@${idpId}`], groups: ['admins', 'staff'] } } },
        sign: 'both',
      });
    }
  });

  afterAll(async () => {
    await browser?.close();
    for (const idp of idps) await idp.close();
    if (demoServer) await closeServer(demoServer);
    if (ssoServer) await closeServer(ssoServer);
    await instance?.close();
    workDir?.remove();
    await dropTestDatabases();
  });

  it.each([
    ['customer001.com', 'Redirect', 0],
    ['customer002.com', 'POST', 1],
  ] as const)('signs alice@%s in through the %s binding and the app shows her email and groups', async (idpId, _binding, index) => {
    const context = await browser!.newContext({ locale: 'en-US' });
    context.setDefaultTimeout(10_000);
    context.setDefaultNavigationTimeout(15_000);
    try {
      const page = await context.newPage();
      await page.goto(`${demoOrigin}/`);
      await page.getByRole('link', { name: `Sign in with SSO (${idpId})` }).click();

      // The customer's IdP (Lasso) has verified our signed AuthnRequest and asks who is signing in.
      await page.waitForURL((url) => url.toString().startsWith(idps[index]!.ssoUrl));
      await expect(page.locator('#sp').textContent()).resolves.toBe(`Sign in to ${ourEntityId}`);
      await page.getByLabel('User name').fill('alice');
      await page.getByRole('button', { name: 'Sign in' }).click();

      // Lasso auto-posts to our ACS, which auto-posts the token to the demo app's landing URL.
      await page.waitForURL(`${demoOrigin}/sso/landing`);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Signed in');
      await expect(page.locator('[data-attribute="email"]').textContent()).resolves.toBe(`alice@${idpId}`);
      await expect(page.locator('[data-attribute="groups"]').textContent()).resolves.toBe('admins, staff');
      await expect(page.locator('[data-attribute="pingone.idp.id"]').textContent()).resolves.toBe(idpId);
      await expect(page.locator('[data-attribute="pingone.saas.id"]').textContent()).resolves.toBe(demo.saasid);
      await expect(page.locator('#agent').textContent()).resolves.toBe(demo.saasid);
    } finally {
      await context.close();
    }
  });
});
