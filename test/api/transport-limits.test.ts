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

  /** The status line, and the JSON body parsed (the connection closes after it). */
  const refused = (response: string) => {
    const [head = '', body = ''] = response.split('\r\n\r\n');
    return { statusLine: head.split('\r\n')[0], contentType: /^content-type: (.*)$/im.exec(head)?.[1], body: JSON.parse(body) as unknown };
  };

  it('answers huge headers with 431 and the API error body', async () => {
    const response = refused(await rawRequest(port, `GET ${SP_MANAGED} HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(40_000)}\r\n\r\n`));
    expect(response.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(response.contentType).toBe('application/json; charset=utf-8');
    expect(response.body).toEqual({ error: { code: 'HEADERS_TOO_LARGE', message: 'The request headers are too large (at most 16384 bytes with the request line).' } });
  });

  it('answers a request line longer than the header limit with 414 and the API error body', async () => {
    const response = refused(await rawRequest(port, `GET ${SP_MANAGED}/${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`));
    expect(response.statusLine).toBe('HTTP/1.1 414 URI Too Long');
    expect(response.contentType).toBe('application/json; charset=utf-8');
    expect(response.body).toEqual({ error: { code: 'URI_TOO_LONG', message: 'The request URI is too long (the request line alone exceeds 16384 bytes).' } });
  });

  it('answers a garbled request line with 400 and the API error body', async () => {
    const response = refused(await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n'));
    expect(response.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(response.body).toEqual({ error: { code: 'MALFORMED_REQUEST', message: 'The request could not be understood.' } });
  });

  it('still serves normal requests afterwards', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  });
});
