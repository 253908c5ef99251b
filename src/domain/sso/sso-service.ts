import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import { findDefaultCustomerId } from '../../db/repositories/accounts-repository.js';
import { findApplicationBySaasid } from '../../db/repositories/applications-repository.js';
import {
  findAppConnection,
  findCustomerByEntityId,
  findCustomerByEmailDomain,
  findCustomerById,
  findCustomerByIdpId,
  type CustomerRecord,
} from '../../db/repositories/customers-repository.js';
import {
  consumeSsoToken,
  consumeSsoTransaction,
  findSsoToken,
  findSsoTransaction,
  insertSsoEvent,
  insertSsoToken,
  insertSsoTransaction,
  pruneSsoState,
  recordUsedAssertion,
} from '../../db/repositories/sso-repository.js';
import { AppError } from '../../errors.js';
import { buildAuthnRequest, postBindingRequest, redirectBindingUrl } from '../../saml/authn-request.js';
import { encryptAssertionInResponse } from '../../saml/assertion-encryption.js';
import { buildSignedResponse, newSamlId, responseIdOf } from '../../saml/response-builder.js';
import { signElement } from '../../saml/xml-signing.js';
import { parseSamlResponse, peekResponse, validateSamlResponse, type ParsedResponse, type ValidatedAssertion } from '../../saml/response-validation.js';
import { toApplication, type Application, type RestApplication, type SamlApplication } from '../applications/application-service.js';
import { normalizeIdpId } from '../connections/customer-schemas.js';
import type { IdpSettings } from '../connections/customer-service.js';
import { acsUrlFor, spEntityIdFor } from '../connections/sp-identity.js';
import type { Principal } from '../credentials/verified-credential-cache.js';
import type { SigningKeyService } from '../keys/signing-key-service.js';
import { hostMatchesRule, secureUrlSchema } from '../url-rules.js';
import { issuerToApp } from './idp-metadata-service.js';
import { describeMissingAttribute } from './missing-attribute-detail.js';
import { SsoFailure } from '../../errors.js';

/** What the browser does next; `accountId` says whose branding a page shows. */
export type BrowserStep =
  | { kind: 'redirect'; url: string; transactionId?: string; accountId: string }
  | { kind: 'post'; url: string; fields: Record<string, string>; transactionId?: string; accountId: string }
  | { kind: 'discover'; saasid: string; appurl: string | undefined; errorurl: string | undefined; forceauthn: boolean; error: string | undefined; accountId: string };

export interface StartLoginInput {
  saasid?: string | undefined;
  idpid?: string | undefined;
  appurl?: string | undefined;
  errorurl?: string | undefined;
  forceauthn?: string | undefined;
  /** From the IdP discovery page, when no idpid was given. */
  email?: string | undefined;
}

export type TokenAttributes = Record<string, string | string[]>;

const TRANSACTION_LIFETIME_MS = 10 * 60_000;
const TOKEN_LIFETIME_MS = 5 * 60_000;
const CLOCK_SKEW_MS = 3 * 60_000;
const ASSERTION_TO_APP_LIFETIME_MS = 5 * 60_000;
/** IdP-initiated logins may name the app as PingOne did. */
const PINGONE_RELAY_STATE = /^https:\/\/pingone\.com\/1\.0\/([0-9a-fA-F-]{36})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The form of our AuthnRequest IDs (newSamlId), which are also the RelayState we send. */
const SAML_ID = /^_[0-9a-f]{40}$/;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * A checked appurl or errorurl as WHATWG URL parsing read it when the host rule was checked
 * (`https://app.example\@evil.example/` becomes `https://app.example/@evil.example/`): what we
 * store and pass on, so that an app parsing it another way cannot find another host in it.
 */
function normalizedUrl(url: string): string {
  return new URL(url).href;
}

/** Where an app's appurl and errorurl must point: its Hostname/Domain rule, or a SAML app's ACS host. */
function appUrlAllowed(app: Application, url: string): boolean {
  if (!secureUrlSchema.safeParse(url).success) return false;
  return app.kind === 'rest' ? hostMatchesRule(url, app.hostname) : hostMatchesRule(url, new URL(app.acsUrl).host);
}

