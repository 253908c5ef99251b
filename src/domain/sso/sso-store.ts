import type { Application } from '../model.js';
import type { IdpSettings } from '../model.js';

/**
 * Everything the SSO runtime reads and writes, as one interface: implemented over Kysely for
 * SQLite and PostgreSQL in src/db/sso-store.ts and held to one contract by
 * test/db/sso-store-contract.test.ts. Every piece of state is in the database, so any instance
 * can finish a login another one started.
 */
export interface SsoStore {
  /** An application by its saasid, with the account it belongs to (one read per login). */
  findApplication(saasid: string): Promise<SsoApplication | undefined>;
  findCustomerByIdpId(accountId: string, idpId: string): Promise<SsoCustomer | undefined>;
  findCustomerByEntityId(accountId: string, entityId: string): Promise<SsoCustomer | undefined>;
  findCustomerByEmailDomain(accountId: string, domain: string): Promise<SsoCustomer | undefined>;
  /** The account's default IdP (IdP discovery's fallback), if it has one. */
  findDefaultCustomer(accountId: string): Promise<SsoCustomer | undefined>;
  findCustomer(accountId: string, customerId: string): Promise<SsoCustomer | undefined>;
  findConnection(customerId: string, saasid: string): Promise<SsoConnection | undefined>;

  insertTransaction(transaction: SsoTransaction): Promise<void>;
  findTransaction(id: string): Promise<StoredSsoTransaction | undefined>;

  /**
   * Completes a login in one database transaction: records the assertion as used, consumes the
   * SP-initiated transaction, stores the app's token and writes the success to the sign-in log.
   * Refused (`REPLAY`, `REQUEST_ALREADY_USED`) or failed, none of it remains.
   */
  commitLogin(commit: LoginCommit): Promise<LoginCommitOutcome>;
  /** Writes one attempt to the sign-in log (failures; successes are part of commitLogin). */
  recordSignIn(event: SignInEvent): Promise<void>;
  /** Keeps a setup link's latest test sign-in result (a failed one; a passed one is part of commitLogin). */
  saveTestSignInResult(result: StoredTestSignInResult): Promise<void>;

  /**
   * Uses up a token of this owner in one statement and returns what it carries; undefined when
   * it is unknown, expired, already used or another owner's (which leaves it unused).
   */
  consumeToken(tokenHash: string, owner: TokenOwner, now: number): Promise<TokenAttributes | undefined>;

  /** Deletes expired transactions, tokens, replay entries and sign-in log events past retention. */
  pruneExpired(now: number): Promise<void>;
}

export interface SsoApplication {
  application: Application;
  accountId: string;
}

/** A customer connection as sign-in needs it: the IdP's settings, parsed. */
export interface SsoCustomer {
  id: string;
  accountId: string;
  idpId: string;
  entityId: string;
  enabled: boolean;
  /** Accepts IdP-initiated logins (responses that answer no request of ours). */
  idpInitiatedLogin: boolean;
  settings: IdpSettings;
}

/** An app connection: whether the customer's IdP knows us by the account's shared SP identity. */
export interface SsoConnection {
  multiplexed: boolean;
}

/** An SP-initiated sign-in between initsso and the ACS; its ID is our AuthnRequest's ID and RelayState. */
export interface SsoTransaction {
  id: string;
  accountId: string;
  customerId: string;
  applicationId: string;
  appUrl: string | null;
  errorUrl: string | null;
  forceAuthn: boolean;
  createdAt: number;
  expiresAt: number;
  /** The setup link whose portal started this sign-in as a test; null for a real sign-in. */
  testSetupLinkId: string | null;
  /** The OIDC authorization request (its interaction) this sign-in answers; null for SAML and REST apps. */
  oidcInteractionUid: string | null;
}

export interface StoredSsoTransaction extends SsoTransaction {
  consumedAt: number | null;
}

/** What a REST application trades its one-time token for. */
export type TokenAttributes = Record<string, string | string[]>;

/** A one-time token for a REST application; only its SHA-256 is stored. */
export interface IssuedToken {
  tokenHash: string;
  accountId: string;
  applicationId: string;
  attributes: TokenAttributes;
  createdAt: number;
  expiresAt: number;
}

/** Who may exchange a token: the application it was issued for, or its account's global credential. */
export type TokenOwner = { kind: 'application'; applicationId: string } | { kind: 'account'; accountId: string };

/** One line of the sign-in log. */
export interface SignInEvent {
  accountId: string;
  customerId: string | null;
  applicationId: string | null;
  at: number;
  /** 'test': a test sign-in from the setup portal, whatever its result; never a login. */
  outcome: 'success' | 'failure' | 'test';
  reason: string;
  assertionId: string | null;
  requestId: string;
  /** What the reason alone does not say (the SAML rule a check enforces, a missing attribute). */
  detail: string | null;
}

export interface LoginCommit {
  /** The assertion, once per issuer and ID on any instance (SAML profiles §4.1.4.5), kept until it expires. */
  usedAssertion: { key: string; expiresAt: number };
  /** The SP-initiated transaction the response answers; null for an IdP-initiated login. */
  transactionId: string | null;
  /** The REST application's token; null for deliveries that store nothing. */
  token: IssuedToken | null;
  /** A test sign-in's result, stored in place of any delivery. */
  testResult?: StoredTestSignInResult;
  success: SignInEvent;
  now: number;
}

export type LoginCommitOutcome = 'COMMITTED' | 'REPLAY' | 'REQUEST_ALREADY_USED';

/** A setup link's latest test sign-in result; `result` is the JSON of a TestSignInResult (test-sign-in.ts). */
export interface StoredTestSignInResult {
  linkId: string;
  at: number;
  result: string;
}
