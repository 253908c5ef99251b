import type { CertificateInfo } from '../../saml/certificates.js';

const DAY_MS = 86_400_000;

/** Whole days from `now` until the certificate's notAfter: 0 on its last day, negative once expired. */
export function daysLeft(certificate: Pick<CertificateInfo, 'notAfter'>, now: number): number {
  return Math.floor((Date.parse(certificate.notAfter) - now) / DAY_MS);
}

/**
 * Said in the answer to a save that succeeded anyway: a pinned IdP certificate that is not valid
 * now. We verify signatures with the pinned key whatever its dates (SAML trusts the pinned key,
 * not the dates), but an IdP that still signs with an expired certificate is usually about to
 * roll it over, and a wrong paste is better caught now than at the first failed sign-in.
 */
export interface CertificateWarning {
  code: 'CERTIFICATE_EXPIRED' | 'CERTIFICATE_NOT_YET_VALID';
  /** The body field that holds it (`certificates.0`); from metadata, the metadata field. */
  field: string;
  message: string;
  subject: string;
  sha256Fingerprint: string;
  notBefore: string;
  notAfter: string;
}

/** Warnings for the certificates, in their order, that are expired or not yet valid at `now`. */
export function certificateWarnings(certificates: readonly CertificateInfo[], now: number, fieldOf: (index: number) => string): CertificateWarning[] {
  return certificates.flatMap((c, i): CertificateWarning[] => {
    const facts = { field: fieldOf(i), subject: c.subject, sha256Fingerprint: c.sha256Fingerprint, notBefore: c.notBefore, notAfter: c.notAfter };
    if (Date.parse(c.notAfter) <= now) {
      return [{ code: 'CERTIFICATE_EXPIRED', message: `The IdP certificate "${c.subject}" expired on ${c.notAfter}. Signatures are still checked against it, but the IdP has probably moved to a new one: ask the customer for its current certificate.`, ...facts }];
    }
    if (Date.parse(c.notBefore) > now) {
      return [{ code: 'CERTIFICATE_NOT_YET_VALID', message: `The IdP certificate "${c.subject}" is not valid until ${c.notBefore}. Check that it is the one the IdP signs with now.`, ...facts }];
    }
    return [];
  });
}

/** When `daysLeft` of any of these certificates next changes (Infinity for none): until then, an answer built now stays right. */
export function daysLeftChangeAt(certificates: readonly Pick<CertificateInfo, 'notAfter'>[], now: number): number {
  return Math.min(...certificates.map((c) => Date.parse(c.notAfter) - daysLeft(c, now) * DAY_MS));
}
