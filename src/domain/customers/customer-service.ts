import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { listCustomers } from '../../db/repositories/customers-repository.js';
import { validationError } from '../../errors.js';

export interface CustomerSummary {
  idpId: string;
  createdAt: number;
  updatedAt: number;
}

export interface CustomerPage {
  customers: CustomerSummary[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

export const CUSTOMER_PAGE_MAX = 200;

export function createCustomerService(deps: { db: Kysely<DB> }) {
  return {
    /** One account's customers in idpId order; the cursor is opaque to clients. */
    async listCustomers(accountId: string, page: { cursor?: string | undefined; limit: number }): Promise<CustomerPage> {
      const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
      if (page.cursor !== undefined && after === undefined) {
        throw validationError([{ field: 'cursor', message: 'is not a cursor returned by this API' }]);
      }
      const rows = await listCustomers(deps.db, accountId, { afterIdpId: after, limit: page.limit + 1 });
      const shown = rows.slice(0, page.limit);
      const last = shown.at(-1);
      return {
        customers: shown.map((r) => ({ idpId: r.idpId, createdAt: r.createdAt, updatedAt: r.updatedAt })),
        nextCursor: rows.length > page.limit && last ? encodeCursor(last.idpId) : null,
      };
    },
  };
}

export function encodeCursor(idpId: string): string {
  return Buffer.from(JSON.stringify({ after: idpId })).toString('base64url');
}

/** Returns undefined for a cursor this service did not make. */
export function decodeCursor(cursor: string): string | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null && 'after' in value && typeof value.after === 'string') return value.after;
  } catch {
    // fall through
  }
  return undefined;
}

export type CustomerService = ReturnType<typeof createCustomerService>;
