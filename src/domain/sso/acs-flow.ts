import { SsoFailure } from '../../errors.js';
import { parseSamlResponse, peekResponse, validateSamlResponse, type ParsedResponse, type ValidatedAssertion } from '../../saml/response-validation.js';
import { acsUrlFor, spEntityIdFor } from '../connections/sp-identity.js';
import { prepareDeliveryFor, sha256, type PreparedDelivery } from './deliveries.js';
import { checkApplicationEnabled, checkConnection, defaultErrorUrl, findNamedApplication, ownIdentityOf } from './login-steps.js';
import { established, type LoginContext, type Step } from './sso-pipeline.js';
import { SSO_SUCCESS_REASON } from './sso-reasons.js';
import type { LoginCommit, SignInEvent, SsoCustomer, StoredSsoTransaction } from './sso-store.js';
import { passedTestResult, TEST_RESULT_PATH, testSignInLogDetail } from './test-sign-in.js';

/** `POST /sso/sp/ACS.saml2`: validates what the customer's IdP posted and delivers the login to the app. */
export const acsSteps: readonly Step<AcsContext>[] = [
  parse,
  route,
  checkTransaction,
  findIdp,
  checkIdpInitiated,
  checkApplicationEnabled,
  checkConnection,
  validate,
  checkForceAuthn,
  endTestSignIn,
  prepareDelivery,
  commit,
  deliver,
];

export interface AcsInput {
  samlResponse: string | undefined;
  relayState: string | undefined;
  /** `?saasid=` of the ACS URL: names the application of an IdP-initiated login. */
  saasid: string | undefined;
  /**
   * Whether the browser posting the response holds the proof that it started the SP-initiated
   * sign-in (login CSRF defence); see the SSO plugin's cookie.
   */
  startedInThisBrowser: (transactionId: string) => boolean;
}

export interface AcsContext extends LoginContext {
  readonly input: AcsInput;
  response?: { parsed: ParsedResponse; routing: ReturnType<typeof peekResponse> };
  /** The sign-in started at initsso that this response answers; absent for an IdP-initiated login. */
  transaction?: StoredSsoTransaction;
  appUrl: string | null;
  assertion?: ValidatedAssertion;
  delivery?: PreparedDelivery;
}

const CLOCK_SKEW_MS = 3 * 60_000;
/** IdP-initiated logins may name the app as PingOne did. */
const PINGONE_RELAY_STATE = /^https:\/\/pingone\.com\/1\.0\/([0-9a-fA-F-]{36})$/;
/** The form of our AuthnRequest IDs (newSamlId), which are also the RelayState we send. */
const SAML_ID = /^_[0-9a-f]{40}$/;

/** Decoded and parsed once (bounded pre-scan, then the DOM): routing reads it, validation checks it. */
function parse(context: AcsContext): void {
  const { samlResponse } = context.input;
  if (!samlResponse) throw new SsoFailure('MISSING_RESPONSE', 'No SAML response was posted.');
  const parsed = parseSamlResponse(samlResponse);
  context.response = { parsed, routing: peekResponse(parsed) };
}

/** Finds the sign-in the response answers, or the application an IdP-initiated one names. */
async function route(context: AcsContext): Promise<void> {
  const { inResponseTo } = established(context.response, 'the response').routing;
  if (inResponseTo) await routeToTransaction(context, inResponseTo);
  else await routeUnsolicited(context);
}

/** SP-initiated: everything comes from the transaction we stored, nothing from the message. */
async function routeToTransaction(context: AcsContext, inResponseTo: string): Promise<void> {
  const transaction = await context.runtime.store.findTransaction(inResponseTo);
  if (!transaction) throw new SsoFailure('UNKNOWN_REQUEST', 'This response does not answer a sign-in started here.');
  context.transaction = transaction;
  if (transaction.testSetupLinkId !== null) context.testSetupLinkId = transaction.testSetupLinkId;
  Object.assign(context.trace, { accountId: transaction.accountId, applicationId: transaction.applicationId, customerId: transaction.customerId });
  const application = await findNamedApplication(context, transaction.applicationId);
  context.errorUrl = transaction.errorUrl ?? defaultErrorUrl(application);
  context.appUrl = transaction.appUrl;
}

