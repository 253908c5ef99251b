import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { acsUrlFor, spEntityIdFor } from '../../src/domain/connections/sp-identity.js';
import { SINGLE_LOGOUT_NOT_YET } from '../../src/domain/single-logout.js';
import { dropTestDatabases } from '../helpers/databases.js';
import { startServerProcess } from '../helpers/server-process.js';
import { startTestApp } from '../helpers/test-app.js';

afterAll(dropTestDatabases);
const folders: string[] = [];
afterAll(() => folders.forEach((f) => fs.rmSync(f, { recursive: true, force: true })));

const read = (file: string) => fs.readFileSync(file, 'utf8');
/** Markdown as read: line breaks and indentation as single spaces. */
const prose = (file: string) => read(file).replace(/\s+/g, ' ');
/** The text of one `## heading` section. */
function section(file: string, heading: string): string {
  const text = read(file);
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${file} has no section "## ${heading}"`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end).replace(/\s+/g, ' ');
}
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-docs-'));
  folders.push(dir);
  return dir;
};
const silent = pino({ level: 'silent' });

describe('docs/configuration.md on PUBLIC_URL', () => {
  it('says PUBLIC_URL is part of every SP entity ID and ACS URL, and gives them as the code builds them', () => {
    const row = read('docs/configuration.md').split('\n').find((l) => l.startsWith('| `PUBLIC_URL` |'));
    expect(row).toContain('part of every SP entity ID and ACS URL');
    const text = prose('docs/configuration.md');
    for (const derived of [
      spEntityIdFor('{PUBLIC_URL}', '{accountId}', null),
      spEntityIdFor('{PUBLIC_URL}', '{accountId}', '{saasid}'),
      acsUrlFor('{PUBLIC_URL}', null),
      acsUrlFor('{PUBLIC_URL}', '{saasid}'),
    ]) {
      expect(text).toContain(`\`${derived}\``);
    }
    expect(text).toContain('changing `PUBLIC_URL` breaks every customer');
    expect(text).toContain('There is no setting that keeps the old entity IDs');
  });
});

describe('docs/operations.md on upgrading', () => {
  it('quotes what a start says on a database migrated by a newer version', async () => {
    const dataDir = tempDir();
    await (await openDatabase({ dataDir, logger: silent })).close();
    const sqlite = new BetterSqlite3(path.join(dataDir, 'ssobridge.sqlite'));
    sqlite.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('9999-from-the-future', new Date().toISOString());
    sqlite.close();
    const error = await openDatabase({ dataDir, logger: silent }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const said = (error as Error).message.replace(/\(SQLite database [^)]+\)/, '(…)').replace('9999-from-the-future', '<name>');
    expect(section('docs/operations.md', 'Upgrading')).toContain(said);
  });

  it('quotes what a start says when a migration fails, and that it changes nothing', async () => {
    const dataDir = tempDir();
    const database = await openDatabase({ dataDir, logger: silent });
    await database.close();
    // Undo the records of 0010-nfc-idp-ids and later migrations (0010 is again the first a start
    // applies) and plant a clash it refuses: two customers, one idpId in NFC and NFD.
    const sqlite = new BetterSqlite3(path.join(dataDir, 'ssobridge.sqlite'));
    sqlite.prepare("delete from kysely_migration where name >= '0010-nfc-idp-ids'").run();
    sqlite.prepare("insert into accounts (id, name, created_at) values ('a1', 'Acme', 1)").run();
    const customer = sqlite.prepare("insert into customers (id, account_id, idp_id, entity_id, created_at, updated_at) values (?, 'a1', ?, ?, 1, 1)");
    customer.run('c1', 'caf\u00e9.example', 'https://idp1.example/saml');
    customer.run('c2', 'cafe\u0301.example', 'https://idp2.example/saml');
    sqlite.close();
    const error = await openDatabase({ dataDir, logger: silent }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const said = (error as Error).message.replace(/\(SQLite database [^)]+\)/, '(…)').replace(/migration (\S+) failed: .*/, 'migration <name> failed: <reason>');
    const upgrading = section('docs/operations.md', 'Upgrading');
    expect(upgrading).toContain(`\`${said}\``);
    expect(upgrading).toContain('A failed migration changes nothing.');
    expect(upgrading).toContain('Forward only.');
  });
});

