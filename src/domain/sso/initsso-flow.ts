import { SsoFailure } from '../../errors.js';
import { buildAuthnRequest, postBindingRequest, redirectBindingUrl } from '../../saml/authn-request.js';
import { newSamlId } from '../../saml/response-builder.js';
import { normalizeIdpId } from '../connections/customer-schemas.js';
import { acsUrlFor, spEntityIdFor } from '../connections/sp-identity.js';
import { appUrlAllowed, checkApplicationEnabled, checkConnection, defaultErrorUrl, findNamedApplication, normalizedUrl, ownIdentityOf } from './login-steps.js';
import { interactionAbortPath, interactionPath } from './oidc-sign-in.js';
import { established, type LoginContext, type Step } from './sso-pipeline.js';
import type { SsoCustomer } from './sso-store.js';

/** `GET /sso/sp/initsso` (and the discovery form's POST): starts an SP-initiated login. */
export const initSsoSteps: readonly Step<InitSsoContext>[] = [
  loadApplication,
  checkErrorUrl,
  checkApplicationEnabled,
  checkAppUrl,
  findIdp,
  checkConnection,
  sendAuthnRequest,
];

/**
 * A test sign-in from the setup portal: initsso's steps for the application and customer the
 * portal names, without the app's URLs (its result goes back to the portal, not to the app).
 */
export const testSignInSteps: readonly Step<InitSsoContext>[] = [loadApplication, checkApplicationEnabled, findIdp, checkConnection, sendAuthnRequest];

/**
 * An OIDC authorization request's sign-in (src/http/sso/oidc-routes.ts): the customer's IdP
 * signs the user in through the same AuthnRequest, and the ACS returns to the request's
 * interaction. The customer comes from `idpid`, else `login_hint`, else IdP discovery.
 */
export const oidcSignInSteps: readonly Step<InitSsoContext>[] = [
  loadOidcApplication,
  checkApplicationEnabled,
  readLoginHint,
  findIdp,
  checkConnection,
  sendAuthnRequest,
];

export interface StartLoginInput {
  saasid?: string | undefined;
  idpid?: string | undefined;
  appurl?: string | undefined;
  errorurl?: string | undefined;
  forceauthn?: string | undefined;
  /** From the IdP discovery page, when no idpid was given. */
  email?: string | undefined;
  /**
   * OIDC: the `login_hint` of the authorization request, an idpId or an email address or domain
   * (PingOne's rule). Unlike an email typed on the discovery page, a hint that leads to no
   * connected IdP ends the request with an error for the app.
   */
  loginHint?: string | undefined;
  /** OIDC: the interaction of the authorization request this sign-in answers. */
  oidcInteractionUid?: string | undefined;
}

export interface InitSsoContext extends LoginContext {
  input: StartLoginInput;
  /** OIDC: the login_hint the customer was looked up by; a miss is then an error, not the discovery page. */
  hinted?: string;
  /** appurl and errorurl as given, once checked and normalized: the discovery page carries them on. */
  appUrl?: string;
  givenErrorUrl?: string;
}

/** Where the IdP discovery page's form posts (src/http/sso/sso-plugin.ts). */
export const DISCOVERY_FORM_ACTION = '/sso/sp/discover';

/** How long the user may take at the IdP. */
const TRANSACTION_LIFETIME_MS = 10 * 60_000;

async function loadApplication(context: InitSsoContext): Promise<void> {
  await findNamedApplication(context, context.input.saasid);
}

/** The OIDC client of the authorization request; a refused sign-in returns to the request (its abort path). */
async function loadOidcApplication(context: InitSsoContext): Promise<void> {
  const application = await findNamedApplication(context, context.input.saasid);
  const uid = context.input.oidcInteractionUid;
  if (application.kind !== 'oidc' || uid === undefined) throw new Error('OIDC sign-in steps need an OIDC application and its interaction');
  context.errorUrl = `${context.runtime.publicUrl}${interactionAbortPath(application.saasid, uid)}`;
}

/** `login_hint`: an idpId, or an email address or domain (PingOne's rule); `idpid` wins over it. */
async function readLoginHint(context: InitSsoContext): Promise<void> {
  const hint = context.input.loginHint?.trim();
  if (context.input.idpid || !hint) return;
  if (hint.includes('@')) {
    context.hinted = hint;
    context.input = { ...context.input, email: hint };
    return;
  }
  const accountId = established(context.trace.accountId, 'the account');
  const byIdpId = await context.runtime.store.findCustomerByIdpId(accountId, normalizeIdpId(hint));
  context.hinted = hint;
  context.input = byIdpId ? { ...context.input, idpid: hint } : { ...context.input, email: `@${hint}` };
}

