import { compileErrors, validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, errorCodes, type ErrorCode } from '../../src/errors.js';
import { dropTestDatabases } from '../helpers/databases.js';
import type { TestInstance } from '../helpers/test-app.js';
import { fetchServedDocument, operationsOf, startListeningApp, type ServedDocument } from './served-api.js';

afterAll(dropTestDatabases);

const API = '/web-portal/rest/saas/idp/2.0';
const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(errorCodes, code);

/** What the document must describe: every API and token-exchange operation, and nothing else. */
const expectedOperations = {
  listCustomers: { method: 'get', path: `${API}/spManaged`, errors: [400, 401, 429, 503] },
  putCustomer: { method: 'put', path: `${API}/spManaged/{idpId}`, errors: [400, 401, 404, 409, 412, 413, 414, 415, 429, 503] },
  getCustomer: { method: 'get', path: `${API}/spManaged/{idpId}`, errors: [400, 401, 404, 414, 429, 503] },
  deleteCustomer: { method: 'delete', path: `${API}/spManaged/{idpId}`, errors: [400, 401, 404, 414, 429, 503] },
  removeAppConnection: { method: 'delete', path: `${API}/spManaged/{idpId}/applications/{saasid}`, errors: [400, 401, 404, 414, 429, 503] },
  getIdpConfiguration: { method: 'get', path: `${API}/spManaged/{idpId}/idpConfiguration`, errors: [400, 401, 404, 414, 429, 503] },
  getCustomerMetadata: { method: 'get', path: `${API}/spManaged/{idpId}/metadata.xml`, errors: [400, 401, 404, 414, 429, 503] },
  createSetupLink: { method: 'post', path: `${API}/spManaged/{idpId}/setupLink`, errors: [400, 401, 414, 415, 429, 503] },
  listSetupLinks: { method: 'get', path: `${API}/spManaged/{idpId}/setupLinks`, errors: [400, 401, 404, 414, 429, 503] },
  revokeSetupLink: { method: 'delete', path: `${API}/spManaged/{idpId}/setupLinks/{id}`, errors: [400, 401, 404, 414, 429, 503] },
  listAuditLog: { method: 'get', path: `${API}/auditLog`, errors: [400, 401, 429, 503] },
  listEvents: { method: 'get', path: `${API}/events`, errors: [400, 401, 429, 503] },
  createWebhookEndpoint: { method: 'post', path: `${API}/webhookEndpoints`, errors: [400, 401, 409, 413, 415, 429, 503] },
  listWebhookEndpoints: { method: 'get', path: `${API}/webhookEndpoints`, errors: [400, 401, 429, 503] },
  getWebhookEndpoint: { method: 'get', path: `${API}/webhookEndpoints/{id}`, errors: [400, 401, 404, 414, 429, 503] },
  updateWebhookEndpoint: { method: 'patch', path: `${API}/webhookEndpoints/{id}`, errors: [400, 401, 404, 413, 414, 415, 429, 503] },
  replaceWebhookEndpoint: { method: 'put', path: `${API}/webhookEndpoints/{id}`, errors: [400, 401, 404, 413, 414, 415, 429, 503] },
  deleteWebhookEndpoint: { method: 'delete', path: `${API}/webhookEndpoints/{id}`, errors: [400, 401, 404, 414, 429, 503] },
  listWebhookDeliveries: { method: 'get', path: `${API}/webhookEndpoints/{id}/deliveries`, errors: [400, 401, 404, 414, 429, 503] },
  redeliverWebhook: { method: 'post', path: `${API}/webhookEndpoints/{id}/deliveries/{deliveryId}/redeliver`, errors: [400, 401, 404, 414, 429, 503] },
  listApplications: { method: 'get', path: `${API}/applications`, errors: [401, 429, 503] },
  getApplication: { method: 'get', path: `${API}/applications/{saasid}`, errors: [401, 404, 414, 429, 503] },
  exchangeToken: { method: 'get', path: '/sso/TXS/2.0/1/{tokenid}', errors: [401, 404, 414, 429, 503] },
  exchangeTokenAsProperties: { method: 'get', path: '/sso/TXS/2.0/2/{tokenid}', errors: [401, 404, 414, 429, 503] },
};

