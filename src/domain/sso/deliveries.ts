import { createHash, randomBytes } from 'node:crypto';
import { SsoFailure } from '../../errors.js';
import { encryptAssertionInResponse } from '../../saml/assertion-encryption.js';
import { buildSignedResponse, newSamlId, responseIdOf } from '../../saml/response-builder.js';
import type { ValidatedAssertion } from '../../saml/response-validation.js';
import { signElement } from '../../saml/xml-signing.js';
import { mapAttributes } from '../connections/attribute-mapping.js';
import type { Application, OidcApplication, RestApplication, SamlApplication } from '../model.js';
import { interactionCompletePath, OIDC_SIGN_IN_ATTRIBUTE, subjectOf, type OidcSignIn } from './oidc-sign-in.js';
import { issuerToApp } from './idp-metadata-service.js';
import { describeMissingAttribute } from './missing-attribute-detail.js';
import type { BrowserStep, SsoRuntime } from './sso-pipeline.js';
import type { IssuedToken, SsoCustomer, TokenAttributes } from './sso-store.js';
import { attributeRecord } from '../../saml/assertion-reading.js';

/**
 * How a validated login reaches the application, one delivery per kind of application. Each is
 * prepared before the login is committed (so a missing attribute or a signing failure uses
 * nothing up) and names what the commit stores with it.
 */
export interface DeliveryInput<A extends Application = Application> {
  runtime: SsoRuntime;
  application: A;
  accountId: string;
  customer: SsoCustomer;
  assertion: ValidatedAssertion;
  /** Where the user lands (checked against the app's rule at initsso); null for the app's default. */
  appUrl: string | null;
  /** The OIDC authorization request (its interaction) the sign-in answers; null when it answers none. */
  oidcInteractionUid: string | null;
}

export interface PreparedDelivery {
  /** What the commit stores with the login (a REST app's token); null when nothing is stored. */
  token: IssuedToken | null;
  step: BrowserStep;
}

const TOKEN_LIFETIME_MS = 5 * 60_000;
const ASSERTION_TO_APP_LIFETIME_MS = 5 * 60_000;
const UNSPECIFIED_NAME_ID = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

/** The form of our one-time tokens: 32 random bytes, base64url. */
export const ONE_TIME_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export function prepareDeliveryFor(input: DeliveryInput): Promise<PreparedDelivery> {
  const { application } = input;
  switch (application.kind) {
    case 'rest':
      return Promise.resolve(tokenForRestApp({ ...input, application }));
    case 'saml':
      return assertionForSamlApp({ ...input, application });
    case 'oidc':
      return Promise.resolve(signInForOidcApp({ ...input, application }));
  }
}

/**
 * The attributes an app configured, taken from the customer's assertion under the names the
 * customer's attribute mapping gives them; a missing required one ends the login.
 */
function attributesTheAppWants(app: Application, customer: SsoCustomer, assertion: ValidatedAssertion): Record<string, string[]> {
  const mapped = mapAttributes(customer.settings.attributeMapping, assertion);
  const attributes = attributeRecord<string[]>();
  for (const wanted of app.requiredAttributes) {
    const values = Object.hasOwn(mapped.attributes, wanted.name) ? mapped.attributes[wanted.name] : undefined;
    if (values && values.length > 0) attributes[wanted.name] = values;
    else if (wanted.required) {
      const source = mapped.mappedFrom.get(wanted.name);
      throw new SsoFailure('REQUIRED_ATTRIBUTE_MISSING', `The identity provider did not send the required attribute "${wanted.name}".`, {
        detail: describeMissingAttribute(wanted.name, Object.keys(assertion.attributes), source),
      });
    }
  }
  return attributes;
}

/** A REST app gets a one-time token (with the browser, by query or form post) to exchange for the attributes. */
function tokenForRestApp({ runtime, application: app, accountId, customer, assertion, appUrl }: DeliveryInput<RestApplication>): PreparedDelivery {
  const attributes: TokenAttributes = attributeRecord();
  for (const [name, values] of Object.entries(attributesTheAppWants(app, customer, assertion))) attributes[name] = values.length === 1 ? values[0]! : values;
  // What ssobridge vouches for goes last, so nothing the IdP sends can stand in for it.
  Object.assign(attributes, {
    'pingone.subject': assertion.nameId,
    'pingone.idp.id': customer.idpId,
    'pingone.saas.id': app.saasid,
    'pingone.nameid.format': assertion.nameIdFormat ?? UNSPECIFIED_NAME_ID,
    'pingone.authn.context': assertion.authnContextClassRef ?? '',
    'pingone.assertion.id': assertion.assertionId,
    'pingone.authninstant': assertion.authnInstant,
    subject: assertion.nameId,
  });
  const tokenId = randomBytes(32).toString('base64url');
  const now = runtime.clock.now();
  const token: IssuedToken = { tokenHash: sha256(tokenId), accountId, applicationId: app.saasid, attributes, createdAt: now, expiresAt: now + TOKEN_LIFETIME_MS };
  const target = appUrl ?? app.defaultAppUrl;
  const fields = { tokenid: tokenId, agentid: app.saasid };
  if (app.tokenBinding === 'query') {
    const url = new URL(target);
    for (const [k, v] of Object.entries(fields)) url.searchParams.set(k, v);
    return { token, step: { kind: 'redirect', url: url.toString(), accountId } };
  }
  return { token, step: { kind: 'post', url: target, fields, accountId } };
}

