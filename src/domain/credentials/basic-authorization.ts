/**
 * Parses `Authorization: Basic …` (RFC 7617). Returns the credentials as sent and, when they
 * differ, as decoded per RFC 6749 §2.3.1 (form-URL-encoded before base64): curl sends the raw
 * secret, OAuth-style clients the encoded one, and both must work.
 */
export interface ClientCredentials {
  clientId: string;
  secret: string;
}

export type BasicParseResult =
  | { ok: true; candidates: ClientCredentials[] }
  | { ok: false; reason: 'missing' | 'not_basic' | 'malformed' };

/** Longer headers are refused before decoding; no real client ID and secret come near it. */
export const MAX_BASIC_HEADER_LENGTH = 2048;

const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseBasicAuthorization(header: string | undefined): BasicParseResult {
  if (header === undefined || header === '') return { ok: false, reason: 'missing' };
  if (header.length > MAX_BASIC_HEADER_LENGTH) return { ok: false, reason: 'malformed' };
  const match = /^([A-Za-z]+) +(\S+) *$/.exec(header);
  if (!match) return { ok: false, reason: 'malformed' };
  if (match[1]!.toLowerCase() !== 'basic') return { ok: false, reason: 'not_basic' };
  const token = match[2]!;
  if (!base64Pattern.test(token) || token.length % 4 !== 0) return { ok: false, reason: 'malformed' };
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(token, 'base64'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { ok: false, reason: 'malformed' };
  const raw = { clientId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  if (raw.secret === '' || /[\u0000-\u001f\u007f]/.test(decoded)) return { ok: false, reason: 'malformed' };
  const formDecoded = formDecode(raw);
  const candidates = formDecoded && (formDecoded.clientId !== raw.clientId || formDecoded.secret !== raw.secret) ? [raw, formDecoded] : [raw];
  return { ok: true, candidates };
}

function formDecode(c: ClientCredentials): ClientCredentials | undefined {
  try {
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { clientId: decode(c.clientId), secret: decode(c.secret) };
  } catch {
    return undefined;
  }
}
