import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { CredentialKind, DB } from '../../db/schema.js';
import { findCredentialByClientId, recordCredentialsLastUsed } from '../../db/repositories/credentials-repository.js';
import { AppError } from '../../errors.js';
import type { Throttle } from '../throttle/throttle.js';
import { parseBasicAuthorization, type ClientCredentials } from './basic-authorization.js';
import { verifyAgainstDummy, verifySecret } from './secrets.js';
import type { CachedPrincipal, Principal, VerifiedCredentialCache } from './verified-credential-cache.js';
import { throttleKeyForAddress } from '../throttle/throttle.js';

export interface AuthenticationRequest {
  authorization: string | undefined;
  sourceIp: string;
  /** Which kinds of credential this endpoint accepts. */
  accept: readonly CredentialKind[];
}

/**
 * Authenticates REST clients with HTTP Basic. A secret verified once is served from memory after
 * that (no slow hash per request); a miss is throttled per source address and per client ID
 * before the slow hash runs. Last-used times are gathered in memory and written in batches.
 */
export interface ClientAuthenticator {
  authenticate(request: AuthenticationRequest): Promise<Principal>;
  /** Writes the gathered last-used times now (also done every few seconds and on close). */
  flushLastUsed(): Promise<void>;
  close(): Promise<void>;
}

const LAST_USED_FLUSH_MS = 5_000;

export function createClientAuthenticator(deps: {
  db: Kysely<DB>;
  clock: Clock;
  cache: VerifiedCredentialCache;
  throttle: Throttle;
  logger: Logger;
}): ClientAuthenticator {
  const { db, clock, cache, throttle, logger } = deps;
  let lastUsed = new Map<string, number>();

  const flushLastUsed = async () => {
    if (lastUsed.size === 0) return;
    const batch = lastUsed;
    lastUsed = new Map();
    try {
      await recordCredentialsLastUsed(db, batch);
    } catch (error) {
      logger.warn({ err: error }, 'could not record credential last-used times');
    }
  };
  const timer = setInterval(() => void flushLastUsed(), LAST_USED_FLUSH_MS).unref();

  const accepted = (principal: Principal) => {
    lastUsed.set(principal.credentialId, clock.now());
    return principal;
  };

  const verifyWithDatabase = async (candidate: ClientCredentials, accept: readonly CredentialKind[]) => {
    const generation = cache.generation();
    const record = await findCredentialByClientId(db, candidate.clientId);
    if (!record || record.secretHash === null) return verifyAgainstDummy(candidate.secret);
    const ok = await verifySecret(record.secretHash, candidate.secret);
    if (!ok || !record.enabled || !accept.includes(record.kind)) return false;
    const principal: Principal = {
      accountId: record.accountId,
      credentialId: record.id,
      clientId: record.clientId,
      kind: record.kind,
      description: record.description,
      applicationId: record.applicationId,
    };
    cache.remember(generation, principal, candidate.secret, record.secretHash);
    return principal;
  };

  /** A cached entry while change notifications are not confirmed: valid if the stored hash is unchanged. */
  const stillValid = async (hit: CachedPrincipal, accept: readonly CredentialKind[]) => {
    const record = await findCredentialByClientId(db, hit.principal.clientId);
    if (record && record.secretHash === hit.secretHash && record.enabled && accept.includes(record.kind)) return true;
    cache.evict(hit.principal.clientId);
    return false;
  };

  /**
   * The slow path: throttled, then the slow hash against the database. Reserves one attempt per
   * candidate before hashing, and gives the reservation back on success.
   */
  const verifySlowly = async (candidates: ClientCredentials[], sourceIp: string, accept: readonly CredentialKind[]): Promise<Principal | false> => {
    const clientIds = [...new Set(candidates.map((c) => c.clientId))];
    // Each candidate may cost one slow hash, so each counts as one attempt.
    const reservation = await throttle.reserve([throttleKeyForAddress(sourceIp), ...clientIds.map((id) => `client:${id}`)], candidates.length);
    for (const candidate of candidates) {
      const principal = await verifyWithDatabase(candidate, accept);
      if (principal) {
        await reservation.release();
        return principal;
      }
    }
    return false;
  };
  // Identical attempts in flight share one verification (a client's connection pool arriving at
  // a cold cache must not look like a guessing attack, nor pay the slow hash 32 times).
  const inFlight = new Map<string, Promise<Principal | false>>();

  return {
    async authenticate({ authorization, sourceIp, accept }) {
      const known = authorization ? cache.lookupHeader(authorization) : undefined;
      if (known && accept.includes(known.principal.kind) && (known.current || (await stillValid(known, accept)))) return accepted(known.principal);

      const parsed = parseBasicAuthorization(authorization);
      if (!parsed.ok) {
        throw parsed.reason === 'malformed'
          ? new AppError('MALFORMED_AUTHORIZATION', 'The Authorization header is not valid HTTP Basic: expected "Basic base64(clientId:clientSecret)".')
          : new AppError('AUTHENTICATION_REQUIRED', 'Authenticate with HTTP Basic using a client ID and client secret.');
      }
      const header = authorization!;
      for (const candidate of parsed.candidates) {
        const hit = cache.lookup(candidate.clientId, candidate.secret);
        if (hit && accept.includes(hit.principal.kind) && (hit.current || (await stillValid(hit, accept)))) {
          cache.rememberHeader(header, hit.principal.clientId);
          return accepted(hit.principal);
        }
      }
      const key = `${cache.headerKey(header)}|${accept.join(',')}`;
      let pending = inFlight.get(key);
      if (!pending) {
        pending = verifySlowly(parsed.candidates, sourceIp, accept).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      const principal = await pending;
      if (!principal) throw new AppError('INVALID_CREDENTIALS', 'The client ID or client secret is not valid.');
      cache.rememberHeader(header, principal.clientId);
      return accepted(principal);
    },
    flushLastUsed,
    async close() {
      clearInterval(timer);
      await flushLastUsed();
    },
  };
}
