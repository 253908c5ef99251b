import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { CredentialKind, DB } from '../../db/schema.js';
import { findCredentialByClientId, recordCredentialsLastUsed } from '../../db/repositories/credentials-repository.js';
import { AppError } from '../../errors.js';
import type { Throttle } from '../throttle/throttle.js';
import { parseBasicAuthorization, type ClientCredentials } from './basic-authorization.js';
import { verifyAgainstDummy, verifySecret as verifySecretWithArgon2 } from './secrets.js';
import type { CachedPrincipal, Principal, VerifiedCredentialCache } from './verified-credential-cache.js';

export interface AuthenticationRequest {
  authorization: string | undefined;
  sourceIp: string;
  /** Which kinds of credential this endpoint accepts. */
  accept: readonly CredentialKind[];
}

/**
 * Authenticates REST clients with HTTP Basic. A secret verified once is served from memory after
 * that (no slow hash per request); a miss is throttled per source address, per (client ID,
 * address) and by a per-client-ID ceiling that never refuses an address with no failures for that
 * client ID, before the slow hash runs. Last-used times are gathered in memory and written in
 * batches by `flushLastUsed`, which the server's background jobs call (src/jobs.ts) and services' close calls once more.
 */
export interface ClientAuthenticator {
  authenticate(request: AuthenticationRequest): Promise<Principal>;
  /** Writes the gathered last-used times; a failure is logged and those times are dropped. */
  flushLastUsed(): Promise<void>;
}

/** A principal and the secret (of the header's candidates) that proved it. */
interface Verified {
  principal: Principal;
  secret: string;
}

export function createClientAuthenticator(deps: {
  db: Kysely<DB>;
  clock: Clock;
  cache: VerifiedCredentialCache;
  throttle: Throttle;
  logger: Logger;
  /** The slow check of a secret against its stored hash (argon2id); tests pass one they can pause. */
  verifySecret?: (storedHash: string, secret: string) => Promise<boolean>;
}): ClientAuthenticator {
  const { db, clock, cache, throttle, logger, verifySecret = verifySecretWithArgon2 } = deps;
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
    // A credential changed while the slow hash ran (the cache says so): accept the secret only if
    // the stored hash is still the one it matched, so an edit that has returned is never undone.
    let seenGeneration = generation;
    if (cache.generation() !== generation) {
      seenGeneration = cache.generation();
      const latest = await findCredentialByClientId(db, candidate.clientId);
      if (!latest || latest.secretHash !== record.secretHash || !latest.enabled || !accept.includes(latest.kind)) return false;
    }
    const principal: Principal = {
      accountId: record.accountId,
      credentialId: record.id,
      clientId: record.clientId,
      kind: record.kind,
      description: record.description,
      applicationId: record.applicationId,
    };
    cache.remember(seenGeneration, principal, candidate.secret, record.secretHash);
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
   * candidate before hashing; a success gives the reservation back, a failure marks this address
   * as having failed for these client IDs.
   */
  const verifySlowly = async (candidates: ClientCredentials[], sourceIp: string, accept: readonly CredentialKind[]): Promise<Verified | false> => {
    const clientIds = [...new Set(candidates.map((c) => c.clientId))];
    // Each candidate may cost one slow hash, so each counts as one attempt.
    const reservation = await throttle.reserve({ sourceIp, identities: clientIds, weight: candidates.length });
    for (const candidate of candidates) {
      const principal = await verifyWithDatabase(candidate, accept);
      if (principal) {
        await reservation.succeeded();
        return { principal, secret: candidate.secret };
      }
    }
    await reservation.failed();
    return false;
  };
  // Identical attempts in flight share one verification (a client's connection pool arriving at
  // a cold cache must not look like a guessing attack, nor pay the slow hash 32 times).
  const inFlight = new Map<string, Promise<Verified | false>>();

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
          cache.rememberHeader(header, hit.principal.clientId, candidate.secret);
          return accepted(hit.principal);
        }
      }
      const key = `${cache.headerKey(header)}|${accept.join(',')}`;
      let pending = inFlight.get(key);
      if (!pending) {
        pending = verifySlowly(parsed.candidates, sourceIp, accept).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      const verified = await pending;
      if (!verified) throw new AppError('INVALID_CREDENTIALS', 'The client ID or client secret is not valid.');
      cache.rememberHeader(header, verified.principal.clientId, verified.secret);
      return accepted(verified.principal);
    },
    flushLastUsed,
  };
}
