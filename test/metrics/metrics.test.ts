import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../bench/lib/processes.js';
import { afterAll, describe, expect, it } from 'vitest';
import { listenForMetrics } from '../../src/http/metrics-routes.js';
import { appsPerTest } from '../helpers/apps-per-test.js';
import { dropTestDatabases, silentLogger, testDialects } from '../helpers/databases.js';
import { oidcAppInput } from '../helpers/oidc-app-input.js';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { parsePrometheusText, type Exposition } from '../helpers/prometheus-text.js';
import { startServerProcess } from '../helpers/server-process.js';
import { authnRequestFromRedirect, idpResponse, ssoSetUp } from '../helpers/sso-fixture.js';
import { accountWithCredential, curlBasic, operatorActor, SP_MANAGED, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

const TOKEN = 'metrics-token-0123456789abcdef';
const ACS = 'http://localhost:8080/sso/sp/ACS.saml2';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function scrape(app: TestInstance['app']): Promise<Exposition> {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const exposition = parsePrometheusText(res.body);
  // Someone else's parser reads the same families with the same types.
  const families = parsePrometheusTextFormat(res.body);
  expect(new Map(families.map((f) => [f.name, f.type.toLowerCase()]))).toEqual(exposition.types);
  return exposition;
}

describe.each(testDialects)('Metrics (%s)', (dialect) => {
  const apps = appsPerTest(dialect);
  const withToken = () => apps.start({ env: { METRICS_TOKEN: TOKEN } });

  it('are not on the public port without METRICS_TOKEN, nor for a request without the token', async () => {
    const off = await apps.start();
    expect(off.app.services.metrics).toBeUndefined();
    const none = await off.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(none.statusCode).toBe(404);

    const { app } = await withToken();
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdef', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, 'Bearer ']) {
      const res = await app.inject({ method: 'GET', url: '/metrics', headers: authorization === undefined ? {} : { authorization } });
      expect(res.statusCode, authorization).toBe(404);
      expect(res.body).not.toContain('ssobridge_');
    }
    const exposition = await scrape(app);
    expect(exposition.types.get('ssobridge_http_requests_total')).toBe('counter');
    expect(exposition.types.get('ssobridge_http_request_duration_seconds')).toBe('histogram');
    // Event loop delay and process metrics, from prom-client's default collectors.
    expect(exposition.value('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('count requests by route pattern and status, never by raw URL, hijacked OIDC responses too', async () => {
    const { app } = await withToken();
    const before = await scrape(app);
    const healthz = { method: 'GET', route: '/healthz', status: '200' };
    await app.inject({ method: 'GET', url: '/healthz' });
    await app.inject({ method: 'GET', url: '/healthz?x=1' });
    await app.inject({ method: 'GET', url: '/no-such-page-4f1c2' });
    const { account } = await app.services.accounts.createAccount(operatorActor, 'Acme SaaS');
    const oidc = await app.services.applications.createApplication(operatorActor(account.id), oidcAppInput());
    const discovery = await app.inject({ method: 'GET', url: `/${oidc.saasid}/.well-known/openid-configuration` });
    expect(discovery.statusCode, discovery.body).toBe(200);

    const after = await scrape(app);
    expect((after.value('ssobridge_http_requests_total', healthz) ?? 0) - (before.value('ssobridge_http_requests_total', healthz) ?? 0)).toBe(2);
    expect(after.value('ssobridge_http_request_duration_seconds_count', { method: 'GET', route: '/healthz' })).toBeGreaterThanOrEqual(2);
    expect(after.value('ssobridge_http_requests_total', { method: 'GET', route: '(unmatched)', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(after.value('ssobridge_http_requests_total', { method: 'GET', route: '/:clientId/.well-known/openid-configuration', status: '200' })).toBe(1);
    const routes = after.series('ssobridge_http_requests_total').map((s) => s.labels.route);
    expect(routes.some((route) => route?.includes('no-such-page') || route?.includes(oidc.saasid))).toBe(false);
  });

  it('count API authentications: success, invalid and throttled', async () => {
    const { app } = await apps.start({ env: { METRICS_TOKEN: TOKEN, AUTH_FAILURES_PER_MINUTE: '1' } });
    const { clientId, clientSecret } = await accountWithCredential(app);
    const ok = await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: curlBasic(clientId, clientSecret) } });
    expect(ok.statusCode).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) {
      statuses.push((await app.inject({ method: 'GET', url: SP_MANAGED, headers: { authorization: curlBasic(clientId, 'wrong-secret') } })).statusCode);
    }
    expect(statuses).toEqual([401, 429]);
    const exposition = await scrape(app);
    expect(exposition.value('ssobridge_api_authentications_total', { outcome: 'success' })).toBe(1);
    expect(exposition.value('ssobridge_api_authentications_total', { outcome: 'invalid' })).toBe(1);
    expect(exposition.value('ssobridge_api_authentications_total', { outcome: 'throttled' })).toBe(1);
  });

  it('count sign-ins by outcome, reason code and application kind, and time ACS validation', async () => {
    const { app } = await withToken();
    const s = await ssoSetUp(app);
    const login = async (audience: string) => {
      const init = await app.inject({ method: 'GET', url: `/sso/sp/initsso?saasid=${s.rest.saasid}&idpid=customer001.com` });
      expect(init.statusCode, init.body).toBe(302);
      const request = authnRequestFromRedirect(init.headers.location as string);
      const samlResponse = idpResponse(s.idpKey, { destination: ACS, audience, inResponseTo: request.id });
      return app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: samlResponse, RelayState: request.relayState }) });
    };
    expect((await login(`http://localhost:8080/saml/sp/${s.accountId}`)).statusCode).toBe(200);
    expect((await login('https://someone-else.example/sp')).statusCode).not.toBe(200);

    const exposition = await scrape(app);
    expect(exposition.value('ssobridge_sso_outcomes_total', { outcome: 'success', reason: 'OK', app_kind: 'rest' })).toBe(1);
    expect(exposition.value('ssobridge_sso_outcomes_total', { outcome: 'failure', reason: 'WRONG_AUDIENCE', app_kind: 'rest' })).toBe(1);
    expect(exposition.value('ssobridge_acs_validation_seconds_count')).toBe(2);

    // A response no login can be traced to still counts, as an unknown application's.
    await app.inject({ method: 'POST', url: '/sso/sp/ACS.saml2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: 'bm90IHhtbA' }) });
    const failures = (await scrape(app)).series('ssobridge_sso_outcomes_total').filter((s) => s.labels.outcome === 'failure' && s.labels.app_kind === 'unknown');
    expect(failures.reduce((sum, s) => sum + s.value, 0)).toBe(1);
  });

  it('report the webhook backlog and delivery attempts, the change feed lag and (PostgreSQL) the connection pool', async () => {
    const instance = await apps.start({ env: { METRICS_TOKEN: TOKEN, WEBHOOK_ALLOW_PRIVATE: 'true' } });
    const { app, database } = instance;
    const { account } = await app.services.accounts.createAccount(operatorActor, 'Acme SaaS');
    // Port 9 (discard) on loopback: nothing listens, every attempt fails and is retried later.
    await app.services.webhooks.createEndpoint(operatorActor(account.id), { url: 'https://127.0.0.1:9/hooks' });
    for (const idpId of ['alpha.example', 'beta.example']) {
      await database.db.transaction().execute((trx) => app.services.events.record(trx, { accountId: account.id, type: 'connection.updated', idpId, data: { idpId } }));
    }
    expect((await scrape(app)).value('ssobridge_webhook_backlog')).toBe(2);
    expect(await app.services.webhooks.deliverDue()).toBe(2);
    const exposition = await scrape(app);
    expect(exposition.value('ssobridge_webhook_deliveries_total', { outcome: 'retry' })).toBe(2);
    expect(exposition.value('ssobridge_webhook_backlog')).toBe(2);

    const lag = exposition.value('ssobridge_change_feed_lag_seconds');
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(60);
    if (dialect === 'postgres') {
      expect(exposition.value('ssobridge_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
      expect(exposition.value('ssobridge_db_pool_connections', { state: 'idle' })).toBeGreaterThanOrEqual(0);
      expect(exposition.value('ssobridge_db_pool_connections', { state: 'waiting' })).toBeGreaterThanOrEqual(0);
    } else {
      expect(exposition.series('ssobridge_db_pool_connections')).toEqual([]);
    }
    // A stopped feed delivers nothing: no lag is reported rather than a stale one.
    await database.changes.stop();
    expect((await scrape(app)).series('ssobridge_change_feed_lag_seconds')).toEqual([]);
  });

  it('are the ones docs/operations.md lists, with the types it gives', async () => {
    const text = fs.readFileSync('docs/operations.md', 'utf8');
    const section = text.slice(text.indexOf('\n## Metrics\n'), text.indexOf('\n## ', text.indexOf('\n## Metrics\n') + 1));
    const documented = new Map([...section.matchAll(/^\| `(ssobridge_[a-z_]+)` \| (counter|gauge|histogram) \|/gm)].map((m) => [m[1]!, m[2]!]));
    const { app } = await withToken();
    const exposition = await scrape(app);
    const exposed = new Map([...exposition.types].filter(([name]) => name.startsWith('ssobridge_')));
    expect(exposed).toEqual(documented);
    for (const name of section.matchAll(/`((?:nodejs|process)_[a-z0-9_]+)`/g)) expect(exposition.types.has(name[1]!), name[1]).toBe(true);
  });

  it('serve GET /metrics on a listener of their own (METRICS_PORT), on loopback', async () => {
    const { app } = await apps.start({ env: { METRICS_PORT: '0' } });
    const metrics = app.services.metrics;
    expect(metrics).toBeDefined();
    // METRICS_PORT alone puts nothing on the public port.
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(404);
    await app.inject({ method: 'GET', url: '/healthz' });
    const listener = await listenForMetrics(metrics!, { port: 0, host: '127.0.0.1', logger: silentLogger });
    try {
      const res = await fetch(`http://127.0.0.1:${listener.port}/metrics`);
      expect(res.status).toBe(200);
      const exposition = parsePrometheusText(await res.text());
      expect(exposition.value('ssobridge_http_requests_total', { method: 'GET', route: '/healthz', status: '200' })).toBe(1);
      expect((await fetch(`http://127.0.0.1:${listener.port}/other`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${listener.port}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await listener.close();
    }
  });
});

describe('ssobridge serve with METRICS_PORT', () => {
  it('opens the metrics listener on METRICS_HOST beside the server, and nothing at /metrics on the public port', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-metrics-'));
    const metricsPort = await freePort();
    const server = await startServerProcess({ DATA_DIR: dataDir, DATABASE_URL: '', METRICS_PORT: String(metricsPort) });
    try {
      expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.baseUrl}/metrics`)).status).toBe(404);
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(res.status).toBe(200);
      const exposition = parsePrometheusText(await res.text());
      expect(exposition.value('ssobridge_http_requests_total', { method: 'GET', route: '/healthz', status: '200' })).toBeGreaterThanOrEqual(1);
      expect(exposition.value('ssobridge_change_feed_lag_seconds')).toBeGreaterThanOrEqual(0);
    } finally {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
