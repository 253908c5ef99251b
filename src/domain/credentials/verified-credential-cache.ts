import type { ChangeFeed } from '../../db/change-feed.js';
import type { CredentialKind } from '../../db/schema.js';
import { createSecretDigester } from './secrets.js';

export interface Principal {
  accountId: string;
  credentialId: string;
  clientId: string;
  kind: CredentialKind;
  description: string;
}

/**
 * Client IDs whose secret this process has already verified with the slow hash, keyed by a
 * process-local HMAC of the secret. A change to a credential evicts it here at once and, through
 * the change feed, on every other instance. A generation counter stops a verification that began
 * before an eviction from re-caching the old secret.
 */
export interface VerifiedCredentialCache {
  lookup(clientId: string, secret: string): Principal | undefined;
  /** The generation to pass back to `remember`, read before the database is consulted. */
  generation(): number;
  remember(generation: number, principal: Principal, secret: string): void;
  evict(clientId: string): void;
}

export const CREDENTIAL_TOPIC = 'credential';
const MAX_ENTRIES = 50_000;

export function createVerifiedCredentialCache(changes: ChangeFeed): VerifiedCredentialCache {
  const digester = createSecretDigester();
  const entries = new Map<string, { principal: Principal; digest: Buffer }>();
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
      if (!entry) return undefined;
      return digester.equal(entry.digest, digester.digest(secret)) ? entry.principal : undefined;
    },
    generation: () => generation,
    remember(seenGeneration, principal, secret) {
      if (seenGeneration !== generation) return;
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
      entries.set(principal.clientId, { principal, digest: digester.digest(secret) });
    },
    evict,
  };
}
