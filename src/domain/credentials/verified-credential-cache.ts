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

export function createVerifiedCredentialCache(changes: ChangeFeed): VerifiedCredentialCache {
  const digester = createSecretDigester();
  const entries = new Map<string, { principal: Principal; digest: Buffer; secretHash: string }>();
  let generation = 0;

  const evict = (clientId: string) => {
    generation++;
    entries.delete(clientId);
  };
  changes.subscribe((event) => {
    if (event.topic === CREDENTIAL_TOPIC) evict(event.key);
  });
  changes.onReset(() => {
    generation++;
    entries.clear();
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
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
      entries.set(principal.clientId, { principal, digest: digester.digest(secret), secretHash });
    },
    evict,
  };
}
