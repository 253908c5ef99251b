import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { SsoFailure } from '../../errors.js';
import type { Application } from '../model.js';
import type { SigningKeyService } from '../keys/signing-key-service.js';
import type { SsoConnection, SsoCustomer, SsoStore } from './sso-store.js';
import { testSignInLogDetail } from './test-sign-in.js';

/**
 * The SSO runtime's routes are ordered lists of steps (initsso-flow.ts, acs-flow.ts,
 * token-exchange-flow.ts), as node-oidc-provider builds its actions: each step is a small
 * function with one job that reads and fills in its flow's context, and fails with an
 * SsoFailure. A new check or delivery is one new step in one list.
 */
export type Step<C> = (context: C) => Promise<void> | void;

/** What every step may use: the dependencies of the SSO runtime. */
export interface SsoRuntime {
  store: SsoStore;
  clock: Clock;
  signingKeys: SigningKeyService;
  publicUrl: string;
  sharedIdpEntityId: string;
  logger: Logger;
  /** Told how each login ends and how long ACS validation takes (the server's metrics); optional. */
  observer?: SsoObserver;
}

/**
 * What the SSO runtime reports as it goes, for monitoring (src/metrics/metrics.ts implements it).
 * Calls are synchronous and must not throw.
 */
export interface SsoObserver {
  /** A login ended: committed (`success`, or `test` for a portal test sign-in), or failed with its reason code. */
  loginEnded(event: { outcome: 'success' | 'failure' | 'test'; reason: string; appKind: Application['kind'] | undefined }): void;
  /** The ACS validated a response (or refused it) in this many seconds. */
  acsValidated(seconds: number): void;
}

/** What the browser does next; `accountId` says whose branding a page shows. */
export type BrowserStep =
  | { kind: 'redirect'; url: string; transactionId?: string; accountId: string }
  | { kind: 'post'; url: string; fields: Record<string, string>; transactionId?: string; accountId: string }
  | { kind: 'discover'; formAction: string; saasid: string; appurl: string | undefined; errorurl: string | undefined; forceauthn: boolean; error: string | undefined; accountId: string };

/** What initsso and the ACS share: what the login has established so far, step by step. */
export interface LoginContext {
  readonly runtime: SsoRuntime;
  readonly requestId: string;
  /**
   * Where a failure sends the browser: a URL the application configured, or one that matched its
   * host rule. Null (ssobridge's error page) until a step has established one.
   */
  errorUrl: string | null;
  /** Whose login this is, for the sign-in log: set as soon as a step traces the login to them. */
  trace: { accountId?: string; applicationId?: string; customerId?: string; assertionId?: string };
  application?: Application;
  customer?: SsoCustomer;
  connection?: SsoConnection;
  /**
   * Set for a test sign-in started from this setup link's portal (and by the ACS for its
   * response): it may use a connection that is not enabled yet, and it ends in the portal,
   * never at the application.
   */
  testSetupLinkId?: string;
  /** Set by the step that decides what the browser does next; the flow ends there. */
  outcome?: BrowserStep;
}

/** A value an earlier step of the list establishes; its absence is a mistake in the list's order. */
export function established<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`SSO step order: ${what} is not established yet`);
  return value;
}

/** Runs the steps in order until one sets the outcome. */
export async function runSteps<C extends { outcome?: R }, R>(steps: readonly Step<C>[], context: C): Promise<R> {
  for (const step of steps) {
    await step(context);
    if (context.outcome !== undefined) return context.outcome;
  }
  throw new Error(`SSO steps ended without an outcome (last: ${steps.at(-1)?.name ?? 'none'})`);
}

/**
 * Runs a login's steps. A failure that did not name its error URL gets the one the login has
 * established so far; it is traced to the account and written to the sign-in log with the SAML
 * rule it cites.
 */
export async function runLogin<C extends LoginContext>(steps: readonly Step<C>[], context: C): Promise<BrowserStep> {
  try {
    return await runSteps(steps, context);
  } catch (error) {
    if (error instanceof SsoFailure) {
      if (error.errorUrl === undefined) error.errorUrl = context.errorUrl;
      error.accountId ??= context.trace.accountId;
      // Counted whether or not the login could be traced to an account (the sign-in log needs one).
      context.runtime.observer?.loginEnded({ outcome: context.testSetupLinkId === undefined ? 'failure' : 'test', reason: error.reason, appKind: context.application?.kind });
      await recordFailure(context, error);
    }
    throw error;
  }
}

/** What the sign-in log keeps beside the reason: the SAML rule the check enforces, and any detail. */
export function failureDetail(failure: SsoFailure): string | null {
  const parts = [failure.rule && `Rule: ${failure.rule}.`, failure.detail].filter((part): part is string => Boolean(part));
  return parts.length > 0 ? parts.join(' ') : null;
}

/** A failure to write the sign-in log is logged, never put in place of the login's outcome. */
async function recordFailure(context: LoginContext, failure: SsoFailure): Promise<void> {
  const { trace, runtime } = context;
  if (!trace.accountId) return;
  try {
    await runtime.store.recordSignIn({
      accountId: trace.accountId,
      customerId: trace.customerId ?? null,
      applicationId: trace.applicationId ?? null,
      at: runtime.clock.now(),
      outcome: context.testSetupLinkId === undefined ? 'failure' : 'test',
      reason: failure.reason,
      assertionId: trace.assertionId ?? null,
      requestId: context.requestId,
      detail: context.testSetupLinkId === undefined ? failureDetail(failure) : testSignInLogDetail(context.testSetupLinkId, failureDetail(failure)),
    });
  } catch (error) {
    runtime.logger.error({ err: error, reason: failure.reason, requestId: context.requestId }, 'could not write the sign-in log');
  }
}
