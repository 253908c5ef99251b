import type { Kysely } from 'kysely';
import type { DB } from '../schema.js';

export interface LogoRecord {
  bytes: Buffer;
  contentType: string;
  sha256: string;
  width: number;
  height: number;
}

/** An account's saved branding; the logo without its bytes (pages only need its name). */
export interface BrandingRecord {
  accountId: string;
  displayName: string;
  accentColor: string;
  logo: Omit<LogoRecord, 'bytes'> | null;
  updatedAt: number;
}

/**
 * The account's name and its saved branding (undefined until saved), in one query: pages read
 * this on every render. Undefined when there is no such account.
 */
export async function findAccountBranding(db: Kysely<DB>, accountId: string): Promise<{ accountName: string; saved: BrandingRecord | undefined } | undefined> {
  const row = await db
    .selectFrom('accounts')
    .leftJoin('account_branding', 'account_branding.account_id', 'accounts.id')
    .select([
      'accounts.name as account_name',
      'account_branding.account_id',
      'account_branding.display_name',
      'account_branding.accent_color',
      'account_branding.logo_type',
      'account_branding.logo_sha256',
      'account_branding.logo_width',
      'account_branding.logo_height',
      'account_branding.updated_at',
    ])
    .where('accounts.id', '=', accountId)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.account_id === null || row.display_name === null || row.accent_color === null || row.updated_at === null) return { accountName: row.account_name, saved: undefined };
  const logo =
    row.logo_type !== null && row.logo_sha256 !== null && row.logo_width !== null && row.logo_height !== null
      ? { contentType: row.logo_type, sha256: row.logo_sha256, width: row.logo_width, height: row.logo_height }
      : null;
  return {
    accountName: row.account_name,
    saved: { accountId: row.account_id, displayName: row.display_name, accentColor: row.accent_color, logo, updatedAt: Number(row.updated_at) },
  };
}

/**
 * Inserts or replaces an account's branding. `logo: undefined` keeps the stored logo, `null`
 * removes it.
 */
export async function saveBranding(
  db: Kysely<DB>,
  b: { accountId: string; displayName: string; accentColor: string; logo: LogoRecord | null | undefined; updatedAt: number },
): Promise<void> {
  const logoColumns =
    b.logo === undefined
      ? {}
      : {
          logo: b.logo?.bytes ?? null,
          logo_type: b.logo?.contentType ?? null,
          logo_sha256: b.logo?.sha256 ?? null,
          logo_width: b.logo?.width ?? null,
          logo_height: b.logo?.height ?? null,
        };
  const changes = { display_name: b.displayName, accent_color: b.accentColor, updated_at: b.updatedAt, ...logoColumns };
  await db
    .insertInto('account_branding')
    .values({ account_id: b.accountId, logo: null, logo_type: null, logo_sha256: null, logo_width: null, logo_height: null, ...changes })
    .onConflict((oc) => oc.column('account_id').doUpdateSet(changes))
    .execute();
}

/** A logo by its SHA-256, whichever account has it (the same bytes are the same image). */
export async function findLogoBySha256(db: Kysely<DB>, sha256: string): Promise<LogoRecord | undefined> {
  const row = await db
    .selectFrom('account_branding')
    .select(['logo', 'logo_type', 'logo_sha256', 'logo_width', 'logo_height'])
    .where('logo_sha256', '=', sha256)
    .limit(1)
    .executeTakeFirst();
  if (!row?.logo || row.logo_type === null || row.logo_sha256 === null || row.logo_width === null || row.logo_height === null) return undefined;
  return { bytes: Buffer.from(row.logo), contentType: row.logo_type, sha256: row.logo_sha256, width: row.logo_width, height: row.logo_height };
}
