import { X509Certificate, type KeyObject } from 'node:crypto';

/** A verification certificate as the API reports it. */
export interface CertificateInfo {
  /** Normalized PEM: one certificate, 64-column base64. */
  pem: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  sha256Fingerprint: string;
}

export class CertificateParseError extends Error {}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
const MAX_CERTIFICATE_CHARS = 16 * 1024;

/**
 * Remembers the last `capacity` results by certificate text, least recently used first out.
 * Parsing X.509 is the costly part of an unchanged PUT of a customer (the same certificates come
 * back every time) and of every signature check (the same pinned certificate on every login); a
 * bound keeps a stream of distinct certificates from growing memory.
 */
function memoizeByText<T>(capacity: number, compute: (text: string) => T): (text: string) => T {
  const memo = new Map<string, T>();
  return (text) => {
    const known = memo.get(text);
    if (known !== undefined || memo.has(text)) {
      // Map keeps insertion order: re-inserting marks the entry as the most recently used.
      memo.delete(text);
      memo.set(text, known as T);
      return known as T;
    }
    const value = compute(text);
    memo.set(text, value);
    if (memo.size > capacity) memo.delete(memo.keys().next().value!);
    return value;
  };
}

/** A few hundred customer connections' worth of certificates (each may pin up to ten). */
const MEMO_CAPACITY = 500;

/**
 * Accepts one certificate as PEM or as base64 DER (whitespace ignored), as IdP admins paste them.
 * The same text gives the same (frozen) result without being parsed again.
 */
export const parseCertificate: (input: string) => CertificateInfo = memoizeByText(MEMO_CAPACITY, (input) => Object.freeze(readCertificate(input)));

/**
 * The public key of a pinned certificate, ready for signature checks, or null when the text is
 * not a certificate (a connection may pin one that no longer parses: it verifies nothing). The
 * same text gives the same KeyObject, so a login does not parse PEM or X.509.
 */
export const verificationKeyOf: (certificatePem: string) => KeyObject | null = memoizeByText(MEMO_CAPACITY, (certificatePem) => {
  try {
    return new X509Certificate(certificatePem).publicKey;
  } catch {
    return null;
  }
});

function readCertificate(input: string): CertificateInfo {
  if (input.length > MAX_CERTIFICATE_CHARS) throw new CertificateParseError(`is longer than ${MAX_CERTIFICATE_CHARS} characters`);
  const blocks = [...input.matchAll(PEM_BLOCK)];
  if (blocks.length > 1) throw new CertificateParseError('contains more than one certificate; give each as its own list item');
  const body = (blocks[0]?.[1] ?? input).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) {
    throw new CertificateParseError('is neither a PEM certificate nor base64-encoded DER');
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(Buffer.from(body, 'base64'));
  } catch {
    throw new CertificateParseError('is not a valid X.509 certificate');
  }
  return describeCertificate(certificate);
}

export function describeCertificate(certificate: X509Certificate): CertificateInfo {
  const der = certificate.raw.toString('base64');
  return {
    pem: `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`,
    subject: oneLineName(certificate.subject),
    issuer: oneLineName(certificate.issuer),
    notBefore: new Date(certificate.validFrom).toISOString(),
    notAfter: new Date(certificate.validTo).toISOString(),
    sha256Fingerprint: certificate.fingerprint256,
  };
}

/** Node prints distinguished names one attribute per line; RFC 4514 style reads better in JSON. */
function oneLineName(name: string): string {
  return name.split('\n').filter(Boolean).reverse().join(', ');
}

/** The base64 DER body of a PEM certificate, as XML-DSig's X509Certificate element wants it. */
export function certificateBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}