async function routeUnsolicited(context: AcsContext): Promise<void> {
  const { relayState } = context.input;
  // Our RelayState is the ID of the sign-in it belongs to: a response without InResponseTo that
  // brings one back is the answer to our request with InResponseTo stripped. Taken as
  // IdP-initiated it would skip what binds it to that sign-in (browser, appurl, ForceAuthn).
  const answered = relayState !== undefined && SAML_ID.test(relayState) ? await context.runtime.store.findTransaction(relayState) : undefined;
  if (answered) {
    Object.assign(context.trace, { accountId: answered.accountId, applicationId: answered.applicationId, customerId: answered.customerId });
    const answeredApp = await context.runtime.store.findApplication(answered.applicationId);
    context.errorUrl = answered.errorUrl ?? (answeredApp ? defaultErrorUrl(answeredApp.application) : null);
    throw new SsoFailure('WRONG_IN_RESPONSE_TO', 'This response answers a sign-in started here but does not say so (no InResponseTo).');
  }
  // IdP-initiated: the app is named by ?saasid= or RelayState=https://pingone.com/1.0/<saasid>.
  const saasid = context.input.saasid ?? PINGONE_RELAY_STATE.exec(relayState ?? '')?.[1];
  if (!saasid) throw new SsoFailure('UNSOLICITED_WITHOUT_APPLICATION', 'An IdP-initiated sign-in must name the application (saasid).');
  const application = await findNamedApplication(context, saasid);
  context.errorUrl = defaultErrorUrl(application);
}

/** SP-initiated: the response comes back with our RelayState, to the browser that started it, once, in time. */
function checkTransaction(context: AcsContext): void {
  const { transaction } = context;
  if (!transaction) return;
  if (context.input.relayState !== undefined && context.input.relayState !== transaction.id) {
    throw new SsoFailure('RELAY_STATE_MISMATCH', 'The RelayState does not belong to this sign-in.');
  }
  if (!context.input.startedInThisBrowser(transaction.id)) {
    throw new SsoFailure('BROWSER_MISMATCH', 'This sign-in was started in another browser. Start again from the application.');
  }
  if (transaction.consumedAt !== null) throw new SsoFailure('REQUEST_ALREADY_USED', 'This sign-in was already completed.');
  if (transaction.expiresAt <= context.runtime.clock.now()) throw new SsoFailure('REQUEST_EXPIRED', 'This sign-in took too long. Start again.');
}

/** The customer of the sign-in, or (IdP-initiated) the one whose IdP entity ID issued the response. */
async function findIdp(context: AcsContext): Promise<void> {
  const { store } = context.runtime;
  const accountId = established(context.trace.accountId, 'the account');
  const { transaction } = context;
  if (transaction) {
    context.customer = await store.findCustomer(accountId, transaction.customerId);
    if (!context.customer) throw new SsoFailure('UNKNOWN_IDP', 'The identity provider of this sign-in no longer exists.');
    return;
  }
  // An IdP entity ID belongs to one customer per account (the connection is checked after).
  const { issuer } = established(context.response, 'the response').routing;
  context.customer = issuer ? await store.findCustomerByEntityId(accountId, issuer) : undefined;
  if (!context.customer) throw new SsoFailure('UNKNOWN_IDP', 'The response comes from an identity provider that is not connected to this application.');
  context.trace.customerId = context.customer.id;
}

function checkIdpInitiated(context: AcsContext): void {
  if (context.transaction) return;
  if (!established(context.customer, 'the customer').idpInitiatedLogin) {
    throw new SsoFailure('IDP_INITIATED_DISABLED', 'This identity provider may not start sign-ins: start from the application instead.');
  }
}

/** The response's checks (src/saml/response-validation.ts), against the connection's settings only. */
function validate(context: AcsContext): void {
  const { runtime } = context;
  const customer = established(context.customer, 'the customer');
  const ownIdentity = ownIdentityOf(context);
  const started = performance.now();
  try {
    context.assertion = validateResponse(context, customer, ownIdentity);
  } finally {
    runtime.observer?.acsValidated((performance.now() - started) / 1000);
  }
  context.trace.assertionId = context.assertion.assertionId;
}

