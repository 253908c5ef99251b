import { X509Certificate } from 'node:crypto';

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

/** Accepts one certificate as PEM or as base64 DER (whitespace ignored), as IdP admins paste them. */
export function parseCertificate(input: string): CertificateInfo {
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
