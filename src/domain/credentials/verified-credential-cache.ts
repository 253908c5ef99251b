import type { ChangeFeed } from '../../db/change-feed.js';
import type { CredentialKind } from '../../db/schema.js';
import { createSecretDigester } from './secrets.js';

export interface Principal {
  accountId: string;
  credentialId: string;
  clientId: string;
  kind: CredentialKind;
  description: string;
  /** Application credentials: the saasid they may exchange tokens for. */
  applicationId: string | null;
}

/**
 * Client IDs whose secret this process has already verified with the slow hash, keyed by a
 * process-local HMAC of the secret. A change to a credential evicts it here at once and, through
 * the change feed, on every other instance. A generation counter stops a verification that began
 * before an eviction from re-caching the old secret.
 */
export interface VerifiedCredentialCache {
  /** The principal, if this secret was verified for this client ID, and whether that is known to be current. */
  lookup(clientId: string, secret: string): CachedPrincipal | undefined;
  /** The generation to pass back to `remember`, read before the database is consulted. */
  generation(): number;
  remember(generation: number, principal: Principal, secret: string, secretHash: string): void;
  /**
   * The fast path: an Authorization header already seen with a verified secret, found by an HMAC
   * of the whole header, before any parsing or decoding.
   */
  lookupHeader(authorization: string): CachedPrincipal | undefined;
  /**
   * Lets `lookupHeader` find this header, which carries `secret` for `clientId`, but only if the
   * entry cached now for that client was verified with that same secret. A check that began
   * before a secret edit may finish after the new secret is cached: its header must not be
   * mapped onto the new entry.
   */
  rememberHeader(authorization: string, clientId: string, secret: string): void;
  /** A process-local digest of the header, to key work on it without keeping the secret. */
  headerKey(authorization: string): string;
  evict(clientId: string): void;
}

export interface CachedPrincipal {
  principal: Principal;
  /** The stored hash the secret was verified against: unchanged in the database means still valid. */
  secretHash: string;
  /**
   * False while change notifications are not confirmed to be arriving: the caller must check
   * the database (cheaply, by hash) before trusting the entry.
   */
  current: boolean;
}

export const CREDENTIAL_TOPIC = 'credential';
const MAX_ENTRIES = 50_000;

interface Entry {
  principal: Principal;
  digest: Buffer;
  secretHash: string;
}

export function createVerifiedCredentialCache(changes: ChangeFeed): VerifiedCredentialCache {
  const digester = createSecretDigester();
  const entries = new Map<string, Entry>();
  // Header digest → the entry it was verified against, and client ID → header digests, so
  // evicting or replacing a client's entry forgets its headers too. A header whose entry is no
  // longer the client's current one is never served.
  const headers = new Map<string, Entry>();
  const headersOf = new Map<string, Set<string>>();
  let generation = 0;

  const forgetHeaders = (clientId: string) => {
    for (const key of headersOf.get(clientId) ?? []) headers.delete(key);
    headersOf.delete(clientId);
  };
  const evict = (clientId: string) => {
    generation++;
    entries.delete(clientId);
    forgetHeaders(clientId);
  };
  const headerKey = (authorization: string) => digester.digest(authorization).toString('base64');
  changes.subscribe((event) => {
    if (event.topic === CREDENTIAL_TOPIC) evict(event.key);
  });
  changes.onReset(() => {
    generation++;
    entries.clear();
    headers.clear();
    headersOf.clear();
  });

  return {
    lookup(clientId, secret) {
      const entry = entries.get(clientId);
      if (!entry || !digester.equal(entry.digest, digester.digest(secret))) return undefined;
      return { principal: entry.principal, secretHash: entry.secretHash, current: changes.isCurrent() };
    },
    generation: () => generation,
    remember(seenGeneration, principal, secret, secretHash) {
      if (seenGeneration !== generation) return;
      if (entries.size >= MAX_ENTRIES) evict(entries.keys().next().value as string);
      // A newly verified secret replaces the old one, and whatever headers carried it.
      forgetHeaders(principal.clientId);
      entries.set(principal.clientId, { principal, digest: digester.digest(secret), secretHash });
    },
    lookupHeader(authorization) {
      const entry = headers.get(headerKey(authorization));
      if (!entry || entries.get(entry.principal.clientId) !== entry) return undefined;
      return { principal: entry.principal, secretHash: entry.secretHash, current: changes.isCurrent() };
    },
    rememberHeader(authorization, clientId, secret) {
      const entry = entries.get(clientId);
      if (!entry || !digester.equal(entry.digest, digester.digest(secret))) return;
      if (headers.size >= MAX_ENTRIES) {
        headers.clear();
        headersOf.clear();
      }
      const key = headerKey(authorization);
      headers.set(key, entry);
      headersOf.set(clientId, (headersOf.get(clientId) ?? new Set()).add(key));
    },
    headerKey,
    evict,
  };
}
