import type { FastifyInstance } from 'fastify';

/**
 * The URL patterns of every route the app registered for `method` (e.g. `/console/applications/:saasid`),
 * read from Fastify's own route tree (`printRoutes`), so a test that visits "every page" also
 * visits a page added after the test was written.
 *
 * `printRoutes({ commonPrefix: false })` draws one node per line, four columns per level:
 *   └── /console (GET, HEAD)
 *       ├── /sign-in (GET, HEAD)
 * A node's path is its ancestors' labels followed by its own; it is a route when it lists the method.
 */
export function registeredRoutePatterns(app: FastifyInstance, method: 'GET' | 'POST'): string[] {
  const tree = app.printRoutes({ commonPrefix: false, method });
  const ancestors: string[] = [];
  const patterns: string[] = [];
  for (const line of tree.split('\n')) {
    const node = /^(.*?)[├└]── (.+?)(?: \(([^)]*)\))?$/.exec(line);
    if (!node) continue;
    const depth = [...node[1]!].length / 4;
    ancestors.length = depth;
    ancestors.push(node[2]!);
    const methods = (node[3] ?? '').split(',').map((m) => m.trim());
    if (methods.includes(method)) patterns.push(ancestors.join(''));
  }
  if (patterns.length === 0) throw new Error(`Could not read any ${method} route from printRoutes():\n${tree}`);
  return patterns;
}
