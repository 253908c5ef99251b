import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { findMetadataRefresh } from '../../db/repositories/metadata-refresh-repository.js';
import type { MetadataRefreshStatus } from '../model.js';

/** What the console and the API show about a customer's scheduled metadata refresh; null without a metadata URL. */
export async function readMetadataRefreshStatus(db: Kysely<DB>, customerId: string, metadataUrl: string | null): Promise<MetadataRefreshStatus | null> {
  if (metadataUrl === null) return null;
  const row = await findMetadataRefresh(db, customerId);
  // A row about another URL describes the customer's previous metadata URL: nothing is known yet.
  if (!row || row.metadataUrl !== metadataUrl) return { lastRefreshedAt: null, lastError: null, nextRefreshAt: null };
  return {
    lastRefreshedAt: row.lastSuccessAt,
    lastError: row.lastErrorAt !== null && row.lastError !== null ? { at: row.lastErrorAt, reason: row.lastError } : null,
    nextRefreshAt: row.nextRefreshAt,
  };
}