/** The attributes an app configured, taken from the customer's assertion; a missing required one ends the login. */
function attributesTheAppWants(app: Application, assertion: ValidatedAssertion, errorUrl: string | null): Record<string, string[]> {
  const attributes: Record<string, string[]> = {};
  for (const wanted of app.requiredAttributes) {
    const values = assertion.attributes[wanted.name];
    if (values && values.length > 0) attributes[wanted.name] = values;
    else if (wanted.required) {
      throw new SsoFailure(
        'REQUIRED_ATTRIBUTE_MISSING',
        `The identity provider did not send the required attribute "${wanted.name}".`,
        { errorUrl, detail: describeMissingAttribute(wanted.name, Object.keys(assertion.attributes)) },
      );
    }
  }
  return attributes;
}

/** What the sign-in log keeps beside the reason: the SAML rule the check enforces, and any detail. */
function failureDetail(failure: SsoFailure): string | null {
  const parts = [failure.rule && `Rule: ${failure.rule}.`, failure.detail].filter((part): part is string => Boolean(part));
  return parts.length > 0 ? parts.join(' ') : null;
}

function defaultErrorUrl(app: Application): string | null {
  return app.kind === 'rest' ? app.errorUrl : null;
}

/**
 * The SSO runtime: starts SP-initiated logins, validates what customers' IdPs send back, and
 * delivers the login to the app (a one-time token for REST apps, a signed assertion for SAML
 * apps). Every piece of state is in the database, so any instance can finish any login.
 */