/** The error URL is trusted only once it matches the app's rule; until then failures show a page. */
function checkErrorUrl(context: InitSsoContext): void {
  const application = established(context.application, 'the application');
  const { errorurl } = context.input;
  if (errorurl !== undefined && !appUrlAllowed(application, errorurl)) {
    throw new SsoFailure('INVALID_ERROR_URL', "The errorurl is not on the application's configured host.", { errorUrl: null });
  }
  if (errorurl !== undefined) context.givenErrorUrl = normalizedUrl(errorurl);
  context.errorUrl = context.givenErrorUrl ?? defaultErrorUrl(application);
}

function checkAppUrl(context: InitSsoContext): void {
  const { appurl } = context.input;
  if (appurl === undefined) return;
  if (!appUrlAllowed(established(context.application, 'the application'), appurl)) {
    throw new SsoFailure('INVALID_APP_URL', "The appurl must be an https URL on the application's configured host.");
  }
  context.appUrl = normalizedUrl(appurl);
}

/** The customer named by idpid; without one, IdP discovery by the user's email domain. */
async function findIdp(context: InitSsoContext): Promise<void> {
  const accountId = established(context.trace.accountId, 'the account');
  const { idpid } = context.input;
  if (idpid) {
    const customer = await context.runtime.store.findCustomerByIdpId(accountId, normalizeIdpId(idpid));
    if (!customer) throw new SsoFailure('UNKNOWN_IDP', 'No identity provider with this idpid is connected to the application.');
    setCustomer(context, customer);
    return;
  }
  await discoverIdp(context, accountId);
}

/** Asks for the work email (again, with what went wrong) until it leads to a connected customer. */
async function discoverIdp(context: InitSsoContext, accountId: string): Promise<void> {
  const application = established(context.application, 'the application');
  const discover = (error: string | undefined) => {
    context.outcome = {
      kind: 'discover',
      // An OIDC request's discovery form returns to its interaction, which carries the rest.
      formAction: context.input.oidcInteractionUid === undefined ? DISCOVERY_FORM_ACTION : interactionPath(application.saasid, context.input.oidcInteractionUid),
      saasid: application.saasid,
      appurl: context.appUrl,
      errorurl: context.givenErrorUrl,
      forceauthn: context.input.forceauthn === 'true',
      error,
      accountId,
    };
  };
  const { email } = context.input;
  if (email === undefined) return discover(undefined);
  const domain = email.trim().toLowerCase().split('@')[1];
  if (!domain) return discover('Enter your work email address, such as you@company.com.');
  const { store } = context.runtime;
  // No customer claims the domain: the account's default IdP, if it has one.
  const customer = (await store.findCustomerByEmailDomain(accountId, domain)) ?? (await store.findDefaultCustomer(accountId));
  const connection = customer && (await store.findConnection(customer.id, application.saasid));
  if (!customer || !connection) {
    // Fixed words: the app shows this message, and the hint is whatever its link carried.
    if (context.hinted !== undefined) throw new SsoFailure('UNKNOWN_IDP', 'The login_hint names no identity provider connected to this application.');
    return discover(`Single sign-on is not set up for ${domain}.`);
  }
  setCustomer(context, customer);
  context.connection = connection;
}

function setCustomer(context: InitSsoContext, customer: SsoCustomer): void {
  context.customer = customer;
  context.trace.customerId = customer.id;
}

/** Stores the transaction and sends the signed AuthnRequest with the binding the customer's IdP asked for. */
async function sendAuthnRequest(context: InitSsoContext): Promise<void> {
  const { runtime } = context;
  const accountId = established(context.trace.accountId, 'the account');
  const application = established(context.application, 'the application');
  const customer = established(context.customer, 'the customer');
  const ownIdentity = ownIdentityOf(context);
  const { settings } = customer;
  const forceAuthn = context.input.forceauthn === 'true';
  const id = newSamlId();
  const now = runtime.clock.now();
  const key = await runtime.signingKeys.activeKey(accountId);
  const requestXml = buildAuthnRequest({
    id,
    issuer: spEntityIdFor(runtime.publicUrl, accountId, ownIdentity),
    destination: settings.ssoUrl,
    acsUrl: acsUrlFor(runtime.publicUrl, ownIdentity),
    forceAuthn,
    now,
  });
  await runtime.store.insertTransaction({
    id,
    accountId,
    customerId: customer.id,
    applicationId: application.saasid,
    appUrl: context.appUrl ?? null,
    errorUrl: context.errorUrl,
    forceAuthn,
    createdAt: now,
    expiresAt: now + TRANSACTION_LIFETIME_MS,
    testSetupLinkId: context.testSetupLinkId ?? null,
    oidcInteractionUid: context.input.oidcInteractionUid ?? null,
  });
  context.outcome =
    settings.ssoBinding === 'post'
      ? { kind: 'post', url: settings.ssoUrl, fields: { SAMLRequest: postBindingRequest(requestXml, id, key), RelayState: id }, transactionId: id, accountId }
      : { kind: 'redirect', url: redirectBindingUrl(settings.ssoUrl, requestXml, id, key), transactionId: id, accountId };
}
