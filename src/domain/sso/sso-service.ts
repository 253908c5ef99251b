import type { Principal } from '../credentials/verified-credential-cache.js';
import { SsoFailure } from '../../errors.js';
import { acsSteps, type AcsContext, type AcsInput } from './acs-flow.js';
import { ONE_TIME_TOKEN, sha256 } from './deliveries.js';
import { initSsoSteps, oidcSignInSteps, testSignInSteps, type StartLoginInput } from './initsso-flow.js';
import { OIDC_SIGN_IN_ATTRIBUTE, oidcSignInSchema, type OidcSignIn } from './oidc-sign-in.js';
import { runLogin, runSteps, type BrowserStep, type SsoRuntime } from './sso-pipeline.js';
import type { TokenAttributes } from './sso-store.js';
import { failedTestResult, TEST_RESULT_PATH } from './test-sign-in.js';
import { tokenExchangeSteps } from './token-exchange-flow.js';

/** An OIDC authorization request, as its interaction gives it. */
export interface OidcSignInInput {
  saasid: string;
  interactionUid: string;
  idpid: string | undefined;
  loginHint: string | undefined;
  /** Typed on the IdP discovery page. */
  email: string | undefined;
  /** prompt=login or max_age: the IdP must authenticate the user again (ForceAuthn). */
  forceAuthn: boolean;
}

/** A test sign-in the setup portal starts: which link, for which of the customer's applications. */
export interface TestSignInInput {
  setupLinkId: string;
  saasid: string;
  idpId: string;
}

/**
 * The SSO runtime: starts SP-initiated logins, validates what customers' IdPs send back, and
 * delivers the login to the app (a one-time token for REST apps, a signed assertion for SAML
 * apps). Each route runs its flow's list of steps (initsso-flow.ts, acs-flow.ts,
 * token-exchange-flow.ts) over one SsoStore.
 */
export function createSsoService(runtime: SsoRuntime) {
  const { store, clock } = runtime;
  return {
    /** `GET /sso/sp/initsso`: checks the app, its URLs and the IdP, then sends the signed AuthnRequest. */
    startLogin(input: StartLoginInput, requestId: string): Promise<BrowserStep> {
      return runLogin(initSsoSteps, { runtime, requestId, input, errorUrl: null, trace: {} });
    },

    /**
     * The setup portal's "Test sign-in", for a link the portal has just opened (valid, not
     * revoked or expired): the AuthnRequest initsso sends, for a connection that may not be enabled yet.
     */
    startTestSignIn(input: TestSignInInput, requestId: string): Promise<BrowserStep> {
      return runLogin(testSignInSteps, { runtime, requestId, input: { saasid: input.saasid, idpid: input.idpId }, errorUrl: null, trace: {}, testSetupLinkId: input.setupLinkId });
    },

    /**
     * `POST /sso/sp/ACS.saml2`: validates the customer's response and delivers the login to the
     * app. A test sign-in's failure is its setup link's result and goes back to the portal,
     * never to the application's error URL.
     */
    async completeLogin(input: AcsInput, requestId: string): Promise<BrowserStep> {
      const context: AcsContext = { runtime, requestId, input, errorUrl: null, trace: {}, appUrl: null };
      try {
        return await runLogin(acsSteps, context);
      } catch (error) {
        const linkId = context.testSetupLinkId;
        const accountId = context.trace.accountId;
        if (!(error instanceof SsoFailure) || linkId === undefined || accountId === undefined) throw error;
        const at = clock.now();
        await store.saveTestSignInResult({ linkId, at, result: JSON.stringify(failedTestResult(error, at)) });
        return { kind: 'redirect', url: `${runtime.publicUrl}${TEST_RESULT_PATH}`, accountId };
      }
    },

    /** `GET /sso/TXS/2.0/{1|2}/{tokenid}`: one exchange per token, within 5 minutes, by its own app. */
    exchangeToken(principal: Principal, tokenId: string): Promise<TokenAttributes> {
      return runSteps(tokenExchangeSteps, { runtime, principal, tokenId });
    },

    /**
     * An OIDC authorization request's sign-in at the customer's IdP (src/http/sso/oidc-routes.ts):
     * the AuthnRequest, IdP discovery, or a failure for the request.
     */
    startOidcSignIn(input: OidcSignInInput, requestId: string): Promise<BrowserStep> {
      const { saasid, interactionUid, idpid, loginHint, email, forceAuthn } = input;
      return runLogin(oidcSignInSteps, {
        runtime,
        requestId,
        input: { saasid, idpid, loginHint, email, forceauthn: forceAuthn ? 'true' : undefined, oidcInteractionUid: interactionUid },
        errorUrl: null,
        trace: {},
      });
    },

    /** Uses up the one-time token the ACS sent an OIDC sign-in with; undefined if unknown, used, expired or another app's. */
    async takeOidcSignIn(tokenId: string, clientId: string): Promise<OidcSignIn | undefined> {
      if (!ONE_TIME_TOKEN.test(tokenId)) return undefined;
      const attributes = await store.consumeToken(sha256(tokenId), { kind: 'application', applicationId: clientId }, clock.now());
      const carried = attributes?.[OIDC_SIGN_IN_ATTRIBUTE];
      if (typeof carried !== 'string') return undefined;
      const parsed = oidcSignInSchema.safeParse(JSON.parse(carried));
      return parsed.success ? parsed.data : undefined;
    },

    /** Deletes expired transactions, tokens, replay entries and old log events; main.ts's jobs call it on a timer. */
    pruneExpiredState(): Promise<void> {
      return store.pruneExpired(clock.now());
    },
  };
}

export type SsoService = ReturnType<typeof createSsoService>;