export function createSsoService(deps: {
  db: Kysely<DB>;
  clock: Clock;
  signingKeys: SigningKeyService;
  publicUrl: string;
  sharedIdpEntityId: string;
  logger: Logger;
}) {
  const { db, clock, signingKeys, publicUrl } = deps;
  // Expired transactions, tokens, replay entries and old log events go in the background.
  const pruner = setInterval(
    () => void pruneSsoState(db, clock.now()).catch((error: unknown) => deps.logger.warn({ err: error }, 'could not prune expired SSO state')),
    60_000,
  ).unref();

  /** Writes the sign-in log; a failure to write is logged, never put in place of the login's outcome. */
  const record = async (
    context: { accountId?: string; customerId?: string; applicationId?: string },
    outcome: 'success' | 'failure',
    reason: string,
    assertionId: string | null,
    requestId: string,
    detail: string | null = null,
  ) => {
    if (!context.accountId) return;
    try {
      await insertSsoEvent(db, {
        account_id: context.accountId,
        customer_id: context.customerId ?? null,
        application_id: context.applicationId ?? null,
        at: clock.now(),
        outcome,
        reason,
        assertion_id: assertionId,
        request_id: requestId,
        detail,
      });
    } catch (error) {
      deps.logger.error({ err: error, reason, requestId }, 'could not write the sign-in log');
    }
  };

  const loadApplication = async (saasid: string | undefined, errorUrl: string | null): Promise<Application> => {
    if (!saasid || !UUID.test(saasid)) throw new SsoFailure('UNKNOWN_APPLICATION', 'The link does not name a known application (saasid).', { errorUrl: errorUrl, status: 404 });
    const record = await findApplicationBySaasid(db, saasid);
    if (!record) throw new SsoFailure('UNKNOWN_APPLICATION', 'The link does not name a known application (saasid).', { errorUrl: errorUrl, status: 404 });
    return toApplication(record);
  };

  const accountOf = async (saasid: string) => (await findApplicationBySaasid(db, saasid))!.accountId;

  const sendAuthnRequest = async (app: Application, accountId: string, customer: CustomerRecord, target: { appUrl: string | null; errorUrl: string | null; forceAuthn: boolean }): Promise<BrowserStep> => {
    const connection = await findAppConnection(db, customer.id, app.saasid);
    if (!connection) throw new SsoFailure('IDP_NOT_CONNECTED', 'This identity provider is not connected to the application.', { errorUrl: target.errorUrl });
    if (!customer.enabled) throw new SsoFailure('IDP_DISABLED', 'Sign-in through this identity provider is disabled.', { errorUrl: target.errorUrl });
    const settings = customer.settings as unknown as IdpSettings;
    const ownIdentity = connection.multiplexed ? null : app.saasid;
    const id = newSamlId();
    const now = clock.now();
    const key = await signingKeys.activeKey(accountId);
    const requestXml = buildAuthnRequest({
      id,
      issuer: spEntityIdFor(publicUrl, accountId, ownIdentity),
      destination: settings.ssoUrl,
      acsUrl: acsUrlFor(publicUrl, ownIdentity),
      forceAuthn: target.forceAuthn,
      now,
    });
    await insertSsoTransaction(db, {
      id,
      accountId,
      customerId: customer.id,
      applicationId: app.saasid,
      appUrl: target.appUrl,
      errorUrl: target.errorUrl,
      forceAuthn: target.forceAuthn,
      createdAt: now,
      expiresAt: now + TRANSACTION_LIFETIME_MS,
    });
    return settings.ssoBinding === 'post'
      ? { kind: 'post', url: settings.ssoUrl, fields: { SAMLRequest: postBindingRequest(requestXml, id, key), RelayState: id }, transactionId: id, accountId }
      : { kind: 'redirect', url: redirectBindingUrl(settings.ssoUrl, requestXml, id, key), transactionId: id, accountId };
  };

  const restAttributes = (app: RestApplication, customer: CustomerRecord, assertion: ValidatedAssertion, errorUrl: string | null): TokenAttributes => {
    const attributes: TokenAttributes = {};
    for (const [name, values] of Object.entries(attributesTheAppWants(app, assertion, errorUrl))) attributes[name] = values.length === 1 ? values[0]! : values;
    // What ssobridge vouches for goes last, so nothing the IdP sends can stand in for it.
    return {
      ...attributes,
      'pingone.subject': assertion.nameId,
      'pingone.idp.id': customer.idpId,
      'pingone.saas.id': app.saasid,
      'pingone.nameid.format': assertion.nameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
      'pingone.authn.context': assertion.authnContextClassRef ?? '',
      'pingone.assertion.id': assertion.assertionId,
      'pingone.authninstant': assertion.authnInstant,
      subject: assertion.nameId,
    };
  };

  const deliverToRestApp = async (app: RestApplication, accountId: string, customer: CustomerRecord, assertion: ValidatedAssertion, appUrl: string | null, errorUrl: string | null): Promise<BrowserStep> => {
    const attributes = restAttributes(app, customer, assertion, errorUrl);
    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    await insertSsoToken(db, { tokenHash: sha256(token), accountId, applicationId: app.saasid, attributes: JSON.stringify(attributes), createdAt: now, expiresAt: now + TOKEN_LIFETIME_MS });
    const target = appUrl ?? app.defaultAppUrl;
    const fields = { tokenid: token, agentid: app.saasid };
    if (app.tokenBinding === 'query') {
      const url = new URL(target);
      for (const [k, v] of Object.entries(fields)) url.searchParams.set(k, v);
      return { kind: 'redirect', url: url.toString(), accountId };
    }
    return { kind: 'post', url: target, fields, accountId };
  };

  const deliverToSamlApp = async (app: SamlApplication, accountId: string, customer: CustomerRecord, assertion: ValidatedAssertion, appUrl: string | null, errorUrl: string | null): Promise<BrowserStep> => {
    const attributes = attributesTheAppWants(app, assertion, errorUrl);
    // Which customer signed the user in, vouched for by ssobridge: with one shared issuer for
    // every customer, a multiplexed app could not otherwise tell customers' users apart.
    attributes['pingone.idp.id'] = [customer.idpId];
    const key = await signingKeys.activeKey(accountId, app.signingKeyId);
    const now = clock.now();
    const signedAssertion = buildSignedResponse(
      {
        issuer: issuerToApp(app, customer.entityId, deps.sharedIdpEntityId),
        destination: app.acsUrl,
        inResponseTo: null,
        audience: app.spEntityId,
        nameId: assertion.nameId,
        nameIdFormat: assertion.nameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
        sessionIndex: newSamlId(),
        authnInstant: assertion.authnInstant,
        authnContextClassRef: assertion.authnContextClassRef ?? 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified',
        attributes,
        now,
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
    return { kind: 'post', url: app.acsUrl, fields: { SAMLResponse: Buffer.from(xml, 'utf8').toString('base64'), ...(appUrl && { RelayState: appUrl }) }, accountId };
  };

  return {
    /** `GET /sso/sp/initsso`: checks the app, its URLs and the IdP, then sends the signed AuthnRequest. */
    async startLogin(input: StartLoginInput, requestId: string): Promise<BrowserStep> {
      const context: { accountId?: string; applicationId?: string; customerId?: string } = {};
      try {
        const unchecked = await loadApplication(input.saasid, null);
        context.accountId = await accountOf(unchecked.saasid);
        context.applicationId = unchecked.saasid;
        // The error URL is trusted only once it matches the app's rule; until then failures show a page.
        if (input.errorurl !== undefined && !appUrlAllowed(unchecked, input.errorurl)) {
          throw new SsoFailure('INVALID_ERROR_URL', "The errorurl is not on the application's configured host.", { errorUrl: null });
        }
        const givenErrorUrl = input.errorurl === undefined ? undefined : normalizedUrl(input.errorurl);
        const errorUrl = givenErrorUrl ?? defaultErrorUrl(unchecked);
        if (!unchecked.enabled) throw new SsoFailure('APPLICATION_DISABLED', 'This application is disabled.', { errorUrl: errorUrl });
        if (input.appurl !== undefined && !appUrlAllowed(unchecked, input.appurl)) {
          throw new SsoFailure('INVALID_APP_URL', "The appurl must be an https URL on the application's configured host.", { errorUrl: errorUrl });
        }
        const givenAppUrl = input.appurl === undefined ? undefined : normalizedUrl(input.appurl);
        const target = { appUrl: givenAppUrl ?? null, errorUrl, forceAuthn: input.forceauthn === 'true' };
        let customer: CustomerRecord | undefined;
        if (input.idpid) {
          customer = await findCustomerByIdpId(db, context.accountId, normalizeIdpId(input.idpid));
          if (!customer) throw new SsoFailure('UNKNOWN_IDP', 'No identity provider with this idpid is connected to the application.', { errorUrl: errorUrl });
        } else {
          const domain = input.email?.trim().toLowerCase().split('@')[1];
          const accountId = context.accountId;
          const discover = (error: string | undefined): BrowserStep => ({
            kind: 'discover',
            saasid: unchecked.saasid,
            appurl: givenAppUrl,
            errorurl: givenErrorUrl,
            forceauthn: target.forceAuthn,
            error,
            accountId,
          });
          if (input.email === undefined) return discover(undefined);
          if (!domain) return discover('Enter your work email address, such as you@company.com.');
          customer = await findCustomerByEmailDomain(db, context.accountId, domain);
          if (!customer) {
            // No customer claims the domain: the account's default IdP, if it has one.
            const fallback = await findDefaultCustomerId(db, context.accountId);
            customer = fallback ? await findCustomerById(db, context.accountId, fallback) : undefined;
          }
          if (!customer || !(await findAppConnection(db, customer.id, unchecked.saasid))) return discover(`Single sign-on is not set up for ${domain}.`);
        }
        context.customerId = customer.id;
        return await sendAuthnRequest(unchecked, context.accountId, customer, target);
      } catch (error) {
        if (error instanceof SsoFailure) {
          error.accountId ??= context.accountId;
          await record(context, 'failure', error.reason, null, requestId, failureDetail(error));
        }
        throw error;
      }
    },

    /** `POST /sso/sp/ACS.saml2`: validates the customer's response and delivers the login to the app. */
    /**
     * `startedInThisBrowser` tells whether the browser posting the response holds the proof that
     * it started the SP-initiated sign-in (login CSRF defence); see the SSO plugin's cookie.
     */
    async completeLogin(
      input: { samlResponse: string | undefined; relayState: string | undefined; saasid: string | undefined; startedInThisBrowser: (transactionId: string) => boolean },
      requestId: string,
    ): Promise<BrowserStep> {
      const context: { accountId?: string; applicationId?: string; customerId?: string } = {};
      let assertionId: string | null = null;
      try {
        if (!input.samlResponse) throw new SsoFailure('MISSING_RESPONSE', 'No SAML response was posted.', { errorUrl: null });
        // Parsed once (bounded pre-scan, then the DOM): routing reads it, validation checks it.
        let parsed: ParsedResponse;
        let routing;
        parsed = parseSamlResponse(input.samlResponse);
        routing = peekResponse(parsed);
        let app: Application;
        let customer: CustomerRecord;
        let appUrl: string | null = null;
        let errorUrl: string | null;
        const transaction = routing.inResponseTo ? await findSsoTransaction(db, routing.inResponseTo) : undefined;
        if (routing.inResponseTo) {
          // SP-initiated: everything comes from the transaction we stored, nothing from the message.
          if (!transaction) throw new SsoFailure('UNKNOWN_REQUEST', 'This response does not answer a sign-in started here.', { errorUrl: null });
          Object.assign(context, { accountId: transaction.accountId, applicationId: transaction.applicationId, customerId: transaction.customerId });
          app = await loadApplication(transaction.applicationId, null);
          errorUrl = transaction.errorUrl ?? defaultErrorUrl(app);
          appUrl = transaction.appUrl;
          if (input.relayState !== undefined && input.relayState !== transaction.id) throw new SsoFailure('RELAY_STATE_MISMATCH', 'The RelayState does not belong to this sign-in.', { errorUrl: errorUrl });
          if (!input.startedInThisBrowser(transaction.id)) {
            throw new SsoFailure('BROWSER_MISMATCH', 'This sign-in was started in another browser. Start again from the application.', { errorUrl: errorUrl });
          }
          if (transaction.consumedAt !== null) throw new SsoFailure('REQUEST_ALREADY_USED', 'This sign-in was already completed.', { errorUrl: errorUrl });
          if (transaction.expiresAt <= clock.now()) throw new SsoFailure('REQUEST_EXPIRED', 'This sign-in took too long. Start again.', { errorUrl: errorUrl });
          const found = await findCustomerById(db, transaction.accountId, transaction.customerId);
          if (!found) throw new SsoFailure('UNKNOWN_IDP', 'The identity provider of this sign-in no longer exists.', { errorUrl: errorUrl });
          customer = found;
        } else {
          // Our RelayState is the ID of the sign-in it belongs to: a response without InResponseTo
          // that brings one back is the answer to our request with InResponseTo stripped. Taken as
          // IdP-initiated it would skip what binds it to that sign-in (browser, appurl, ForceAuthn).
          const answered = input.relayState !== undefined && SAML_ID.test(input.relayState) ? await findSsoTransaction(db, input.relayState) : undefined;
          if (answered) {
            Object.assign(context, { accountId: answered.accountId, applicationId: answered.applicationId, customerId: answered.customerId });
            const answeredApp = await findApplicationBySaasid(db, answered.applicationId);
            const answeredErrorUrl = answered.errorUrl ?? (answeredApp ? defaultErrorUrl(toApplication(answeredApp)) : null);
            throw new SsoFailure('WRONG_IN_RESPONSE_TO', 'This response answers a sign-in started here but does not say so (no InResponseTo).', { errorUrl: answeredErrorUrl });
          }
          // IdP-initiated: the app is named by ?saasid= or RelayState=https://pingone.com/1.0/<saasid>.
          const saasid = input.saasid ?? PINGONE_RELAY_STATE.exec(input.relayState ?? '')?.[1];
          if (!saasid) throw new SsoFailure('UNSOLICITED_WITHOUT_APPLICATION', 'An IdP-initiated sign-in must name the application (saasid).', { errorUrl: null });
          app = await loadApplication(saasid, null);
          context.accountId = await accountOf(app.saasid);
          context.applicationId = app.saasid;
          errorUrl = defaultErrorUrl(app);
          // An IdP entity ID belongs to one customer per account (the connection is checked below).
          const found = routing.issuer ? await findCustomerByEntityId(db, context.accountId, routing.issuer) : undefined;
          if (!found) throw new SsoFailure('UNKNOWN_IDP', 'The response comes from an identity provider that is not connected to this application.', { errorUrl: errorUrl });
          customer = found;
          context.customerId = customer.id;
          if (!customer.idpInitiatedLogin) {
            throw new SsoFailure('IDP_INITIATED_DISABLED', 'This identity provider may not start sign-ins: start from the application instead.', { errorUrl: errorUrl });
          }
        }
        context.customerId = customer.id;
        if (!app.enabled) throw new SsoFailure('APPLICATION_DISABLED', 'This application is disabled.', { errorUrl: errorUrl });
        if (!customer.enabled) throw new SsoFailure('IDP_DISABLED', 'Sign-in through this identity provider is disabled.', { errorUrl: errorUrl });
        const connection = await findAppConnection(db, customer.id, app.saasid);
        if (!connection) throw new SsoFailure('IDP_NOT_CONNECTED', 'This identity provider is not connected to the application.', { errorUrl: errorUrl });
        const ownIdentity = connection.multiplexed ? null : app.saasid;
        const settings = customer.settings as unknown as IdpSettings;

        let assertion: ValidatedAssertion;
        try {
          assertion = validateSamlResponse(parsed, {
            acsUrls: [acsUrlFor(publicUrl, ownIdentity)],
            audience: spEntityIdFor(publicUrl, customer.accountId, ownIdentity),
            idpEntityId: customer.entityId,
            idpCertificatesPem: settings.certificates.map((c) => c.pem),
            inResponseTo: transaction?.id ?? null,
            now: clock.now(),
            clockSkewMs: CLOCK_SKEW_MS,
          });
        } catch (error) {
          if (error instanceof SsoFailure) error.errorUrl = errorUrl;
          throw error;
        }
        assertionId = assertion.assertionId;
        // ForceAuthn asked for a fresh authentication: one from before the request does not count.
        if (transaction?.forceAuthn && Date.parse(assertion.authnInstant) < transaction.createdAt - CLOCK_SKEW_MS) {
          throw new SsoFailure('FORCE_AUTHN_IGNORED', 'The identity provider did not sign the user in again as the application asked (ForceAuthn).', { errorUrl: errorUrl });
        }
        // Each assertion once, on any instance, IdP-initiated too (profiles §4.1.4.5).
        if (!(await recordUsedAssertion(db, sha256(`${assertion.issuer}\n${assertion.assertionId}`), assertion.expiresAt))) {
          throw new SsoFailure('REPLAY', 'This assertion was already used.', { errorUrl: errorUrl });
        }
        if (transaction && !(await consumeSsoTransaction(db, transaction.id, clock.now()))) {
          throw new SsoFailure('REQUEST_ALREADY_USED', 'This sign-in was already completed.', { errorUrl: errorUrl });
        }
        const step =
          app.kind === 'rest'
            ? await deliverToRestApp(app, customer.accountId, customer, assertion, appUrl, errorUrl)
            : await deliverToSamlApp(app, customer.accountId, customer, assertion, appUrl, errorUrl);
        await record(context, 'success', 'OK', assertionId, requestId);
        return step;
      } catch (error) {
        if (error instanceof SsoFailure) {
          error.accountId ??= context.accountId;
          await record(context, 'failure', error.reason, assertionId, requestId, failureDetail(error));
        }
        throw error;
      }
    },

    close(): void {
      clearInterval(pruner);
    },

    /** `GET /sso/TXS/2.0/{1|2}/{tokenid}`: one exchange per token, within 5 minutes, by its own app. */
    async exchangeToken(principal: Principal, tokenId: string): Promise<TokenAttributes> {
      const notFound = () => new AppError('TOKEN_NOT_FOUND', 'No such token: it is unknown, expired, already used, or for another application.');
      if (!/^[A-Za-z0-9_-]{43}$/.test(tokenId)) throw notFound();
      const hash = sha256(tokenId);
      const token = await findSsoToken(db, hash);
      const allowed =
        token &&
        ((principal.kind === 'application' && principal.applicationId === token.applicationId) || (principal.kind === 'global' && principal.accountId === token.accountId));
      if (!token || !allowed || !(await consumeSsoToken(db, hash, clock.now()))) throw notFound();
      return JSON.parse(token.attributes) as TokenAttributes;
    },
  };
}

export type SsoService = ReturnType<typeof createSsoService>;
