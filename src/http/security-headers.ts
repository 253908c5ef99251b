import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import helmet from 'helmet';

/**
 * The security headers of every response (strict CSP and the rest of helmet's set), computed once
 * at start by running helmet against a stand-in response. @fastify/helmet rebuilt them on every
 * request, which cost about as much as HTTP Basic authentication (docs/benchmarks.md).
 */
export function securityHeaders(options: { https: boolean }): Record<string, string> {
  // A real response that is never sent: helmet only sets and removes headers on it.
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    strictTransportSecurity: options.https,
    crossOriginEmbedderPolicy: false,
  })(request, response, () => undefined);
  return Object.fromEntries(Object.entries(response.getHeaders()).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]));
}
