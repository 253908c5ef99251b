/**
 * A minimal browser over fetch for journeys that need no JavaScript: it keeps cookies (with
 * their paths, and deleting expired ones), follows redirects itself so a journey can stop at a
 * given URL (an app's redirect URI that nothing serves), and submits the first form of a page
 * as a browser would (hidden fields, plus what the user types). Pages that post themselves with
 * a script (an IdP's auto-post page) are submitted the same way.
 */
interface StoredCookie {
  value: string;
  path: string;
}

export interface BrowserPage {
  url: string;
  status: number;
  headers: Headers;
  body: string;
}

export class HttpBrowser {
  private readonly jar = new Map<string, Map<string, StoredCookie>>();

  /** Follows redirects from `url` until a page answers, or until `stopAt` says the next URL is where the journey ends. */
  async open(url: string, options: { stopAt?: (url: URL) => boolean; method?: 'GET' | 'POST'; form?: Record<string, string> } = {}): Promise<BrowserPage> {
    let current = new URL(url);
    let method = options.method ?? 'GET';
    let form = options.form;
    for (let hops = 0; hops < 20; hops++) {
      if (options.stopAt?.(current)) return { url: current.href, status: 0, headers: new Headers(), body: '' };
      const headers: Record<string, string> = { accept: 'text/html' };
      const cookie = this.cookieHeader(current);
      if (cookie) headers.cookie = cookie;
      if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await fetch(current, { method, headers, redirect: 'manual', ...(form && { body: new URLSearchParams(form).toString() }) });
      this.store(current, res.headers.getSetCookie());
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        current = new URL(location, current);
        // 303 (and 302 after a POST, as browsers do) becomes a GET.
        if (res.status !== 307 && res.status !== 308) {
          method = 'GET';
          form = undefined;
        }
        continue;
      }
      return { url: current.href, status: res.status, headers: res.headers, body: await res.text() };
    }
    throw new Error(`Too many redirects from ${url}`);
  }

  /** Submits the page's first form (or the one with this id) with its hidden fields and `typed`. */
  async submit(page: BrowserPage, typed: Record<string, string> = {}, options: { formId?: string; stopAt?: (url: URL) => boolean } = {}): Promise<BrowserPage> {
    const forms = [...page.body.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)];
    const chosen = options.formId ? forms.find((f) => attribute(f[1]!, 'id') === options.formId) : forms[0];
    if (!chosen) throw new Error(`No form on ${page.url} (status ${page.status}):\n${page.body.slice(0, 2000)}`);
    const action = new URL(decodeEntities(attribute(chosen[1]!, 'action') ?? page.url), page.url);
    const method = (attribute(chosen[1]!, 'method') ?? 'get').toUpperCase();
    const fields: Record<string, string> = {};
    for (const input of chosen[2]!.matchAll(/<input\b([^>]*)>/gi)) {
      const name = attribute(input[1]!, 'name');
      if (name && attribute(input[1]!, 'type')?.toLowerCase() === 'hidden') fields[decodeEntities(name)] = decodeEntities(attribute(input[1]!, 'value') ?? '');
    }
    Object.assign(fields, typed);
    if (method === 'POST') return this.open(action.href, { method: 'POST', form: fields, ...(options.stopAt && { stopAt: options.stopAt }) });
    for (const [name, value] of Object.entries(fields)) action.searchParams.set(name, value);
    return this.open(action.href, options.stopAt ? { stopAt: options.stopAt } : {});
  }

  cookieNames(origin: string): string[] {
    return [...(this.jar.get(new URL(origin).host)?.keys() ?? [])];
  }

  private cookieHeader(url: URL): string {
    const cookies = this.jar.get(url.host);
    if (!cookies) return '';
    return [...cookies.entries()]
      .filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, setCookies: string[]): void {
    const cookies = this.jar.get(url.host) ?? new Map<string, StoredCookie>();
    this.jar.set(url.host, cookies);
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const attr = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const expired = attr('max-age') === '0' || (attr('expires') !== undefined && Date.parse(attr('expires')!) <= Date.now());
      if (expired) cookies.delete(name);
      else cookies.set(name, { value, path: attr('path') ?? '/' });
    }
  }
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return match ? (match[2] ?? match[3] ?? match[4]) : undefined;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCharCode(parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
