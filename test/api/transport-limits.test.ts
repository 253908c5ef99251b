import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabases } from '../helpers/databases.js';
import { SP_MANAGED, startTestApp, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);

/** Sends raw bytes to the listening server and returns the raw response. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(request));
    let response = '';
    socket.on('data', (d) => (response += d.toString()));
    socket.on('end', () => resolve(response));
    socket.on('error', reject);
  });
}

describe('requests the HTTP parser refuses', () => {
  let instance: TestInstance;
  let port: number;
  beforeAll(async () => {
    instance = await startTestApp('sqlite');
    await instance.app.listen({ port: 0, host: '127.0.0.1' });
    port = (instance.app.server.address() as net.AddressInfo).port;
  });
  afterAll(() => instance.close());

  it('answers huge headers with 431 and a JSON error', async () => {
    const response = await rawRequest(port, `GET ${SP_MANAGED} HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(40_000)}\r\n\r\n`);
    expect(response).toMatch(/^HTTP\/1\.1 431 /);
    expect(response).toContain('"code":"HEADERS_TOO_LARGE"');
  });

  it('answers a garbled request line with 400 and a JSON error', async () => {
    const response = await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(response).toContain('"code":"MALFORMED_REQUEST"');
  });

  it('still serves normal requests afterwards', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  });
});
