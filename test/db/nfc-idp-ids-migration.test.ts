import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { migrationsFor } from '../../src/db/migrations/index.js';
import type { DB } from '../../src/db/schema.js';

const NFC = 'caf\u00e9.example';
const NFD = 'cafe\u0301.example';
const folders: string[] = [];
afterAll(() => folders.forEach((f) => fs.rmSync(f, { recursive: true, force: true })));

/** A data folder whose SQLite database is at the version before 0010, with these customers in account a1. */
async function folderBeforeUpgrade(idpIds: string[]): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-nfc-'));
  folders.push(dataDir);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path.join(dataDir, 'ssobridge.sqlite')) }) });
  try {
    const migrations = migrationsFor('sqlite');
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    expect((await migrator.migrateTo('0009-account-branding')).error).toBeUndefined();
    await db.insertInto('accounts').values({ id: 'a1', name: 'Acme', created_at: 1 }).execute();
    for (const [i, idpId] of idpIds.entries()) {
      await db.insertInto('customers').values({ id: `c${i}`, account_id: 'a1', idp_id: idpId, entity_id: `https://idp${i}.example/saml`, created_at: 1, updated_at: 1 }).execute();
    }
  } finally {
    await db.destroy();
  }
  return dataDir;
}

function readBack(dataDir: string): { idpIds: string[]; migrations: string[] } {
  const sqlite = new BetterSqlite3(path.join(dataDir, 'ssobridge.sqlite'), { readonly: true });
  try {
    const idpIds = (sqlite.prepare('select idp_id from customers order by id').all() as { idp_id: string }[]).map((r) => r.idp_id);
    const migrations = (sqlite.prepare('select name from kysely_migration').all() as { name: string }[]).map((r) => r.name);
    return { idpIds, migrations };
  } finally {
    sqlite.close();
  }
}

describe('migration 0010-nfc-idp-ids', () => {
  it('renames a customer stored in another normalization form to its NFC idpId', async () => {
    const dataDir = await folderBeforeUpgrade([NFD, 'customer001.com']);
    const database = await openDatabase({ dataDir, logger: pino({ level: 'silent' }) });
    await database.close();
    expect(readBack(dataDir).idpIds).toEqual([NFC, 'customer001.com']);
  });

  it('stops the upgrade, naming the clash, when two customers differ only in normalization; nothing is changed', async () => {
    // c0 alone would be renamed; the clash comes after it, so a migration that is not atomic would leave c0 renamed.
    const dataDir = await folderBeforeUpgrade(['zu\u0308rich.example', NFD, NFC]);
    await expect(openDatabase({ dataDir, logger: pino({ level: 'silent' }) })).rejects.toThrow(/migration 0010-nfc-idp-ids failed: .*differ only in Unicode normalization/);
    const after = readBack(dataDir);
    expect(after.idpIds).toEqual(['zu\u0308rich.example', NFD, NFC]);
    expect(after.migrations).not.toContain('0010-nfc-idp-ids');
  });
});
