import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { claimFormSubmission, pruneFormSubmissions } from '../db/repositories/form-submissions-repository.js';
import type { DB } from '../db/schema.js';

const KEY_LIFETIME_MS = 24 * 3600_000;

/**
 * Single-use keys for forms whose effect must not repeat when the browser re-posts them (a
 * reload of the page that shows a new secret would otherwise create or rotate again).
 */
export function createFormSubmissions(deps: { db: Kysely<DB>; clock: Clock }) {
  let lastPrune = 0;
  return {
    newKey: (): string => randomBytes(18).toString('base64url'),

    /** True the first time a key is presented; false for a repeat. */
    async claim(accountId: string, key: string): Promise<boolean> {
      if (!/^[A-Za-z0-9_-]{24}$/.test(key)) return false;
      const now = deps.clock.now();
      if (now - lastPrune > 3600_000) {
        lastPrune = now;
        await pruneFormSubmissions(deps.db, now - KEY_LIFETIME_MS);
      }
      return claimFormSubmission(deps.db, `${accountId}:${key}`, accountId, now);
    },
  };
}

export type FormSubmissions = ReturnType<typeof createFormSubmissions>;
