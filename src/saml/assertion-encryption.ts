import { createPublicKey } from 'node:crypto';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { encrypt } from 'xml-encryption';
import { NS } from './xml.js';

/**
 * Replaces the (already signed) Assertion of a Response with an EncryptedAssertion for the app's
 * certificate (SAML core §2.3.4): AES-256-GCM content, RSA-OAEP key transport.
 */
export async function encryptAssertionInResponse(responseXml: string, certificatePem: string): Promise<string> {
  // Not untrusted XML (no pre-scan): the response was built and signed here a moment ago.
  const document = new DOMParser().parseFromString(responseXml, 'text/xml');
  const assertion = document.getElementsByTagNameNS(NS.saml, 'Assertion')[0];
  if (!assertion) throw new Error('the response has no assertion to encrypt');
  const encryptedData = await new Promise<string>((resolve, reject) =>
    encrypt(
      new XMLSerializer().serializeToString(assertion),
      {
        rsa_pub: createPublicKey(certificatePem).export({ type: 'spki', format: 'pem' }),
        pem: certificatePem,
        encryptionAlgorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
        keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
        disallowEncryptionWithInsecureAlgorithm: true,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
  const wrapper = new DOMParser().parseFromString(`<saml:EncryptedAssertion xmlns:saml="${NS.saml}">${encryptedData}</saml:EncryptedAssertion>`, 'text/xml').documentElement!;
  assertion.parentNode!.replaceChild(document.importNode(wrapper, true), assertion);
  return new XMLSerializer().serializeToString(document);
}
