import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import { lockAccount } from '../../db/repositories/accounts-repository.js';
import { findCustomerByIdpId } from '../../db/repositories/customers-repository.js';
import { findTestIdp, insertTestIdp, updateTestIdp, type TestIdpRecord } from '../../db/repositories/test-idp-repository.js';
import { AppError } from '../../errors.js';
import { readAuthnRequest, type AuthnRequestSummary } from '../../saml/authn-request-reading.js';
import { buildSignedResponse, newSamlId } from '../../saml/response-builder.js';
import { generateSigningKeyPair } from '../../saml/signing-key-pair.js';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import { testIdpKeyContext } from '../keys/sealed-secrets.js';
import type { SecretSealer } from '../keys/secret-sealer.js';
import type { CustomerService } from '../connections/customer-service.js';
import { acsUrlFor, spEntityIdFor } from '../connections/sp-identity.js';
import type { Throttle } from '../throttle/throttle.js';
import { isTestUserName, parseAllAttributeRows, testUsersOf, type TestUser } from './test-users.js';

/** The account's test IdP as the console shows it. */
export interface TestIdpView {
  idpId: string;
  entityId: string;
  ssoUrl: string;
  /** The test users' password: a test credential, shown to the account's admins on purpose. */
  password: string;
  users: TestUser[];
  turnedOff: boolean;
  /** Whether its customer connection is enabled (an admin can disable it like any other). */
  connectionEnabled: boolean;
}

/** An AuthnRequest the test IdP has accepted, waiting for a test user to sign in. */
export interface PendingTestSignIn {
  request: AuthnRequestSummary;
  relayState: string | undefined;
  users: TestUser[];
}

/** The signed response and where the browser posts it. */
export interface TestSignInResult {
  acsUrl: string;
  fields: Record<string, string>;
}

const PASSWORD_PROTECTED = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
/** As short as our ACS's clock-skew allowance makes safe: the browser posts it at once. */
const RESPONSE_LIFETIME_MS = 5 * 60_000;
const SAASID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

const notServed = () => new AppError('ROUTE_NOT_FOUND', 'There is no test identity provider here.');
const badRequest = (message: string) => new AppError('VALIDATION_FAILED', message);
const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The test IdP's URLs: everything it serves lives under its entity ID. */
export function testIdpEntityId(publicUrl: string, accountId: string): string {
  return `${publicUrl}/sso/test-idp/${accountId}`;
}

export function testIdpSsoUrl(publicUrl: string, accountId: string): string {
  return `${testIdpEntityId(publicUrl, accountId)}/sso`;
}

/**
 * The built-in test IdP (docs/test-idp.md): a SAML IdP run by ssobridge for one account, backing
 * one customer connection of that account so that a developer can sign a test user in through
 * the real path (initsso, AuthnRequest, signed Response, our ACS, delivery) before any customer
 * exists. It signs with a key of its own, pinned on its connection like any customer's
 * certificate, and our ACS checks its responses like any other; it answers only requests from
 * this account's own SP identities and posts only to our own ACS.
 */
