import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'saml', 'metadata');

export type MetadataFixture = 'adfs.xml' | 'okta.xml' | 'shibboleth.xml' | 'entities-idp-and-sp.xml' | 'entra.xml' | 'post-only.xml' | 'keycloak.xml';

/** One of the committed IdP metadata documents (see test/fixtures/saml/metadata/README.md). */
export function metadataFixture(name: MetadataFixture): string {
  return fs.readFileSync(path.join(dir, name), 'utf8');
}

export interface FixtureCertificate {
  dn: string;
  usage: 'signing' | 'encryption';
  notBefore: string;
  notAfter: string;
  /** Upper-case hex pairs joined by colons, computed from the DER when the fixtures were generated. */
  sha256Fingerprint: string;
  /** base64 DER */
  der: string;
}

/** The certificates inside the fixtures, by name (adfs-signing, okta-signing, …). */
export const fixtureCertificates: Record<string, FixtureCertificate> = JSON.parse(fs.readFileSync(path.join(dir, 'certificates.json'), 'utf8'));

export function fixtureCertificate(name: string): FixtureCertificate {
  const cert = fixtureCertificates[name];
  if (!cert) throw new Error(`no fixture certificate ${name}`);
  return cert;
}

export function pemOf(derBase64: string): string {
  return `-----BEGIN CERTIFICATE-----\n${derBase64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** Lines of the machine's /etc/passwd that would betray a successful XXE if they ever showed up. */
const passwdLines = (() => {
  try {
    return fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .filter((l) => l.length >= 8);
  } catch {
    return [];
  }
})();

/** Asserts that no /etc/passwd content reached `text` (an XXE would put it there). */
export function expectNoPasswd(text: string): void {
  expect(text).not.toContain('root:x:0:0');
  expect(text).not.toMatch(/:\/bin\/(ba)?sh/);
  for (const line of passwdLines) expect(text).not.toContain(line);
}
