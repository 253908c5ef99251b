import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { securityHeaders } from './http/security-headers.js';
import { oidcPages } from './http/sso/oidc-pages.js';
import { createOidcProviders } from './oidc/oidc-providers.js';
import { openApiOptions } from './http/openapi-document.js';
import { zodValidatorCompiler } from './http/zod-validator.js';
import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { prepareSealedSecrets, sealedSetting } from './domain/keys/sealed-secrets.js';
import { API_PREFIX, apiPlugin } from './http/api/api-plugin.js';
import { jsonErrorHandler, rawJsonErrorResponse, sendJsonError } from './http/api/json-errors.js';
import { toAppError } from './http/to-app-error.js';
import { noRouteError } from './http/allowed-methods.js';
import { DEFAULT_BODY_LIMIT } from './http/body-limits.js';
import { consolePlugin, sendConsoleNotFound } from './http/console/console-plugin.js';
import { ssoPlugin } from './http/sso/sso-plugin.js';
import { portalPlugin } from './http/portal/portal-plugin.js';
import { testResultRoute } from './http/portal/test-sign-in-routes.js';
import { createServices, type Services } from './services.js';
import { registerMetricsRoute } from './http/metrics-routes.js';

const publicDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'public');

export interface AppDependencies {
  config: Config;
  database: Database;
  clock: Clock;
  logger: Logger;
}

export type App = FastifyInstance & { services: Services };

/** Builds the HTTP application. Never listens and never reads the environment. */
export async function buildApp(deps: AppDependencies): Promise<App> {
  const { config, database, clock, logger } = deps;
  const services = createServices(deps);
  const headers = securityHeaders({ https: config.publicUrl.startsWith('https://') });
  // Fastify's own logger type, which pino's satisfies: the instance then has Fastify's default types.
  const loggerInstance: FastifyBaseLogger = logger;
  const app: FastifyInstance = Fastify({
    loggerInstance,
    // A hop count becomes proxy-addr's function form: trust the nearest `n` proxies only.
    trustProxy: typeof config.trustProxy === 'number' ? (hops => (_address: string, hop: number) => hop < hops)(config.trustProxy) : config.trustProxy,
    bodyLimit: DEFAULT_BODY_LIMIT,
    genReqId: () => randomUUID(),
    // idpIds may be up to 255 characters, more once URL-encoded.
    routerOptions: { maxParamLength: 1024 },
    requestIdHeader: false,
    // The router refuses a bad URL or an over-long path segment before any hook or route runs.
    frameworkErrors: (error, request, reply) => {
      reply.headers(headers).header('X-Request-Id', request.id);
      // The reply is sent; Fastify awaits nothing from this handler.
      void jsonErrorHandler(error, request, reply);
    },
    // Requests the HTTP parser refuses (oversized headers or URI, garbled) never reach a route;
    // answer them in the same JSON shape anyway.
    clientErrorHandler: (error, socket) => {
      if (socket.writable) socket.end(rawJsonErrorResponse(toAppError(error)));
    },
  });
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(jsonErrorHandler);

  app.addHook('onRequest', async (request, reply) => {
    // The request ID error pages and logs show, so a client can quote it from any response.
    reply.headers(headers).header('X-Request-Id', request.id);
  });
  const { metrics } = services;
  if (metrics) {
    // Runs when the response has been written, hijacked ones too (the OIDC routes hand theirs to oidc-provider).
    app.addHook('onResponse', (request, reply, done) => {
      metrics.observeRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    if (config.metrics.token !== undefined) registerMetricsRoute(app, metrics, config.metrics.token);
  }
  // Values an older version stored in clear are sealed now; another key-encryption key than the database's stops here.
  await prepareSealedSecrets(database.db, services.sealer);
  // Shared by every instance, so a cookie signed by one verifies on another; sealed at rest like signing keys.
  const cookieSecret = await sealedSetting(database.db, services.sealer, 'cookie_secret', () => randomBytes(32).toString('base64url'));
  await app.register(cookie, { secret: cookieSecret });
  await app.register(fastifyStatic, { root: publicDir, prefix: '/public/', index: false, maxAge: 3600_000 });
  await app.register(swagger, openApiOptions({ publicUrl: config.publicUrl }));

  // A person who opens the server's address wants the console.
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console'));
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(database.db);
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'database unavailable' });
    }
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(apiPlugin, { prefix: API_PREFIX, services });
  const csrfHmacKey = await sealedSetting(database.db, services.sealer, 'csrf_hmac_key', () => randomBytes(32).toString('base64url'));
  // Signs oidc-provider's cookies; shared by every instance, like the cookie secret.
  const oidcCookieKey = await sealedSetting(database.db, services.sealer, 'oidc_cookie_key', () => randomBytes(32).toString('base64url'));
  const oidcProviders = createOidcProviders({
    db: database.db,
    clock,
    logger,
    publicUrl: config.publicUrl,
    cookieKeys: [oidcCookieKey],
    pages: oidcPages,
    store: services.ssoStore,
    signingKeys: services.signingKeys,
    changes: database.changes,
  });
  await app.register(ssoPlugin, { services, publicUrl: config.publicUrl, oidcProviders });
  await app.register(consolePlugin, { services, clock, publicUrl: config.publicUrl, csrfHmacKey });
  await app.register(portalPlugin, { services, publicUrl: config.publicUrl, csrfHmacKey });
  // Beside the portal, outside its setup link check: this path carries no secret.
  await app.register(testResultRoute, { publicUrl: config.publicUrl });

  // A path that exists with other methods answers 405 with `Allow` (RFC 9110 §15.5.6), else 404.
  app.setNotFoundHandler((request, reply) => {
    const error = noRouteError(request, reply);
    return request.url.startsWith('/console/') ? sendConsoleNotFound(request, reply, error) : sendJsonError(request, reply, error);
  });
  app.addHook('onClose', async () => services.close());

  app.decorate('services', services);
  // Not ready()-ed here: a caller (the benchmarks) may still add routes; listen() and inject() get ready themselves.
  return app as App;
}
