import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

export interface AdminInvitationRecord {
  id: string;
  accountId: string;
  email: string;
  invitedById: string;
  invitedByLabel: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  acceptedAt: number | null;
}

type Row = DB['admin_invitations'];

const toRecord = (r: Row): AdminInvitationRecord => ({
  id: r.id,
  accountId: r.account_id,
  email: r.email,
  invitedById: r.invited_by_id,
  invitedByLabel: r.invited_by_label,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  acceptedAt: r.accepted_at,
});

export async function insertAdminInvitation(db: Kysely<DB>, i: AdminInvitationRecord & { tokenHash: string }): Promise<void> {
  await db
    .insertInto('admin_invitations')
    .values({
      id: i.id,
      account_id: i.accountId,
      email: i.email,
      token_hash: i.tokenHash,
      invited_by_id: i.invitedById,
      invited_by_label: i.invitedByLabel,
      created_at: i.createdAt,
      expires_at: i.expiresAt,
      revoked_at: i.revokedAt,
      accepted_at: i.acceptedAt,
    })
    .execute();
}

/** The invitation behind a link, if it is still open (not accepted, not revoked, not expired). */
export async function findOpenAdminInvitationByTokenHash(db: Kysely<DB>, tokenHash: string, now: number): Promise<AdminInvitationRecord | undefined> {
  const row = await db
    .selectFrom('admin_invitations')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .where('revoked_at', 'is', null)
    .where('accepted_at', 'is', null)
    .executeTakeFirst();
  return row && toRecord(row);
}

export async function listOpenAdminInvitations(db: Kysely<DB>, accountId: string, now: number): Promise<AdminInvitationRecord[]> {
  const rows = await db
    .selectFrom('admin_invitations')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('expires_at', '>', now)
    .where('revoked_at', 'is', null)
    .where('accepted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toRecord);
}

/** Revokes one open invitation of the account; false when there was none to revoke. */
export async function revokeAdminInvitation(db: Kysely<DB>, accountId: string, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('admin_invitations')
    .set({ revoked_at: now })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .where('accepted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Revokes the account's open invitations for one email address (a new one replaces them). */
export async function revokeAdminInvitationsFor(db: Kysely<DB>, accountId: string, email: string, now: number): Promise<void> {
  await db
    .updateTable('admin_invitations')
    .set({ revoked_at: now })
    .where('account_id', '=', accountId)
    .where('email', '=', email)
    .where('revoked_at', 'is', null)
    .where('accepted_at', 'is', null)
    .execute();
}

/** Revokes the open invitations an administrator sent (they are removed: nobody may join on their word any more); their count. */
export async function revokeAdminInvitationsSentBy(db: Kysely<DB>, accountId: string, invitedById: string, now: number): Promise<number> {
  const result = await db
    .updateTable('admin_invitations')
    .set({ revoked_at: now })
    .where('account_id', '=', accountId)
    .where('invited_by_id', '=', invitedById)
    .where('revoked_at', 'is', null)
    .where('accepted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Marks the invitation used; false when a racing acceptance (or a revocation) came first. */
export async function acceptAdminInvitation(db: Kysely<DB>, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('admin_invitations')
    .set({ accepted_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
