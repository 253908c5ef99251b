import { sql, type Kysely } from 'kysely';
import { ConfigError } from '../../config.js';
import type { DB } from '../../db/schema.js';
import { SealedValueError, type SecretSealer } from './secret-sealer.js';

/**
 * What is sealed at rest and where (docs/operations.md#backups). Each value's context (its AAD)
 * is its table, column and row id, so a sealed value copied onto another row does not open.
 */
export const sealingContext = (table: string, column: string, rowId: string): string => `${table}.${column}:${rowId}`;

/** A column of sealed values: `keys reencrypt` and the start-up conversion walk each of these. */
export interface SealedColumn {
  table: string;
  column: string;
  /** The row id that goes into each value's context (unique in the table). */
  idColumn: string;
  /** Only rows with one of these ids hold sealed values (instance_settings also holds plain ones). */
  ids?: readonly string[];
  /** The context its values are sealed with, when not `sealingContext(table, column, rowId)`. */
  context?: (rowId: string) => string;
}

/** The instance's own HMAC and cookie keys (instance_settings rows): sealed like signing keys. */
export const SEALED_SETTINGS = ['cookie_secret', 'csrf_hmac_key', 'oidc_cookie_key'] as const;
export type SealedSettingName = (typeof SEALED_SETTINGS)[number];

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: 'signing_keys', column: 'private_key_pem', idColumn: 'id' },
  { table: 'test_idps', column: 'private_key_pem', idColumn: 'account_id' },
  { table: 'instance_settings', column: 'value', idColumn: 'name', ids: SEALED_SETTINGS },
  // Sealed by their own services (src/domain/webhooks, src/domain/accounts/admin-mfa-service.ts).
  { table: 'webhook_endpoints', column: 'secret_sealed', idColumn: 'id' },
  { table: 'admin_totp', column: 'secret_sealed', idColumn: 'admin_id', context: (adminId) => `admin_totp:${adminId}` },
];

const contextOf = (c: SealedColumn, rowId: string): string => (c.context ? c.context(rowId) : sealingContext(c.table, c.column, rowId));

export const signingKeyContext = (id: string): string => sealingContext('signing_keys', 'private_key_pem', id);
export const testIdpKeyContext = (accountId: string): string => sealingContext('test_idps', 'private_key_pem', accountId);
export const settingContext = (name: SealedSettingName): string => sealingContext('instance_settings', 'value', name);

/**
 * The value of a sealed instance setting, creating it (sealed) if there is none; first writer
 * wins, so every instance on one database uses the same key.
 */
export async function sealedSetting(db: Kysely<DB>, sealer: SecretSealer, name: SealedSettingName, create: () => string): Promise<string> {
  const context = settingContext(name);
  await db
    .insertInto('instance_settings')
    .values({ name, value: sealer.seal(create(), context) })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('instance_settings').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return sealer.open(row.value, context);
}

interface Row {
  id: string;
  value: string;
}

const SEALED_PREFIX = 'kek1.%';

async function selectRows(db: Kysely<DB>, c: SealedColumn, options: { afterId?: string; clearOnly?: boolean; limit?: number }): Promise<Row[]> {
  const { rows } = await sql<Row>`
    select ${sql.ref(c.idColumn)} as id, ${sql.ref(c.column)} as value from ${sql.table(c.table)}
    where 1 = 1
    ${c.ids ? sql`and ${sql.ref(c.idColumn)} in (${sql.join(c.ids)})` : sql``}
    ${options.clearOnly ? sql`and ${sql.ref(c.column)} not like ${SEALED_PREFIX}` : sql``}
    ${options.afterId !== undefined ? sql`and ${sql.ref(c.idColumn)} > ${options.afterId}` : sql``}
    order by ${sql.ref(c.idColumn)}
    ${options.limit !== undefined ? sql`limit ${options.limit}` : sql``}
  `.execute(db);
  return rows;
}

/** Replaces a value only if it is still the one read: another instance converting at the same moment wins once. */
async function replaceValue(db: Kysely<DB>, c: SealedColumn, row: Row, value: string): Promise<boolean> {
  const result = await sql`
    update ${sql.table(c.table)} set ${sql.ref(c.column)} = ${value}
    where ${sql.ref(c.idColumn)} = ${row.id} and ${sql.ref(c.column)} = ${row.value}
  `.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}

