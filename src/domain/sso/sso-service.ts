import type { Principal } from '../credentials/verified-credential-cache.js';
import { acsSteps, type AcsInput } from './acs-flow.js';
import { initSsoSteps, type StartLoginInput } from './initsso-flow.js';
import { runLogin, runSteps, type BrowserStep, type SsoRuntime } from './sso-pipeline.js';
import type { TokenAttributes } from './sso-store.js';
import { tokenExchangeSteps } from './token-exchange-flow.js';

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

    /** `POST /sso/sp/ACS.saml2`: validates the customer's response and delivers the login to the app. */
    completeLogin(input: AcsInput, requestId: string): Promise<BrowserStep> {
      return runLogin(acsSteps, { runtime, requestId, input, errorUrl: null, trace: {}, appUrl: null });
    },

    /** `GET /sso/TXS/2.0/{1|2}/{tokenid}`: one exchange per token, within 5 minutes, by its own app. */
    exchangeToken(principal: Principal, tokenId: string): Promise<TokenAttributes> {
      return runSteps(tokenExchangeSteps, { runtime, principal, tokenId });
    },

    /** Deletes expired transactions, tokens, replay entries and old log events; main.ts's jobs call it on a timer. */
    pruneExpiredState(): Promise<void> {
      return store.pruneExpired(clock.now());
    },
  };
}

export type SsoService = ReturnType<typeof createSsoService>;
