import type { FastifyDynamicSwaggerOptions, SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { API_PREFIX } from './api/api-plugin.js';
import { TOKEN_EXCHANGE_PREFIX } from './sso/token-exchange-routes.js';

type SecurityRequirement = Record<string, string[]>;

/**
 * The surfaces `/openapi.json` describes, and the credentials each accepts. Everything else
 * (console and portal pages, the browser side of SSO, static files, health checks) is HTML or
 * for machines that do not need a client, so it stays out: an allowlist, so a new page can never
 * leak into the API's document.
 */
const documentedSurfaces: ReadonlyArray<{ prefix: string; security: SecurityRequirement[] }> = [
  { prefix: `${API_PREFIX}/`, security: [{ connectionApiCredentials: [] }] },
  { prefix: TOKEN_EXCHANGE_PREFIX, security: [{ applicationCredentials: [] }] },
];

/** Route schemas (zod) become JSON Schema; routes outside the documented surfaces are hidden. */
const transform: SwaggerTransform = (input) => {
  const surface = documentedSurfaces.find((s) => input.url.startsWith(s.prefix));
  if (!surface) return { schema: { hide: true }, url: input.url };
  const transformed = jsonSchemaTransform(input);
  return { url: transformed.url, schema: { ...transformed.schema, security: surface.security } };
};

/**
 * `components.schemas` from the zod registry (schemas given an id with `.meta({ id })`), keeping
 * only those the documented operations reference: the registry is process-wide and also holds the
 * input/output twin of every named schema.
 */
const transformObject: SwaggerTransformObject = (documentObject) => {
  const document = jsonSchemaTransformObject(documentObject);
  if (!('components' in document) || !document.components?.schemas) return document;
  const { schemas } = document.components;
  const used = referencedSchemaNames(document.paths, schemas);
  // A fresh object from jsonSchemaTransformObject: pruning it in place changes nothing shared.
  document.components.schemas = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return document;
};

const SCHEMA_REF = /^#\/components\/schemas\/(.+)$/;

/** Names of the component schemas reachable from `root`, following `$ref`s through components. */
function referencedSchemaNames(root: unknown, schemas: Record<string, unknown>): Set<string> {
  const found = new Set<string>();
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (Array.isArray(node)) {
      pending.push(...(node as unknown[]));
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        const name = key === '$ref' && typeof value === 'string' ? SCHEMA_REF.exec(value)?.[1] : undefined;
        if (name !== undefined && !found.has(name)) {
          found.add(name);
          pending.push(schemas[name]);
        } else {
          pending.push(value);
        }
      }
    }
  }
  return found;
}

const basicCredentials = (description: string) => ({ type: 'http' as const, scheme: 'basic', description });

/** @fastify/swagger options for the document served at `/openapi.json`. */
export function openApiOptions(options: { publicUrl: string }): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'ssobridge Customer Connection API',
        version: '2.0',
        description:
          'Manage customer identity providers and their app connections (`/web-portal/rest/saas/idp/2.0/…`, as in PingOne SSO for SaaS Apps), and exchange the one-time tokens of REST applications (`/sso/TXS/2.0/…`). Errors are `{ "error": { "code", "message", "fields"? } }`.',
      },
      servers: [{ url: options.publicUrl, description: 'This ssobridge (its PUBLIC_URL)' }],
      components: {
        securitySchemes: {
          connectionApiCredentials: basicCredentials('A Connection API credential, or the enabled global credentials of the account: client ID and client secret.'),
          applicationCredentials: basicCredentials("The application credentials of the REST application the token was issued for, or the account's enabled global credentials."),
        },
      },
    },
    transform,
    transformObject,
  };
}
