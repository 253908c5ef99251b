import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CertificateParseError, certificateBody, parseCertificate, verificationKeyOf } from '../../src/saml/certificates.js';
import { fixtureCertificate, pemOf } from '../helpers/metadata-fixtures.js';

const okta = fixtureCertificate('okta-signing');
const OKTA_SUBJECT = 'emailAddress=info@idp-vendor.example, CN=acme, OU=SSOProvider, O=IdP Vendor Example, L=San Francisco, ST=California, C=US';

const sha256Colons = (derBase64: string) =>
  createHash('sha256')
    .update(Buffer.from(derBase64, 'base64'))
    .digest('hex')
    .toUpperCase()
    .match(/../g)!
    .join(':');

describe('parseCertificate', () => {
  it('reads a PEM certificate: subject and issuer in RFC 4514 order, validity, SHA-256 fingerprint', () => {
    const info = parseCertificate(pemOf(okta.der));
    expect(info).toEqual({
      pem: pemOf(okta.der),
      subject: OKTA_SUBJECT,
      issuer: OKTA_SUBJECT,
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: '2046-01-01T00:00:00.000Z',
      sha256Fingerprint: sha256Colons(okta.der),
    });
  });

  it.each([
    ['base64 DER on one line', okta.der],
    ['base64 DER in 64-column lines with indentation', `\n        ${okta.der.match(/.{1,64}/g)!.join('\n        ')}\n    `],
    ['base64 DER in 76-column CRLF lines', okta.der.match(/.{1,76}/g)!.join('\r\n')],
    ['PEM with CRLF line ends', pemOf(okta.der).replace(/\n/g, '\r\n')],
    ['PEM with text around it (as openssl x509 -text prints it)', `Certificate:\n    Data: ...\n${pemOf(okta.der)}trailing words`],
  ])('accepts %s and normalizes it to 64-column PEM', (_name, input) => {
    const info = parseCertificate(input);
    expect(info.pem).toBe(pemOf(okta.der));
    expect(info.subject).toBe(OKTA_SUBJECT);
    expect(info.sha256Fingerprint).toBe(okta.sha256Fingerprint);
  });

  it('round-trips through certificateBody', () => {
    expect(certificateBody(parseCertificate(okta.der).pem)).toBe(okta.der);
  });

  it.each([
    ['an empty string', '', /neither a PEM certificate nor base64/],
    ['text', 'not a certificate', /neither a PEM certificate nor base64/],
    ['base64 with a bad length', `${okta.der}A`, /neither a PEM certificate nor base64/],
    ['base64 that is not DER', Buffer.from('hello, I am not a certificate').toString('base64'), /not a valid X\.509 certificate/],
    ['a truncated certificate', okta.der.slice(0, 800), /not a valid X\.509 certificate/],
    ['two PEM certificates', pemOf(okta.der) + pemOf(fixtureCertificate('partner-idp').der), /more than one certificate/],
    ['a private key', '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n', /neither a PEM certificate nor base64|not a valid X\.509/],
    ['a huge input', 'A'.repeat(100_000), /longer than/],
  ])('refuses %s with a clear message', (_name, input, message) => {
    expect(() => parseCertificate(input)).toThrow(CertificateParseError);
    expect(() => parseCertificate(input)).toThrow(message);
  });

  it('gives the same description for the same text without parsing it again, and a new one for a rotated certificate', () => {
    const pem = pemOf(okta.der);
    const first = parseCertificate(pem);
    expect(parseCertificate(pem)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    const rotated = parseCertificate(pemOf(fixtureCertificate('partner-idp').der));
    expect(rotated).not.toBe(first);
    expect(rotated.sha256Fingerprint).not.toBe(first.sha256Fingerprint);
  });
});

describe('verificationKeyOf', () => {
  it('gives the same public key object for the same certificate text, and another for another certificate', () => {
    const pem = pemOf(okta.der);
    const key = verificationKeyOf(pem);
    expect(key?.type).toBe('public');
    expect(verificationKeyOf(pem)).toBe(key);
    const other = verificationKeyOf(pemOf(fixtureCertificate('partner-idp').der));
    expect(other).not.toBe(key);
    expect(other!.equals(key!)).toBe(false);
  });

  it('gives no key for text that is not a certificate', () => {
    expect(verificationKeyOf('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----')).toBeNull();
  });
});
