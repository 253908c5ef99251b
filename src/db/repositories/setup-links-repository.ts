import type { Kysely, Selectable } from 'kysely';
import type { CustomerSetupLinksTable, DB } from '../schema.js';

export interface SetupLinkRecord {
  id: string;
  accountId: string;
  idpId: string;
  secretHash: string;
  /** saasids the link connects, or null for "as the customer has them". */
  applications: string[] | null;
  returnUrl: string | null;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  usedAt: number | null;
  lastUsedFrom: string | null;
  completedAt: number | null;
  /** The invited IT admin's address ("Customer Email"), if the provider gave one. */
  contactEmail: string | null;
  activationRequestedAt: number | null;
}

function toRecord(row: Selectable<CustomerSetupLinksTable>): SetupLinkRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    idpId: row.idp_id,
    secretHash: row.secret_hash,
    applications: row.applications === null ? null : (JSON.parse(row.applications) as string[]),
    returnUrl: row.return_url,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    usedAt: row.used_at,
    lastUsedFrom: row.last_used_from,
    completedAt: row.completed_at,
    contactEmail: row.contact_email,
    activationRequestedAt: row.activation_requested_at,
  };
}

export async function insertSetupLink(db: Kysely<DB>, link: SetupLinkRecord): Promise<void> {
  await db
    .insertInto('customer_setup_links')
    .values({
      id: link.id,
      account_id: link.accountId,
      idp_id: link.idpId,
      secret_hash: link.secretHash,
      applications: link.applications === null ? null : JSON.stringify(link.applications),
      return_url: link.returnUrl,
      created_at: link.createdAt,
      expires_at: link.expiresAt,
      revoked_at: null,
      used_at: null,
      last_used_from: null,
      completed_at: null,
      contact_email: link.contactEmail,
      activation_requested_at: null,
    })
    .execute();
}

export async function findSetupLinkBySecretHash(db: Kysely<DB>, secretHash: string): Promise<SetupLinkRecord | undefined> {
  const row = await db.selectFrom('customer_setup_links').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
  return row && toRecord(row);
}

/** One customer's links, newest first. */
export async function listSetupLinks(db: Kysely<DB>, accountId: string, idpId: string): Promise<SetupLinkRecord[]> {
  const rows = await db
    .selectFrom('customer_setup_links')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('idp_id', '=', idpId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(toRecord);
}

/** Revokes the customer's links that are not revoked yet (all, or one by id); returns the ids revoked. */
export async function revokeSetupLinks(db: Kysely<DB>, where: { accountId: string; idpId: string; id?: string }, now: number): Promise<string[]> {
  let query = db
    .updateTable('customer_setup_links')
    .set({ revoked_at: now })
    .where('account_id', '=', where.accountId)
    .where('idp_id', '=', where.idpId)
    .where('revoked_at', 'is', null);
  if (where.id !== undefined) query = query.where('id', '=', where.id);
  const rows = await query.returning('id').execute();
  return rows.map((r) => r.id);
}

export async function recordSetupLinkUse(db: Kysely<DB>, id: string, use: { at: number; from: string; first: boolean }): Promise<void> {
  await db
    .updateTable('customer_setup_links')
    .set(use.first ? { used_at: use.at, last_used_from: use.from } : { last_used_from: use.from })
    .where('id', '=', id)
    .execute();
}

/**
 * Ends the links still open for a customer once the provider turns its connection on (they are
 * completed: the connection is live) or off (they are revoked: a suspended connection must not be
 * re-enabled through one). Returns the IDs it ended.
 */
export async function endOpenSetupLinks(db: Kysely<DB>, where: { accountId: string; idpId: string }, how: 'completed' | 'revoked', now: number): Promise<string[]> {
  const rows = await db
    .updateTable('customer_setup_links')
    .set(how === 'completed' ? { completed_at: now } : { revoked_at: now })
    .where('account_id', '=', where.accountId)
    .where('idp_id', '=', where.idpId)
    .where('revoked_at', 'is', null)
    .where('completed_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** A change saved through the portal withdraws its pending activation requests: the provider approves what is there when it is asked. */
export async function withdrawActivationRequests(db: Kysely<DB>, where: { accountId: string; idpId: string }): Promise<void> {
  await db
    .updateTable('customer_setup_links')
    .set({ activation_requested_at: null })
    .where('account_id', '=', where.accountId)
    .where('idp_id', '=', where.idpId)
    .where('completed_at', 'is', null)
    .execute();
}

/** Marks the link completed (Activate); false when it already was, so a replay changes nothing. */
export async function completeSetupLink(db: Kysely<DB>, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('customer_setup_links')
    .set({ completed_at: now })
    .where('id', '=', id)
    .where('completed_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Records the portal's "Request activation" on an open, unfinished link; false when it changed nothing. */
export async function requestActivationThroughLink(db: Kysely<DB>, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('customer_setup_links')
    .set({ activation_requested_at: now })
    .where('id', '=', id)
    .where('activation_requested_at', 'is', null)
    .where('completed_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Invited customers: the open links (not revoked, not expired, not activated) of idpIds that
 * have no customer yet, newest first — the console lists one row per idpId from them.
 */
export async function listOpenLinksWithoutCustomer(db: Kysely<DB>, accountId: string, now: number): Promise<SetupLinkRecord[]> {
  const rows = await db
    .selectFrom('customer_setup_links as l')
    .selectAll('l')
    .where('l.account_id', '=', accountId)
    .where('l.revoked_at', 'is', null)
    .where('l.completed_at', 'is', null)
    .where('l.expires_at', '>', now)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('customers as c').select('c.idp_id').whereRef('c.account_id', '=', 'l.account_id').whereRef('c.idp_id', '=', 'l.idp_id'))),
    )
    .orderBy('l.created_at', 'desc')
    .orderBy('l.id')
    .execute();
  return rows.map(toRecord);
}