/**
 * Run at every start (server and CLI): seals values a version before key encryption stored in
 * clear, then checks that this server's key-encryption key opens the instance's own keys, so a
 * database started with another key stops the start, naming the key it needs, rather than failing
 * later on each sign-in. Returns how many clear values it sealed.
 */
export async function prepareSealedSecrets(db: Kysely<DB>, sealer: SecretSealer): Promise<number> {
  let sealed = 0;
  for (const c of SEALED_COLUMNS) {
    for (const row of await selectRows(db, c, { clearOnly: true })) {
      if (await replaceValue(db, c, row, sealer.seal(row.value, contextOf(c, row.id)))) sealed += 1;
    }
  }
  const settings = SEALED_COLUMNS.find((c) => c.table === 'instance_settings')!;
  for (const row of await selectRows(db, settings, {})) {
    try {
      sealer.open(row.value, contextOf(settings, row.id));
    } catch (error) {
      throw error instanceof SealedValueError && error.reason === 'unknown-key' ? keyMismatch(sealer, error.keyId ?? '?') : error;
    }
  }
  return sealed;
}

/** The start refused: what an operator reads when a database (or a backup of it) meets another key. */
export function keyMismatch(sealer: SecretSealer, keyId: string): ConfigError {
  return new ConfigError([
    `KEY_ENCRYPTION_KEY: this database's secrets were sealed under key-encryption key ${keyId}, and this server's key is ${sealer.currentKeyId} ` +
      `(with no matching KEY_ENCRYPTION_KEY_PREVIOUS). Start it with the key it was used with (a copy of the database without its key opens nothing, by design); ` +
      'during a rotation, put the old key in KEY_ENCRYPTION_KEY_PREVIOUS and run `ssobridge keys reencrypt` (docs/operations.md)',
  ]);
}

export interface ReencryptCounts {
  /** Per column (`table.column`): re-sealed under the current key, already under it, sealed from clear, not opened. */
  columns: Record<string, { resealed: number; current: number; sealedFromClear: number; failed: number }>;
  /** Contexts of the values that did not open (unknown key, or altered), at most 20. */
  failures: string[];
}

/**
 * `ssobridge keys reencrypt`: every sealed value not under the current key is opened (with the
 * current or a previous key) and sealed again under the current one, `batchSize` rows at a time,
 * each row replaced only if unchanged since read. Running it again changes nothing.
 */
export async function reencryptSealedSecrets(db: Kysely<DB>, sealer: SecretSealer, options: { batchSize?: number } = {}): Promise<ReencryptCounts> {
  const batchSize = options.batchSize ?? 200;
  const out: ReencryptCounts = { columns: {}, failures: [] };
  for (const c of SEALED_COLUMNS) {
    const counts = { resealed: 0, current: 0, sealedFromClear: 0, failed: 0 };
    out.columns[`${c.table}.${c.column}`] = counts;
    let afterId: string | undefined;
    for (;;) {
      const rows = await selectRows(db, c, { afterId, limit: batchSize });
      if (rows.length === 0) break;
      afterId = rows[rows.length - 1]!.id;
      for (const row of rows) {
        const context = contextOf(c, row.id);
        if (!sealer.isSealed(row.value)) {
          if (await replaceValue(db, c, row, sealer.seal(row.value, context))) counts.sealedFromClear += 1;
          continue;
        }
        let plaintext: string;
        try {
          if (sealer.sealedUnderCurrentKey(row.value)) {
            counts.current += 1;
            continue;
          }
          plaintext = sealer.open(row.value, context);
        } catch (error) {
          if (!(error instanceof SealedValueError)) throw error;
          counts.failed += 1;
          if (out.failures.length < 20) out.failures.push(`${context}: ${error.message}`);
          continue;
        }
        if (await replaceValue(db, c, row, sealer.seal(plaintext, context))) counts.resealed += 1;
      }
    }
  }
  return out;
}