export function createTestIdpService(deps: { db: Kysely<DB>; clock: Clock; audit: AuditLog; customers: CustomerService; throttle: Throttle; sealer: SecretSealer; publicUrl: string }) {
  const { db, clock, audit, customers, throttle, sealer, publicUrl } = deps;

  /** The customer connection's settings: the test IdP's entity ID, SSO URL and certificate. */
  const connectionInput = (record: TestIdpRecord, applications?: string[]) => ({
    entityId: testIdpEntityId(publicUrl, record.accountId),
    ssoUrl: testIdpSsoUrl(publicUrl, record.accountId),
    ssoBinding: 'redirect' as const,
    certificates: [record.certificatePem],
    // Only answers to sign-ins started here: a response it signs without one is refused.
    idpInitiatedLogin: false,
    ...(applications !== undefined && { applications }),
  });

  /** The account's test IdP, created on first need (key, password, and its customer connection). */
  const ensureRecord = async (actor: Actor): Promise<TestIdpRecord> => {
    const existing = await findTestIdp(db, actor.accountId);
    if (existing) return existing;
    // Generated outside the transaction (~250 ms); the locked re-check keeps one per account.
    const pair = await generateSigningKeyPair(`ssobridge test IdP ${new URL(publicUrl).host} ${actor.accountId}`, clock.now());
    const now = clock.now();
    const record: TestIdpRecord = {
      accountId: actor.accountId,
      idpId: randomUUID(),
      password: randomBytes(9).toString('base64url'),
      sealedPrivateKey: sealer.seal(pair.privateKeyPem, testIdpKeyContext(actor.accountId)),
      certificatePem: pair.certificatePem,
      userAttributes: {},
      turnedOff: false,
      createdAt: now,
      updatedAt: now,
    };
    await db.transaction().execute(async (trx) => {
      if (!(await lockAccount(trx, actor.accountId))) throw new AppError('ACCOUNT_NOT_FOUND', 'The account does not exist.');
      if (await findTestIdp(trx, actor.accountId)) return;
      await insertTestIdp(trx, record);
      await audit.record(trx, actor, { action: 'test_idp.created', targetKind: 'customer', targetId: record.idpId });
    });
    return (await findTestIdp(db, actor.accountId)) ?? record;
  };

  /**
   * Its connection, (re)created when missing: an admin may have deleted it like any customer. A
   * customer found at its idpId is the test connection only if it has the test IdP's entity ID: an
   * admin may have deleted the test connection and given its idpId to a real customer, whose
   * settings the test IdP must then never overwrite, and for whom it must never sign.
   */
  const ensureConnection = async (actor: Actor, record: TestIdpRecord): Promise<void> => {
    const existing = await findCustomerByIdpId(db, actor.accountId, record.idpId);
    if (existing && existing.entityId !== testIdpEntityId(publicUrl, actor.accountId)) {
      throw new AppError('CUSTOMER_CONFLICT', `The test identity provider's customer ID (${record.idpId}) now belongs to another customer. Give that customer another ID to use the test identity provider again.`);
    }
    if (existing) return;
    try {
      await customers.putCustomer(actor, record.idpId, { ...connectionInput(record, []), enabled: !record.turnedOff }, { createOnly: true });
    } catch (error) {
      // A racing request created it first: that is the one wanted.
      if (!(error instanceof AppError && error.code === 'CUSTOMER_EXISTS')) throw error;
    }
  };

  const viewOf = async (record: TestIdpRecord): Promise<TestIdpView> => {
    const connection = await findCustomerByIdpId(db, record.accountId, record.idpId);
    return {
      idpId: record.idpId,
      entityId: testIdpEntityId(publicUrl, record.accountId),
      ssoUrl: testIdpSsoUrl(publicUrl, record.accountId),
      password: record.password,
      users: testUsersOf(record.userAttributes),
      turnedOff: record.turnedOff,
      connectionEnabled: connection?.enabled === true,
    };
  };

  const ensure = async (actor: Actor): Promise<TestIdpRecord> => {
    const record = await ensureRecord(actor);
    await ensureConnection(actor, record);
    return record;
  };

  /** The test IdP of an account, if it may answer now: it exists, is on, and its connection is enabled. */
  const serving = async (accountId: string): Promise<TestIdpRecord> => {
    const record = /^[0-9a-f-]{36}$/.test(accountId) ? await findTestIdp(db, accountId) : undefined;
    if (!record || record.turnedOff) throw notServed();
    const connection = await findCustomerByIdpId(db, accountId, record.idpId);
    if (!connection?.enabled || connection.entityId !== testIdpEntityId(publicUrl, accountId)) throw notServed();
    return record;
  };

  /**
   * Only this account's own SP identities may ask, and only for our own ACS (the multiplexed one,
   * or the per-application one that matches the per-application issuer): the test IdP never
   * signs anything that could be presented elsewhere.
   */
  const checkRequest = (accountId: string, request: AuthnRequestSummary): void => {
    const perApp = new RegExp(`^${escapeRegExp(spEntityIdFor(publicUrl, accountId, null))}/(${SAASID})$`).exec(request.issuer);
    const saasid = request.issuer === spEntityIdFor(publicUrl, accountId, null) ? null : perApp?.[1];
    if (saasid === undefined) throw badRequest('This test identity provider answers only sign-in requests from its own account.');
    if (request.acsUrl !== acsUrlFor(publicUrl, saasid)) throw badRequest('The sign-in request asks for a response at an address other than ssobridge\'s own.');
  };

  return {
    /** The console's view, creating the test IdP and its connection on first use. */
    async ensureTestIdp(actor: Actor): Promise<TestIdpView> {
      return viewOf(await ensure(actor));
    },

    /** Connects the test connection to an application (if not yet): returns the idpId to start with. */
    async connectApplication(actor: Actor, saasid: string): Promise<string> {
      const record = await ensure(actor);
      if (record.turnedOff) throw new AppError('CUSTOMER_CONFLICT', 'The test identity provider is turned off for this account. Turn it on first.');
      const connection = await customers.getCustomer(actor.accountId, record.idpId);
      if (!connection.applications.some((a) => a.saasid === saasid)) {
        await customers.putCustomer(actor, record.idpId, { ...connectionInput(record, [saasid]), enabled: connection.enabled });
      }
      return record.idpId;
    },

    async saveAttributes(actor: Actor, rowsByUser: Record<string, string>): Promise<void> {
      const userAttributes = parseAllAttributeRows(rowsByUser);
      const record = await ensure(actor);
      await db.transaction().execute(async (trx) => {
        await updateTestIdp(trx, actor.accountId, { userAttributes, updatedAt: clock.now() });
        await audit.record(trx, actor, { action: 'test_idp.attributes_updated', targetKind: 'customer', targetId: record.idpId });
      });
    },

    /**
     * The account setting "test IdP off" (for production): its pages answer 404 and its
     * connection is disabled. Turning it on again enables the connection.
     */
    async setTurnedOff(actor: Actor, turnedOff: boolean): Promise<void> {
      const record = await ensure(actor);
      if (record.turnedOff === turnedOff) return;
      await db.transaction().execute(async (trx) => {
        await updateTestIdp(trx, actor.accountId, { turnedOff, updatedAt: clock.now() });
        await audit.record(trx, actor, { action: turnedOff ? 'test_idp.turned_off' : 'test_idp.turned_on', targetKind: 'customer', targetId: record.idpId });
      });
      await customers.putCustomer(actor, record.idpId, { ...connectionInput(record), enabled: !turnedOff });
    },

    /** Reads the request the test IdP was sent; 404 when the account's test IdP is not serving. */
    async receiveRequest(accountId: string, requestXml: string, relayState: string | undefined): Promise<PendingTestSignIn> {
      const record = await serving(accountId);
      const request = readRequest(requestXml);
      checkRequest(accountId, request);
      return { request, relayState, users: testUsersOf(record.userAttributes) };
    },

    /**
     * A test user signs in: the password is checked under the same throttle as console sign-in,
     * keyed by (address, account and user), so that failures from elsewhere never lock out the
     * developer's own address; then the signed response for our ACS.
     */
    async signIn(input: { accountId: string; requestXml: string; relayState: string | undefined; username: string; password: string; sourceIp: string }): Promise<TestSignInResult> {
      const record = await serving(input.accountId);
      const request = readRequest(input.requestXml);
      checkRequest(input.accountId, request);
      if (!isTestUserName(input.username)) throw new AppError('INVALID_SIGN_IN', 'Choose one of the test users.');
      const reservation = await throttle.reserve({ sourceIp: input.sourceIp, identities: [`${input.accountId}/${input.username}`] });
      if (!timingSafeEqual(digest(input.password), digest(record.password))) {
        await reservation.failed();
        throw new AppError('INVALID_SIGN_IN', 'The password is not right. It is shown in the console, on the application\'s Test page.');
      }
      await reservation.succeeded();
      const user = testUsersOf(record.userAttributes).find((u) => u.name === input.username)!;
      const now = clock.now();
      const samlResponse = buildSignedResponse(
        {
          issuer: testIdpEntityId(publicUrl, input.accountId),
          destination: request.acsUrl,
          inResponseTo: request.id,
          audience: request.issuer,
          nameId: user.address,
          nameIdFormat: EMAIL_FORMAT,
          sessionIndex: newSamlId(),
          authnInstant: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          authnContextClassRef: PASSWORD_PROTECTED,
          attributes: Object.fromEntries(Object.entries(user.attributes).map(([name, value]) => [name, [value]])),
          now,
          lifetimeMs: RESPONSE_LIFETIME_MS,
        },
        { privateKeyPem: sealer.open(record.sealedPrivateKey, testIdpKeyContext(record.accountId)), certificatePem: record.certificatePem },
      );
      return {
        acsUrl: request.acsUrl,
        fields: { SAMLResponse: Buffer.from(samlResponse, 'utf8').toString('base64'), ...(input.relayState !== undefined && { RelayState: input.relayState }) },
      };
    },

    /** For the console's customer list: the idpId of the account's test connection, if it has one. */
    async testIdpIdOf(accountId: string): Promise<string | undefined> {
      return (await findTestIdp(db, accountId))?.idpId;
    },
  };
}

function readRequest(requestXml: string): AuthnRequestSummary {
  try {
    return readAuthnRequest(requestXml);
  } catch (error) {
    throw badRequest(error instanceof Error ? error.message : 'The sign-in request cannot be read.');
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export type TestIdpService = ReturnType<typeof createTestIdpService>;
