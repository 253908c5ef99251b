import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';

/**
 * The SaaS provider's demo app as an OpenID Connect relying party: a real web app on 127.0.0.1
 * whose server side is openid-client (a certified RP). It builds the authorization URL with PKCE
 * S256, keeps state, nonce and the verifier in its own session (a cookie naming a server-side
 * record), redeems the code on its callback, validates the ID token and shows the claims; its
 * sign-out goes to the end-session endpoint with id_token_hint and post_logout_redirect_uri.
 */
export interface OidcDemoApp {
  origin: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  /** The OP the app signs in with (openid-client's configuration from discovery), and the login_hint its hint links send. */
  use(config: client.Configuration, loginHint: string): void;
  close(): Promise<void>;
}

interface DemoSession {
  /** The authorization request in flight. */
  pending?: { verifier: string; state: string; nonce: string };
  idToken?: string;
}

const SESSION_COOKIE = 'demo_session';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main>${body}</main></body></html>`;

const signInLinks = [
  '<li><a href="/login">Sign in</a></li>',
  '<li><a href="/login?hint=1">Sign in (login_hint)</a></li>',
  '<li><a href="/login?hint=1&amp;prompt=login">Sign in again (prompt=login)</a></li>',
].join('');

export async function startOidcDemoApp(): Promise<OidcDemoApp> {
  const sessions = new Map<string, DemoSession>();
  let op: { config: client.Configuration; loginHint: string } | undefined;
  let origin = '';

  const respond = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', origin);
    const send = (status: number, title: string, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page(title, body));
    };
    const redirect = (location: string, cookie?: string) => {
      res.writeHead(302, { location, 'cache-control': 'no-store', ...(cookie !== undefined && { 'set-cookie': cookie }) });
      res.end();
    };
    const cookieSid = /(?:^|;\s*)demo_session=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];
    const session = cookieSid === undefined ? undefined : sessions.get(cookieSid);

    if (req.method !== 'GET') return send(405, 'Not allowed', '<h1>Method not allowed</h1>');
    // Chromium asks for a favicon; a 404 would be a console error the tests count.
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      return res.end();
    }
    if (url.pathname === '/') return send(200, 'Demo app', `<h1>Demo app</h1><ul>${signInLinks}</ul>`);
    if (!op) return send(503, 'Not ready', '<h1>The demo app has no OpenID provider yet</h1>');
    const { config, loginHint } = op;

    if (url.pathname === '/login') {
      const pending = { verifier: client.randomPKCECodeVerifier(), state: client.randomState(), nonce: client.randomNonce() };
      const sid = cookieSid !== undefined && session ? cookieSid : randomBytes(16).toString('base64url');
      sessions.set(sid, { ...session, pending });
      const authorizationUrl = client.buildAuthorizationUrl(config, {
        redirect_uri: `${origin}/callback`,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
        ...(url.searchParams.has('hint') && { login_hint: loginHint }),
        ...(url.searchParams.get('prompt') === 'login' && { prompt: 'login' }),
      });
      return redirect(authorizationUrl.href, `${SESSION_COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Lax`);
    }

    if (url.pathname === '/callback') {
      const pending = session?.pending;
      if (!session || !pending) return send(400, 'Sign-in failed', '<h1>Sign-in failed</h1><p id="error">no sign-in in progress</p>');
      delete session.pending;
      try {
        const tokens = await client.authorizationCodeGrant(config, url, {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims()!;
        session.idToken = tokens.id_token;
        const claim = (name: string) => escapeHtml(String(claims[name] ?? ''));
        return send(
          200,
          'Signed in',
          `<h1>Signed in</h1><dl><dt>sub</dt><dd id="sub">${claim('sub')}</dd><dt>email</dt><dd id="email">${claim('email')}</dd>` +
            `<dt>pingone.idp.id</dt><dd id="idp-id">${claim('pingone.idp.id')}</dd></dl>` +
            `<ul>${signInLinks}<li><a href="/logout">Sign out</a></li></ul>`,
        );
      } catch (error) {
        // openid-client refuses an error response, a wrong state or an invalid ID token alike.
        const message = error instanceof client.AuthorizationResponseError ? error.error : error instanceof Error ? error.message : String(error);
        return send(400, 'Sign-in failed', `<h1>Sign-in failed</h1><p id="error">${escapeHtml(message)}</p>`);
      }
    }

    if (url.pathname === '/logout') {
      if (!session?.idToken) return redirect('/');
      const endSession = client.buildEndSessionUrl(config, { id_token_hint: session.idToken, post_logout_redirect_uri: `${origin}/signed-out` });
      if (cookieSid !== undefined) sessions.delete(cookieSid);
      return redirect(endSession.href);
    }

    if (url.pathname === '/signed-out') return send(200, 'Signed out', '<h1>Signed out</h1><p><a href="/">Back to the demo app</a></p>');
    return send(404, 'Not found', '<h1>Not found</h1>');
  };

  // http.Server ignores what a listener returns: a failure here becomes a page the test reads,
  // not an unhandled rejection that ends the test worker.
  const server = http.createServer((req, res) => {
    respond(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`Demo app failed: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    redirectUri: `${origin}/callback`,
    postLogoutRedirectUri: `${origin}/signed-out`,
    use(config, loginHint) {
      op = { config, loginHint };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
