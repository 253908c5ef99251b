import { sql, type Kysely } from 'kysely';

/**
 * idpIds are compared in Unicode NFC from this version on (every lookup normalizes), so a
 * customer stored under another form ("café" as "e" + a combining accent) is renamed to its NFC
 * form; it would be unreachable otherwise. Two customers of one account that differ only in
 * normalization cannot both keep their names: the upgrade stops and names them, and the operator
 * deletes one with the previous version (which still runs: on PostgreSQL the upgrade changed
 * nothing, on SQLite this migration's transaction was rolled back).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ id: string; account_id: string; idp_id: string }>`select id, account_id, idp_id from customers order by id`.execute(db);
  const taken = new Set(rows.map((r) => `${r.account_id}\n${r.idp_id}`));
  for (const row of rows) {
    const nfc = row.idp_id.normalize('NFC');
    if (nfc === row.idp_id) continue;
    if (taken.has(`${row.account_id}\n${nfc}`)) {
      throw new Error(
        `account ${row.account_id} has two customers whose idpIds differ only in Unicode normalization (${JSON.stringify(nfc)}, and the same with decomposed characters), and idpIds are now compared in NFC: delete one of them with the previous version of ssobridge, then upgrade again`,
      );
    }
    taken.add(`${row.account_id}\n${nfc}`);
    await sql`update customers set idp_id = ${nfc} where id = ${row.id}`.execute(db);
  }
}
