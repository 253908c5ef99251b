import { SsoFailure } from '../../errors.js';
import type { Application } from '../model.js';
import { hostMatchesRule, secureUrlSchema } from '../url-rules.js';
import { established, type LoginContext } from './sso-pipeline.js';

/** Steps and rules that initsso and the ACS share. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The application a link or response names; its account is whose login this is. */
export async function findNamedApplication(context: LoginContext, saasid: string | undefined): Promise<Application> {
  const unknown = () => new SsoFailure('UNKNOWN_APPLICATION', 'The link does not name a known application (saasid).', { errorUrl: null, status: 404 });
  if (!saasid || !UUID.test(saasid)) throw unknown();
  const found = await context.runtime.store.findApplication(saasid);
  if (!found) throw unknown();
  context.application = found.application;
  context.trace.accountId = found.accountId;
  context.trace.applicationId = found.application.saasid;
  return found.application;
}

/** The error URL an application configured (REST apps); SAML apps have none. */
export function defaultErrorUrl(app: Application): string | null {
  return app.kind === 'rest' ? app.errorUrl : null;
}

/**
 * Where an app's appurl and errorurl must point: its Hostname/Domain rule, or a SAML app's ACS
 * host. An OIDC app takes none: its sign-ins start at the authorization endpoint, and the user
 * returns to one of its registered redirect URIs.
 */
export function appUrlAllowed(app: Application, url: string): boolean {
  if (!secureUrlSchema.safeParse(url).success) return false;
  switch (app.kind) {
    case 'rest':
      return hostMatchesRule(url, app.hostname);
    case 'saml':
      return hostMatchesRule(url, new URL(app.acsUrl).host);
    case 'oidc':
      return false;
  }
}

/**
 * A checked appurl or errorurl as WHATWG URL parsing read it when the host rule was checked
 * (`https://app.example\@evil.example/` becomes `https://app.example/@evil.example/`): what we
 * store and pass on, so that an app parsing it another way cannot find another host in it.
 */
export function normalizedUrl(url: string): string {
  return new URL(url).href;
}

export function checkApplicationEnabled(context: LoginContext): void {
  if (!established(context.application, 'the application').enabled) throw new SsoFailure('APPLICATION_DISABLED', 'This application is disabled.');
}

/** The customer must be connected to the application (which decides our SP identity) and enabled (or being tested). */
export async function checkConnection(context: LoginContext): Promise<void> {
  const application = established(context.application, 'the application');
  const customer = established(context.customer, 'the customer');
  context.connection ??= await context.runtime.store.findConnection(customer.id, application.saasid);
  if (!context.connection) throw new SsoFailure('IDP_NOT_CONNECTED', 'This identity provider is not connected to the application.');
  // A connection not enabled yet can be tried only by a test sign-in from its setup portal.
  if (!customer.enabled && context.testSetupLinkId === undefined) throw new SsoFailure('IDP_DISABLED', 'Sign-in through this identity provider is disabled.');
}

/** The SP identity a non-multiplexed connection presents names its application; a multiplexed one does not. */
export function ownIdentityOf(context: LoginContext): string | null {
  return established(context.connection, 'the connection').multiplexed ? null : established(context.application, 'the application').saasid;
}
