import { createPublicKey } from 'node:crypto';
import type { JWK } from 'oidc-provider';
import { listPublishedSigningKeys } from '../db/repositories/signing-keys-repository.js';
import type { ChangeFeed } from '../db/change-feed.js';
import { APPLICATION_TOPIC } from '../domain/applications/application-service.js';
import { SIGNING_KEYS_TOPIC, type SigningKeyService } from '../domain/keys/signing-key-service.js';
import { findInteractionClientId } from './oidc-adapter.js';
import { buildOidcProvider, type ClientProvider, type OidcProviderDeps } from './oidc-provider.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Enough for every OIDC app of a large deployment (~45 KB each); the least recently used go first. */
const MAX_CACHED_PROVIDERS = 500;

/**
 * The OIDC provider of each OIDC application, built on first use and rebuilt when the app's
 * settings or its account's signing keys change. A change on any instance reaches every other one
 * through the change feed, which drops the provider; while the feed is not known to be current,
 * the app and its keys are read again on every request and compared with what the provider was
 * built from.
 */
export interface OidcProviders {
  /** The provider of an enabled OIDC application, or undefined for any other client ID. */
  forClient(clientId: string): Promise<ClientProvider | undefined>;
  /** The provider an authorization request's interaction belongs to. */
  forInteraction(uid: string): Promise<ClientProvider | undefined>;
  /** The public keys of every account's active and renewal signing keys (`/sso/as/jwks`). */
  publishedKeys(): Promise<{ keys: JWK[] }>;
}

export function createOidcProviders(deps: OidcProviderDeps & { signingKeys: SigningKeyService; changes: ChangeFeed }): OidcProviders {
  const cache = new Map<string, { version: string; accountId: string; built: ClientProvider }>();
  // Bumped by every drop: a provider built from what was read before a drop is not cached.
  let generation = 0;
  const drop = (matches: (entry: { accountId: string }, clientId: string) => boolean) => {
    generation++;
    for (const [clientId, entry] of cache) if (matches(entry, clientId)) cache.delete(clientId);
  };
  deps.changes.subscribe((event) => {
    if (event.topic === APPLICATION_TOPIC) drop((_entry, clientId) => clientId === event.key);
    if (event.topic === SIGNING_KEYS_TOPIC) drop((entry) => entry.accountId === event.key);
  });
  deps.changes.onReset(() => drop(() => true));

  const forClient = async (clientId: string) => {
    if (!UUID.test(clientId)) return undefined;
    const known = cache.get(clientId);
    if (known && deps.changes.isCurrent()) {
      cache.delete(clientId);
      cache.set(clientId, known);
      return known.built;
    }
    const seenGeneration = generation;
    const found = await deps.store.findApplication(clientId);
    const app = found?.application;
    if (!found || app?.kind !== 'oidc' || !app.enabled) return undefined;
    const keys = await deps.signingKeys.currentKeys(found.accountId);
    const version = JSON.stringify([app.updatedAt, keys.map((k) => [k.id, k.status])]);
    const cached = cache.get(clientId);
    cache.delete(clientId);
    const built = cached?.version === version ? cached.built : buildOidcProvider(deps, found.accountId, app, keys);
    if (generation === seenGeneration) cache.set(clientId, { version, accountId: found.accountId, built });
    if (cache.size > MAX_CACHED_PROVIDERS) cache.delete(cache.keys().next().value as string);
    return built;
  };

  return {
    forClient,
    async forInteraction(uid) {
      const clientId = await findInteractionClientId(deps.db, uid, deps.clock.now());
      return clientId === undefined ? undefined : forClient(clientId);
    },
    async publishedKeys() {
      const keys = await listPublishedSigningKeys(deps.db);
      return { keys: keys.map((k) => ({ ...createPublicKey(k.certificatePem).export({ format: 'jwk' }), kid: k.id, alg: 'RS256', use: 'sig' })) };
    },
  };
}