describe('docs/operations.md on backups', () => {
  it('names every setting a server stores and the private key column, says they are sealed, and names the key file to back up apart', async () => {
    const dataDir = tempDir();
    const server = await startServerProcess({ DATA_DIR: dataDir, DATABASE_URL: '', PUBLIC_URL: 'https://sso.example.com' });
    await server.stop();
    const sqlite = new BetterSqlite3(path.join(dataDir, 'ssobridge.sqlite'), { readonly: true });
    const settings = (sqlite.prepare('select name from instance_settings').all() as { name: string }[]).map((r) => r.name);
    const keyColumns = (sqlite.prepare('pragma table_info(signing_keys)').all() as { name: string }[]).map((c) => c.name).filter((n) => n.startsWith('private_key'));
    sqlite.close();
    expect(settings).toEqual(expect.arrayContaining(['cookie_secret', 'csrf_hmac_key']));
    expect(keyColumns.length).toBeGreaterThan(0);
    const backups = section('docs/operations.md', 'Backups');
    for (const name of [...settings, ...keyColumns, 'signing_keys', 'instance_settings']) expect(backups).toContain(`\`${name}\``);
    expect(backups).toContain('key material, sealed');
    expect(backups).not.toMatch(/in clear\W+keys|not encrypted at rest/);
    // The first start generated the key-encryption key the section tells operators to back up separately.
    expect(fs.statSync(path.join(dataDir, 'key-encryption.key')).mode & 0o777).toBe(0o600);
    expect(backups).toContain('`DATA_DIR/key-encryption.key`');
    expect(backups).toContain('backups (a password manager');
    expect(server.output()).toContain(`Generated the key-encryption key ${path.join(dataDir, 'key-encryption.key')}: back it up separately from the database.`);
  });
});

describe('single logout, wherever it is documented', () => {
  const docs = ['README.md', ...fs.readdirSync('docs').map((f) => `docs/${f}`)].filter((f) => f.endsWith('.md'));
  const mentions = (text: string) => /single logout/i.test(text) || /\bSLO\b|\bslo(Url|ResponseUrl|Binding)\b/.test(text);

  it('is described as stored for a later release, never as working', () => {
    const mentioning = docs.filter((f) => mentions(read(f)));
    expect(mentioning).toEqual(expect.arrayContaining(['docs/api.md', 'docs/sso.md']));
    for (const file of mentioning) expect(prose(file).toLowerCase().includes(SINGLE_LOGOUT_NOT_YET.toLowerCase()), file).toBe(true);
    const apiRow = read('docs/api.md').split('\n').find((l) => l.startsWith('| `sloUrl`'));
    expect(apiRow).toContain(SINGLE_LOGOUT_NOT_YET);
  });

  it('says so in the OpenAPI description of every single logout field', async () => {
    const instance = await startTestApp('sqlite');
    try {
      await instance.app.ready();
      const described: [string, string | undefined][] = [];
      const visit = (node: unknown): void => {
        if (Array.isArray(node)) return node.forEach(visit);
        if (typeof node !== 'object' || node === null) return;
        for (const [key, value] of Object.entries(node)) {
          if (key === 'properties' && typeof value === 'object' && value !== null) {
            for (const [name, schema] of Object.entries(value)) {
              if (/^slo[A-Z]/.test(name)) described.push([name, (schema as { description?: string }).description]);
            }
          }
          visit(value);
        }
      };
      visit(instance.app.swagger());
      expect(described.map(([name]) => name)).toEqual(expect.arrayContaining(['sloUrl', 'sloResponseUrl', 'sloBinding']));
      for (const [name, description] of described) expect(description, name).toContain(SINGLE_LOGOUT_NOT_YET);
    } finally {
      await instance.close();
    }
  });
});
