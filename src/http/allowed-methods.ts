import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { AppError } from '../errors.js';

/** The methods a route of ours may answer; probed in this order, so `Allow` lists them so. */
const METHODS: readonly HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * The methods that have a route for this request's path, read from Fastify's own route table
 * (HEAD comes with every GET), so the answer can never disagree with the routes themselves.
 */
export function allowedMethods(app: FastifyInstance, url: string): HTTPMethods[] {
  return METHODS.filter((method) => {
    // Typed as always found, but find-my-way answers null when no route matches.
    const found: unknown = app.findRoute({ method, url });
    return found !== null;
  });
}

/**
 * Why no route answers this request: the path exists with other methods (405, and the reply gets
 * `Allow`, RFC 9110 §15.5.6), or it does not exist at all (404).
 */
export function noRouteError(request: FastifyRequest, reply: FastifyReply, kind: 'operation' | 'route' = 'route'): AppError {
  const path = request.url.split('?')[0] ?? '';
  const allowed = allowedMethods(request.server, request.url);
  if (allowed.length > 0 && !allowed.includes(request.method as HTTPMethods)) {
    reply.header('Allow', allowed.join(', '));
    return new AppError('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}.`);
  }
  return new AppError('ROUTE_NOT_FOUND', `No ${kind} ${request.method} ${path}.`);
}