/**
 * An OIDC app's authorization request gets the sign-in (subject and claims) back at its
 * interaction, by a one-time token in the browser's redirect, bound to that interaction: the
 * interaction route uses it up and lets oidc-provider issue the authorization code.
 */
function signInForOidcApp({ runtime, application: app, accountId, customer, assertion, oidcInteractionUid }: DeliveryInput<OidcApplication>): PreparedDelivery {
  if (oidcInteractionUid === null) {
    throw new SsoFailure('OIDC_AUTHORIZATION_REQUIRED', 'This application signs users in with OpenID Connect: start from the application.');
  }
  const claims: OidcSignIn['claims'] = attributeRecord();
  for (const [name, values] of Object.entries(attributesTheAppWants(app, customer, assertion))) claims[name] = values.length === 1 ? values[0]! : values;
  // What ssobridge vouches for goes last, so nothing the IdP sends can stand in for it.
  Object.assign(claims, { 'pingone.idp.id': customer.idpId, 'pingone.saas.id': app.saasid, 'pingone.subject': assertion.nameId });
  const signIn: OidcSignIn = {
    interactionUid: oidcInteractionUid,
    customerId: customer.id,
    sub: subjectOf(accountId, customer.idpId, assertion.nameId),
    authTime: Math.floor(Date.parse(assertion.authnInstant) / 1000),
    acr: assertion.authnContextClassRef ?? null,
    claims,
  };
  const tokenId = randomBytes(32).toString('base64url');
  const now = runtime.clock.now();
  const token: IssuedToken = {
    tokenHash: sha256(tokenId),
    accountId,
    applicationId: app.saasid,
    attributes: { [OIDC_SIGN_IN_ATTRIBUTE]: JSON.stringify(signIn) },
    createdAt: now,
    expiresAt: now + TOKEN_LIFETIME_MS,
  };
  const url = new URL(`${runtime.publicUrl}${interactionCompletePath(app.saasid, oidcInteractionUid)}`);
  url.searchParams.set('tokenid', tokenId);
  return { token, step: { kind: 'redirect', url: url.toString(), accountId } };
}

/** A SAML app gets an assertion signed by the account's key, encrypted for it when it asks. */
async function assertionForSamlApp({ runtime, application: app, accountId, customer, assertion, appUrl }: DeliveryInput<SamlApplication>): Promise<PreparedDelivery> {
  const attributes = attributesTheAppWants(app, customer, assertion);
  // Which customer signed the user in, vouched for by ssobridge: with one shared issuer for
  // every customer, a multiplexed app could not otherwise tell customers' users apart.
  attributes['pingone.idp.id'] = [customer.idpId];
  const key = await runtime.signingKeys.activeKey(accountId, app.signingKeyId);
  const signedAssertion = buildSignedResponse(
    {
      issuer: issuerToApp(app, customer.entityId, runtime.sharedIdpEntityId),
      destination: app.acsUrl,
      inResponseTo: null,
      audience: app.spEntityId,
      nameId: assertion.nameId,
      nameIdFormat: assertion.nameIdFormat ?? UNSPECIFIED_NAME_ID,
      sessionIndex: newSamlId(),
      authnInstant: assertion.authnInstant,
      authnContextClassRef: assertion.authnContextClassRef ?? 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified',
      attributes,
      now: runtime.clock.now(),
      lifetimeMs: ASSERTION_TO_APP_LIFETIME_MS,
    },
    key,
    { signResponse: !app.encryptAssertions },
  );
  // Encrypting hides the assertion's own signature inside; the response is then signed over it.
  const xml =
    app.encryptAssertions && app.encryptionCertificate
      ? signElement(await encryptAssertionInResponse(signedAssertion, app.encryptionCertificate), responseIdOf(signedAssertion), key)
      : signedAssertion;
  const fields = { SAMLResponse: Buffer.from(xml, 'utf8').toString('base64'), ...(appUrl && { RelayState: appUrl }) };
  return { token: null, step: { kind: 'post', url: app.acsUrl, fields, accountId } };
}
