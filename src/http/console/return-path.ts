/** Where an admin lands after signing in when they did not ask for a page. */
export const DEFAULT_CONSOLE_PAGE = '/console/account/integration';

const MAX_RETURN_PATH_LENGTH = 2048;
// Any origin works: a path resolved against it must come back on it, or it was not a path.
const BASE = new URL('http://console.invalid');
// Pages that would loop back to sign-in or act on the session instead of showing a page.
const NOT_RETURN_TARGETS = new Set(['/console/sign-in', '/console/sign-out', '/console/setup']);

function decodedOnce(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/**
 * The page to return to after sign-in, or undefined when `raw` is not a same-origin console path.
 * Only a relative path under /console is honoured, so the parameter cannot become an open
 * redirect: `//evil`, `/\evil`, `https://evil`, control characters, dot segments and their
 * percent-encoded forms are refused rather than repaired. The value returned is the canonical
 * path and query (never a fragment).
 */
export function safeReturnPath(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_RETURN_PATH_LENGTH) return undefined;
  const decoded = decodedOnce(raw);
  if (decoded === undefined) return undefined;
  for (const form of [raw, decoded]) {
    // One leading slash, then no second slash or backslash a browser could read as an authority;
    // no whitespace or control characters, which browsers strip before parsing.
    if (!form.startsWith('/') || form.startsWith('//') || /[\\\u0000-\u0020\u007f]/.test(form)) return undefined;
    if (form.includes('//') || /(^|\/)\.\.?(\/|$|\?)/.test(form)) return undefined;
  }
  // A doubly encoded path would be decoded again by some proxies: refuse `%25` rather than guess.
  if (/%25/i.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return undefined;
  }
  if (url.origin !== BASE.origin || url.hash !== '') return undefined;
  if (url.pathname !== '/console' && !url.pathname.startsWith('/console/')) return undefined;
  if (NOT_RETURN_TARGETS.has(url.pathname)) return undefined;
  const canonical = `${url.pathname}${url.search}`;
  // What the browser would request must be exactly what was given, not a repaired variant.
  return canonical === raw ? canonical : undefined;
}

/** The sign-in page that returns to `path` afterwards (the console's redirect for a signed-out visitor). */
export function signInUrlReturningTo(path: string): string {
  const target = safeReturnPath(path);
  return target === undefined || target === '/console' ? '/console/sign-in' : `/console/sign-in?next=${encodeURIComponent(target)}`;
}
