// Preloaded into a measured server on SQLite (`node --import ./bench/lib/query-counter.mjs …`, e.g.
// OIDC_BENCH_SERVER_NODE_ARGS='--import ./bench/lib/query-counter.mjs' BENCH_DIALECTS=sqlite with
// bench/oidc.ts): counts the SQL statements each HTTP route runs (better-sqlite3 executions, in the
// request's async context) and, when the process exits, prints per route the requests, statements
// per request and, for routes containing QUERY_COUNTER_DETAIL, each statement's count per request.
// Plain JavaScript so the compiled server can load it too. It only counts.
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const context = new AsyncLocalStorage();
const routes = new Map();
/** IDs (UUIDs, nanoids, tokens) become placeholders, so a route is one row. */
const routeOf = (method, url) =>
  `${method} ${url.split('?')[0].replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id').replace(/\/[A-Za-z0-9_-]{16,}(?=\/|$)/g, '/:uid')}`;

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, request, ...rest) {
  if (event !== 'request') return emit.call(this, event, request, ...rest);
  const route = routeOf(request.method, request.url);
  let counts = routes.get(route);
  if (!counts) routes.set(route, (counts = { requests: 0, statements: 0, bySql: new Map() }));
  counts.requests++;
  return context.run(counts, () => emit.call(this, event, request, ...rest));
};

const count = (sql) => {
  const counts = context.getStore();
  if (!counts) return;
  counts.statements++;
  const key = sql.replace(/\s+/g, ' ').slice(0, 140);
  counts.bySql.set(key, (counts.bySql.get(key) ?? 0) + 1);
};
let patched = false;
const prepare = Database.prototype.prepare;
Database.prototype.prepare = function (...args) {
  const statement = prepare.apply(this, args);
  // Statements are cached by the driver: count executions, on the Statement prototype (not exported).
  if (!patched) {
    patched = true;
    const proto = Object.getPrototypeOf(statement);
    for (const method of ['all', 'get', 'run', 'iterate']) {
      const original = proto[method];
      proto[method] = function (...params) {
        count(this.source);
        return original.apply(this, params);
      };
    }
  }
  return statement;
};

process.on('exit', () => {
  const detail = process.env.QUERY_COUNTER_DETAIL;
  for (const [route, counts] of routes) {
    process.stderr.write(`[queries] ${route}: ${counts.requests} requests, ${(counts.statements / counts.requests).toFixed(2)} statements each\n`);
    if (detail && route.includes(detail)) {
      for (const [sql, n] of counts.bySql) process.stderr.write(`[queries]     ${(n / counts.requests).toFixed(2)} ${sql}\n`);
    }
  }
});