function validateResponse(context: AcsContext, customer: SsoCustomer, ownIdentity: ReturnType<typeof ownIdentityOf>): ValidatedAssertion {
  const { runtime } = context;
  return validateSamlResponse(established(context.response, 'the response').parsed, {
    acsUrls: [acsUrlFor(runtime.publicUrl, ownIdentity)],
    audience: spEntityIdFor(runtime.publicUrl, customer.accountId, ownIdentity),
    idpEntityId: customer.entityId,
    idpCertificatesPem: customer.settings.certificates.map((c) => c.pem),
    inResponseTo: context.transaction?.id ?? null,
    now: runtime.clock.now(),
    clockSkewMs: CLOCK_SKEW_MS,
  });
}

/** ForceAuthn asked for a fresh authentication: one from before the request does not count. */
function checkForceAuthn(context: AcsContext): void {
  const { transaction } = context;
  if (!transaction?.forceAuthn) return;
  if (Date.parse(established(context.assertion, 'the assertion').authnInstant) < transaction.createdAt - CLOCK_SKEW_MS) {
    throw new SsoFailure('FORCE_AUTHN_IGNORED', 'The identity provider did not sign the user in again as the application asked (ForceAuthn).');
  }
}

/**
 * A test sign-in from the setup portal ends here, its response validated like any other: its
 * result is stored for the portal in the commit (which still records the assertion and uses up
 * the sign-in, so the response cannot be replayed), nothing is delivered, and the browser goes
 * back to the portal.
 */
async function endTestSignIn(context: AcsContext): Promise<void> {
  const linkId = context.testSetupLinkId;
  if (linkId === undefined) return;
  const now = context.runtime.clock.now();
  const result = passedTestResult(established(context.assertion, 'the assertion'), now);
  await commitWith(context, {
    token: null,
    testResult: { linkId, at: now, result: JSON.stringify(result) },
    outcome: 'test',
    detail: testSignInLogDetail(linkId, null),
  });
  context.outcome = { kind: 'redirect', url: `${context.runtime.publicUrl}${TEST_RESULT_PATH}`, accountId: established(context.trace.accountId, 'the account') };
}

/** The attributes the app wants, and its token or signed assertion: built before anything is committed. */
async function prepareDelivery(context: AcsContext): Promise<void> {
  context.delivery = await prepareDeliveryFor({
    runtime: context.runtime,
    application: established(context.application, 'the application'),
    accountId: established(context.trace.accountId, 'the account'),
    customer: established(context.customer, 'the customer'),
    assertion: established(context.assertion, 'the assertion'),
    appUrl: context.appUrl,
    oidcInteractionUid: context.transaction?.oidcInteractionUid ?? null,
  });
}

async function commit(context: AcsContext): Promise<void> {
  await commitWith(context, { token: established(context.delivery, 'the delivery').token, outcome: 'success', detail: null });
}

/**
 * One database transaction: the assertion once on any instance, IdP-initiated too (SAML profiles
 * §4.1.4.5), the sign-in once, the app's token (or a test's result), and the outcome in the sign-in log.
 */
async function commitWith(context: AcsContext, what: Pick<LoginCommit, 'token' | 'testResult'> & Pick<SignInEvent, 'outcome' | 'detail'>): Promise<void> {
  const { runtime, trace } = context;
  const assertion = established(context.assertion, 'the assertion');
  const now = runtime.clock.now();
  const outcome = await runtime.store.commitLogin({
    usedAssertion: { key: sha256(`${assertion.issuer}\n${assertion.assertionId}`), expiresAt: assertion.expiresAt },
    transactionId: context.transaction?.id ?? null,
    token: what.token,
    ...(what.testResult && { testResult: what.testResult }),
    success: {
      accountId: established(trace.accountId, 'the account'),
      customerId: trace.customerId ?? null,
      applicationId: trace.applicationId ?? null,
      at: now,
      outcome: what.outcome,
      reason: SSO_SUCCESS_REASON,
      assertionId: assertion.assertionId,
      requestId: context.requestId,
      detail: what.detail,
    },
    now,
  });
  if (outcome === 'REPLAY') throw new SsoFailure('REPLAY', 'This assertion was already used.');
  if (outcome === 'REQUEST_ALREADY_USED') throw new SsoFailure('REQUEST_ALREADY_USED', 'This sign-in was already completed.');
  runtime.observer?.loginEnded({ outcome: what.outcome === 'test' ? 'test' : 'success', reason: SSO_SUCCESS_REASON, appKind: context.application?.kind });
}

function deliver(context: AcsContext): void {
  context.outcome = established(context.delivery, 'the delivery').step;
}
