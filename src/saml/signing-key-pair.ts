import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export interface SigningKeyPair {
  privateKeyPem: string;
  certificatePem: string;
  notAfter: number;
}

const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;

/**
 * A fresh RSA-2048 key and a self-signed certificate for it. SAML peers pin the certificate
 * itself (its chain is never checked), so self-signed is what every SAML SP/IdP publishes.
 */
export async function generateSigningKeyPair(commonName: string, now: number, validityYears = 10): Promise<SigningKeyPair> {
  // Node 20's global Web Crypto, typed as the DOM Crypto that @peculiar/x509 expects.
  const crypto = globalThis.crypto;
  const keys = (await crypto.subtle.generateKey(RSA_SHA256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const notBefore = new Date(now - 60_000);
  const notAfter = new Date(now + validityYears * 365.25 * 24 * 3600_000);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1'),
      name: `CN=${commonName.replace(/[,=+<>#;"\\]/g, ' ')}`,
      notBefore,
      notAfter,
      signingAlgorithm: RSA_SHA256,
      keys,
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
    },
    crypto,
  );
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKeyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { privateKeyPem, certificatePem: certificate.toString('pem'), notAfter: notAfter.getTime() };
}
