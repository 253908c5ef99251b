import http from 'node:http';
import type { App } from '../../src/app.js';
import { closeServer, listenOnLoopback } from '../../test/helpers/loopback-server.js';
import { dropTestDatabases } from '../../test/helpers/databases.js';
import { curlBasic, operatorActor, startTestApp, type TestInstance } from '../../test/helpers/test-app.js';
import { WallClock } from '../../test/helpers/test-clock.js';
import { opensslKeyPair, startLassoIdpServer, tempDir, type KeyPairFiles, type LassoIdpServer } from '../../test/interop/peers.js';

/**
 * The parties of a browser SSO journey, each a real HTTP server on 127.0.0.1: ssobridge, a demo
 * REST app with "Sign in with SSO" links and a landing URL that exchanges the token server-side
 * over /sso/TXS/2.0/1/{tokenid}, and customers' IdPs (Lasso, with a sign-in form).
 */



const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The SaaS provider's demo app: a sign-in link per customer, one without idpid (IdP discovery),
 * and a landing URL that exchanges the token.
 */
function demoAppHandler(options: { ssoBase: string; saasid: () => string; authorization: () => string; origin: () => string; idpIds: () => string[] }): http.RequestListener {
  const respond = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', options.origin());
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo app</title></head><body>${body}</body></html>`);
    };
    if (req.method === 'GET' && url.pathname === '/') {
      const initsso = (idpid: string | null) => {
        const query = new URLSearchParams({ saasid: options.saasid(), ...(idpid !== null && { idpid }), appurl: `${options.origin()}/sso/landing` });
        return `${options.ssoBase}/sso/sp/initsso?${query.toString()}`;
      };
      const links = options
        .idpIds()
        .map((idpid) => `<li><a href="${escapeHtml(initsso(idpid))}">Sign in with SSO (${escapeHtml(idpid)})</a></li>`)
        .join('');
      return send(200, `<h1>Demo app</h1><ul>${links}<li><a href="${escapeHtml(initsso(null))}">Sign in with your company account</a></li></ul>`);
    }
    if (req.method === 'POST' && url.pathname === '/sso/landing') {
      const form = await readForm(req);
      const tokenid = form.get('tokenid') ?? '';
      // Server-side token exchange with the app's application credentials.
      const exchange = await fetch(`${options.ssoBase}/sso/TXS/2.0/1/${encodeURIComponent(tokenid)}`, { headers: { authorization: options.authorization(), accept: 'application/json' } });
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
  // http.Server ignores what a listener returns: a failure here (the token exchange unreachable)
  // would be an unhandled rejection that ends the test worker, instead of a page the test reads.
  return (req, res) => {
    respond(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`Demo app failed: ${String(error)}`);
    });
  };
}

export interface SsoJourney {
  app: App;
  /** ssobridge's PUBLIC_URL. */
  ssoBase: string;
  demoOrigin: string;
  saasid: string;
  accountId: string;
  /** The SP entity ID the customers' IdPs know us by (the account's multiplexed identity). */
  spEntityId: string;
  /** Connects a customer whose IdP is a fresh Lasso server knowing the user "alice" (alice@<idpId>). */
  connectLassoCustomer(idpId: string, options: { ssoBinding: 'redirect' | 'post'; emailDomains?: string[] }): Promise<LassoIdpServer>;
  /** A fresh Lasso IdP for a customer that is not connected yet (the setup portal connects it), and its sign-in link on the demo app. */
  startUnconnectedLassoIdp(idpId: string): Promise<LassoIdpServer>;
  close(): Promise<void>;
}

/** ssobridge on SQLite, the demo REST app with its application credential, and no customer yet. */
export async function startSsoJourney(): Promise<SsoJourney> {
  const workDir = tempDir('ssobridge-e2e-sso-');
  const keys: KeyPairFiles = opensslKeyPair(workDir.dir, 'idp', 'idp.customers.example');
  const idps: LassoIdpServer[] = [];
  const idpIds: string[] = [];
  const demo = { saasid: '', authorization: '', origin: '' };

  // Our server: bind the port first, so PUBLIC_URL is known when the app is built; then the
  // bound server hands every request to Fastify's own request handler.
  const ssoServer = http.createServer();
  const ssoBase = await listenOnLoopback(ssoServer);
  let instance: TestInstance | undefined;
  const demoServer = http.createServer(demoAppHandler({ ssoBase, saasid: () => demo.saasid, authorization: () => demo.authorization, origin: () => demo.origin, idpIds: () => idpIds }));
  const close = async () => {
    for (const idp of idps) await idp.close();
    await closeServer(demoServer);
    await closeServer(ssoServer);
    await instance?.close();
    workDir.remove();
    await dropTestDatabases();
  };
  try {
    instance = await startTestApp('sqlite', { clock: new WallClock(), env: { PUBLIC_URL: ssoBase } });
    await instance.app.ready();
    ssoServer.on('request', instance.app.routing);
    demo.origin = await listenOnLoopback(demoServer);

    const { app } = instance;
    const { account } = await app.services.accounts.createAccount(operatorActor, 'Demo SaaS');
    const actor = operatorActor(account.id);
    const rest = await app.services.applications.createApplication(actor, {
      kind: 'rest',
      name: 'Demo',
      hostname: new URL(demo.origin).host,
      defaultAppUrl: `${demo.origin}/sso/landing`,
      errorUrl: `${demo.origin}/sso/error`,
      requiredAttributes: [
        { name: 'email', required: true },
        { name: 'groups', required: false },
      ],
    });
    demo.saasid = rest.saasid;
    const credential = await app.services.credentials.createApplicationCredential(actor, { saasid: rest.saasid, description: 'demo backend' });
    demo.authorization = curlBasic(credential.credential.clientId, credential.clientSecret);

    return {
      app,
      ssoBase,
      demoOrigin: demo.origin,
      saasid: rest.saasid,
      accountId: account.id,
      spEntityId: `${ssoBase}/saml/sp/${account.id}`,
      async connectLassoCustomer(idpId, options) {
        const entityId = `https://idp.${idpId}/saml`;
        const idp = await startLassoIdpServer({ entityId, keyFile: keys.keyFile, certFile: keys.certFile });
        idps.push(idp);
        await app.services.customers.putCustomer(actor, idpId, {
          entityId,
          ssoUrl: idp.ssoUrl,
          ssoBinding: options.ssoBinding,
          certificates: [keys.certPem],
          emailDomains: options.emailDomains ?? [],
          applications: [rest.saasid],
          multiplexed: true,
        });
        const [configuration] = await app.services.customers.idpConfiguration(account.id, idpId);
        await idp.configure({
          spMetadata: [configuration!.metadataXml],
          users: { alice: { nameId: `alice@${idpId}`, nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', attributes: { email: [`alice@${idpId}`], groups: ['admins', 'staff'] } } },
          sign: 'both',
        });
        idpIds.push(idpId);
        return idp;
      },
      async startUnconnectedLassoIdp(idpId) {
        const idp = await startLassoIdpServer({ entityId: `https://idp.${idpId}/saml`, keyFile: keys.keyFile, certFile: keys.certFile });
        idps.push(idp);
        idpIds.push(idpId);
        return idp;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