describe('GET /openapi.json', () => {
  let instance: TestInstance;
  let documentUrl: string;
  let document: ServedDocument;
  beforeAll(async () => {
    const served = await startListeningApp('sqlite');
    instance = served.instance;
    documentUrl = `${served.baseUrl}/openapi.json`;
    document = await fetchServedDocument(served.baseUrl);
  });
  afterAll(() => instance.close());

  it('is a valid OpenAPI 3.1 document whose every $ref resolves', async () => {
    expect(document.openapi).toBe('3.1.0');
    // Served bytes, parsed afresh: the validator dereferences (rewrites) what it is given.
    const served: Parameters<typeof validate>[0] = await (await fetch(documentUrl)).json();
    const result = await validate(served);
    expect(result.valid ? '' : compileErrors(result)).toBe('');
    expect(result.warnings).toEqual([]);
  });

  it('describes the API and the token exchange only, one operationId per operation', () => {
    const operations = operationsOf(document).map(({ method, path, operation }) => ({ operationId: operation.operationId, method, path }));
    expect(operations.filter((o) => !o.path.startsWith(`${API}/`) && !o.path.startsWith('/sso/TXS/2.0/'))).toEqual([]);
    expect(Object.keys(document.paths).filter((p) => /^\/(console|portal|public|sso\/(sp|idp)|healthz|readyz|openapi)/.test(p))).toEqual([]);
    expect(operations.sort((a, b) => String(a.operationId).localeCompare(String(b.operationId)))).toEqual(
      Object.entries(expectedOperations)
        .map(([operationId, { method, path }]) => ({ operationId, method, path }))
        .sort((a, b) => a.operationId.localeCompare(b.operationId)),
    );
  });

  it('names where to send requests, and HTTP Basic on every operation with the credentials it takes', () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: instance.config.publicUrl })]);
    for (const { path, operation } of operationsOf(document)) {
      const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
      expect(schemes, path).toEqual([path.startsWith('/sso/TXS/') ? 'applicationCredentials' : 'connectionApiCredentials']);
      expect(document.components.securitySchemes[schemes[0]!]).toMatchObject({ type: 'http', scheme: 'basic' });
    }
  });

  it('documents every error answer with the one Error schema, and each code named answers that status', () => {
    expect(document.components.schemas.Error).toMatchObject({
      type: 'object',
      required: ['error'],
      properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: {}, message: {}, fields: { type: 'array' } } } },
    });
    for (const [operationId, expected] of Object.entries(expectedOperations)) {
      const { operation } = operationsOf(document).find((o) => o.operation.operationId === operationId)!;
      const errorStatuses = Object.keys(operation.responses).filter((status) => Number(status) >= 400);
      expect(errorStatuses.map(Number), operationId).toEqual(expected.errors);
      for (const status of errorStatuses) {
        const response = operation.responses[status]!;
        expect(response.content, `${operationId} ${status}`).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/Error' } } });
        const codes = [...response.description.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!);
        for (const code of codes) {
          if (!isErrorCode(code)) throw new Error(`${operationId} ${status} names ${code}, which src/errors.ts does not define`);
          expect(new AppError(code, '').status, `${operationId} ${status} ${code}`).toBe(Number(status));
        }
      }
    }
  });

  it('documents SP metadata as SAML metadata XML and the properties exchange as text, not JSON', () => {
    const byId = (id: string) => operationsOf(document).find((o) => o.operation.operationId === id)!.operation;
    expect(byId('getCustomerMetadata').responses['200']!.content).toEqual({ 'application/samlmetadata+xml': { schema: { type: 'string' } } });
    expect(byId('exchangeTokenAsProperties').responses['200']!.content).toEqual({ 'text/plain': { schema: { type: 'string' } } });
    expect(byId('deleteCustomer').responses['204']!.content).toBeUndefined();
  });
});
