import { inflateRawSync } from 'node:zlib';
import type { App } from '../../src/app.js';
import { buildSignedResponse, type SigningKey } from '../../src/saml/response-builder.js';
import { generateSigningKeyPair } from '../../src/saml/signing-key-pair.js';
import { curlBasic, operatorActor, restAppInput, samlAppInput } from './test-app.js';

export const CUSTOMER_IDP = 'https://idp.customer001.com/saml';
export const CUSTOMER_SSO = 'https://idp.customer001.com/sso';

let idpKey: SigningKey | undefined;
/** The customer's IdP signing key (one per test file; RSA generation is slow). */
export async function customerIdpKey(): Promise<SigningKey> {
  idpKey ??= await generateSigningKeyPair('idp.customer001.com', Date.now());
  return idpKey;
}

/** An account with a REST app, a SAML app, an application credential, and customer001.com connected to both. */
export async function ssoSetUp(app: App, options: { ssoBinding?: 'redirect' | 'post'; multiplexed?: boolean } = {}) {
  const { account } = await app.services.accounts.createAccount(operatorActor, 'Acme SaaS');
  const actor = operatorActor(account.id);
  const rest = await app.services.applications.createApplication(actor, restAppInput('Billing', { requiredAttributes: [{ name: 'email', required: true }, { name: 'groups', required: false }] }));
  const saml = await app.services.applications.createApplication(actor, samlAppInput('Analytics', { requiredAttributes: [{ name: 'email', required: true }] }));
  const credential = await app.services.credentials.createApplicationCredential(actor, { saasid: rest.saasid, description: 'billing backend' });
  const key = await customerIdpKey();
  await app.services.customers.putCustomer(actor, 'customer001.com', {
    entityId: CUSTOMER_IDP,
    ssoUrl: CUSTOMER_SSO,
    ssoBinding: options.ssoBinding ?? 'redirect',
    certificates: [key.certificatePem],
    emailDomains: ['customer001.com'],
    applications: [rest.saasid, saml.saasid],
    multiplexed: options.multiplexed ?? true,
  });
  return {
    accountId: account.id,
    actor,
    rest,
    saml,
    idpKey: key,
    appAuthorization: curlBasic(credential.credential.clientId, credential.clientSecret),
  };
}

/** Reads the AuthnRequest out of an HTTP-Redirect binding URL. */
export function authnRequestFromRedirect(location: string): { id: string; xml: string; relayState: string; url: URL } {
  const url = new URL(location);
  const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
  return { id: /ID="([^"]+)"/.exec(xml)![1]!, xml, relayState: url.searchParams.get('RelayState')!, url };
}

/** What the customer's IdP would post back. */
export function idpResponse(
  key: SigningKey,
  fields: { destination: string; audience: string; inResponseTo: string | null; nameId?: string; attributes?: Record<string, string[]>; now?: number; authnInstant?: number; signResponse?: boolean },
): string {
  const now = fields.now ?? Date.now();
  const xml = buildSignedResponse(
    {
      issuer: CUSTOMER_IDP,
      destination: fields.destination,
      inResponseTo: fields.inResponseTo,
      audience: fields.audience,
      nameId: fields.nameId ?? 'alice@customer001.com',
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      sessionIndex: '_session1',
      authnInstant: new Date(fields.authnInstant ?? now).toISOString(),
      authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
      attributes: fields.attributes ?? { email: ['alice@customer001.com'], groups: ['admins', 'staff'] },
      now,
      lifetimeMs: 5 * 60_000,
    },
    key,
    { signResponse: fields.signResponse ?? true },
  );
  return Buffer.from(xml, 'utf8').toString('base64');
}

/** Where a continue page (the answer to our own discovery form) sends the browser: its meta refresh, which its link repeats. */
export function continueTarget(html: string): string {
  const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const refresh = /<meta http-equiv="refresh" content="0;url=([^"]*)">/.exec(html)?.[1];
  const link = /<a id="continue" href="([^"]*)"/.exec(html)?.[1];
  if (refresh === undefined || refresh !== link) throw new Error(`not a continue page: ${html.slice(0, 500)}`);
  return decode(refresh);
}

/** The hidden fields and action of an auto-post page. */
export function autoPostForm(html: string): { action: string; fields: Record<string, string> } {
  const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const action = decode(/<form id="autopost" method="post" action="([^"]*)"/.exec(html)![1]!);
  const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, decode(m[2]!)]));
  return { action, fields };
}
