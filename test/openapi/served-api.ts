import type { AddressInfo } from 'node:net';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import type { Dialect } from '../../src/db/dialect.js';
import { startTestApp, type TestInstance } from '../helpers/test-app.js';

/** The OpenAPI document's parts these tests read; everything else stays `unknown`. */
export interface ServedDocument {
  openapi: string;
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; scheme?: string }> };
}

export interface Operation {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

/** A fresh server listening on a loopback port, as a client reaches it. */
export async function startListeningApp(dialect: Dialect): Promise<{ instance: TestInstance; baseUrl: string }> {
  const instance = await startTestApp(dialect);
  await instance.app.listen({ port: 0, host: '127.0.0.1' });
  return { instance, baseUrl: `http://127.0.0.1:${(instance.app.server.address() as AddressInfo).port}` };
}

/** `GET /openapi.json` over HTTP, as a code generator fetches it. */
export async function fetchServedDocument(baseUrl: string): Promise<ServedDocument> {
  const response = await fetch(`${baseUrl}/openapi.json`);
  if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
  return (await response.json()) as ServedDocument;
}

/**
 * The TypeScript types openapi-typescript generates from the document, as
 * test/openapi/ssobridge-api.d.ts holds them (`npx vitest run test/openapi -u` rewrites it).
 */
export async function generateApiTypes(document: ServedDocument): Promise<string> {
  // openapiTS takes its own OpenAPI3 type; the served JSON is passed as text so it parses it itself.
  return COMMENT_HEADER + astToString(await openapiTS(JSON.stringify(document)));
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

/** Every operation of the document with its method and path. */
export function operationsOf(document: ServedDocument): Array<{ method: string; path: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => (HTTP_METHODS as readonly string[]).includes(method))
      .map(([method, operation]) => ({ method, path, operation })),
  );
}
