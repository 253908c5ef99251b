import type { App } from '../../src/app.js';

/**
 * Drives the console through app.inject the way a browser does: keeps cookies, reads the CSRF
 * token from the last page's form, submits urlencoded forms.
 */
export class ConsoleClient {
  private cookies = new Map<string, string>();
  lastHtml = '';

  constructor(private readonly app: App, private readonly remoteAddress = '127.0.0.1') {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(setCookie: string | string[] | undefined): void {
    for (const line of [setCookie ?? []].flat()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(url: string) {
    const res = await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader() }, remoteAddress: this.remoteAddress });
    this.remember(res.headers['set-cookie']);
    if (res.headers['content-type']?.toString().startsWith('text/html')) this.lastHtml = res.body;
    return res;
  }

  csrfToken(): string {
    const match = /name="_csrf" value="([^"]+)"/.exec(this.lastHtml);
    if (!match) throw new Error('no CSRF token on the last page');
    return match[1]!;
  }

  /** Submits a form with the CSRF token of the last page unless `_csrf` is given (or null to omit it). */
  async post(url: string, form: Record<string, string> | URLSearchParams, options: { csrf?: string | null } = {}) {
    // URLSearchParams for forms with repeated fields (checkbox groups).
    const fields = new URLSearchParams(form);
    if (options.csrf !== null) fields.set('_csrf', options.csrf ?? this.csrfToken());
    const res = await this.app.inject({
      method: 'POST',
      url,
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: fields.toString(),
      remoteAddress: this.remoteAddress,
    });
    this.remember(res.headers['set-cookie']);
    if (res.headers['content-type']?.toString().startsWith('text/html')) this.lastHtml = res.body;
    return res;
  }

  /**
   * Submits a multipart form (one with a file input), encoded by Node's own FormData as a browser
   * would, with the CSRF token of the last page unless `_csrf` is already in the form.
   */
  async postMultipart(url: string, form: FormData) {
    if (!form.has('_csrf')) form.set('_csrf', this.csrfToken());
    const encoded = new Request('http://console.test/', { method: 'POST', body: form });
    const res = await this.app.inject({
      method: 'POST',
      url,
      headers: { cookie: this.cookieHeader(), 'content-type': encoded.headers.get('content-type')! },
      payload: Buffer.from(await encoded.arrayBuffer()),
      remoteAddress: this.remoteAddress,
    });
    this.remember(res.headers['set-cookie']);
    if (res.headers['content-type']?.toString().startsWith('text/html')) this.lastHtml = res.body;
    return res;
  }

  async signIn(email: string, password: string) {
    await this.get('/console/sign-in');
    return this.post('/console/sign-in', { email, password });
  }
}
