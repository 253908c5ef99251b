import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { ConfigError } from '../../src/config.js';
import { openKeyEncryption } from '../../src/domain/keys/key-encryption.js';
import { reencryptSealedSecrets, settingContext, signingKeyContext } from '../../src/domain/keys/sealed-secrets.js';
import { createSecretSealer, keyEncryptionKey, SealedValueError } from '../../src/domain/keys/secret-sealer.js';
import { isAppError } from '../../src/errors.js';
import { validateSamlResponse } from '../../src/saml/response-validation.js';
import { generateSigningKeyPair } from '../../src/saml/signing-key-pair.js';
import { createTestPostgresDatabase } from '../helpers/postgres-databases.js';
import { dropTestDatabases, newDatabaseLocation, openTestDatabase, silentLogger, testDialects, type TestDatabaseLocation } from '../helpers/databases.js';
import { autoPostForm, idpResponse, ssoSetUp } from '../helpers/sso-fixture.js';
import { TestClock } from '../helpers/test-clock.js';
import { operatorActor, testConfig, TEST_KEY_ENCRYPTION_KEY, type TestInstance } from '../helpers/test-app.js';

afterAll(dropTestDatabases);
const folders: string[] = [];
afterAll(() => folders.forEach((f) => fs.rmSync(f, { recursive: true, force: true })));
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-kek-'));
  folders.push(dir);
  return dir;
};

const ACS = 'http://localhost:8080/sso/sp/ACS.saml2';
const OTHER_KEK = Buffer.alloc(32, 9).toString('base64');
const THIRD_KEK = randomBytes(32).toString('base64url');
const kekId = (base64: string) => keyEncryptionKey(Buffer.from(base64, 'base64')).id;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** An IdP-initiated sign-in to the account's SAML app: what our signing key signs, checked against the published certificate. */
async function samlSignIn(app: App, s: Awaited<ReturnType<typeof ssoSetUp>>) {
  const samlResponse = idpResponse(s.idpKey, { destination: ACS, audience: `http://localhost:8080/saml/sp/${s.accountId}`, inResponseTo: null });
  const res = await app.inject({ method: 'POST', url: `/sso/sp/ACS.saml2?saasid=${s.saml.saasid}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ SAMLResponse: samlResponse }) });
  if (res.statusCode !== 200) return { statusCode: res.statusCode, body: res.body, nameId: undefined };
  const [published] = await app.services.signingKeys.publishedCertificates(s.accountId);
  const delivered = validateSamlResponse(autoPostForm(res.body).fields.SAMLResponse!, {
    acsUrls: ['https://analytics.example.com/saml/acs'],
    audience: 'https://analytics.example.com/Analytics',
    idpEntityId: 'PingConnect',
    idpCertificatesPem: [published!.pem],
    inResponseTo: null,
    now: Date.now(),
    clockSkewMs: 60_000,
  });
  return { statusCode: res.statusCode, body: res.body, nameId: delivered.nameId };
}

/** Starts a server on `location` with `env`, or returns why it would not start (closing what it opened). */
async function tryStart(location: TestDatabaseLocation, env: Record<string, string>): Promise<TestInstance | Error> {
  const database = await openTestDatabase(location);
  try {
    const config = testConfig(env);
    const app = await buildApp({ config, database, clock: new TestClock(), logger: silentLogger });
    await database.changes.start();
    return { app, database, clock: new TestClock(), config, location, close: async () => { await app.close(); await database.close(); } };
  } catch (error) {
    await database.close();
    return error as Error;
  }
}

async function started(location: TestDatabaseLocation, env: Record<string, string>): Promise<TestInstance> {
  const instance = await tryStart(location, env);
  if (instance instanceof Error) throw instance;
  return instance;
}

/** Everything the database holds, as bytes a backup would: the SQLite files, or a pg_dump of the test schema. */
async function databaseBytes(location: TestDatabaseLocation): Promise<string> {
  if (location.dialect === 'sqlite') {
    return fs
      .readdirSync(location.dataDir)
      .filter((f) => f.startsWith('ssobridge.sqlite'))
      .map((f) => fs.readFileSync(path.join(location.dataDir, f)).toString('latin1'))
      .join('\n');
  }
  const url = new URL(location.url!);
  return new Promise((resolve, reject) => {
    execFile('pg_dump', ['--no-owner', '--schema', location.schema!, '--dbname', url.toString()], { maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`pg_dump (package postgresql-client) failed: ${stderr}`)) : resolve(stdout),
    );
  });
}

/** The base64 body lines of a PEM: each would show in a dump even if the header were stripped. */
const pemBody = (pem: string) => pem.split('\n').filter((l) => l.length === 64);

describe.each(testDialects)('keys encrypted at rest (%s)', (dialect) => {
  it('leaves no private key, cookie or HMAC key, or webhook secret in clear in the database file or dump', async () => {
    const location = newDatabaseLocation(dialect);
    const instance = await started(location, {});
    const { app } = instance;
    const s = await ssoSetUp(app);
    expect((await samlSignIn(app, s)).nameId).toBe('alice@customer001.com');
    const actor = operatorActor(s.accountId);
    await app.services.signingKeys.addRenewalKey(actor);
    await app.services.testIdp.ensureTestIdp(actor);
    const webhook = await app.services.webhooks.createEndpoint(actor, { url: 'https://hooks.example.com/ssobridge' });

    const secrets: string[] = [webhook.secret];
    for (const key of await app.services.signingKeys.currentKeys(s.accountId)) secrets.push(...pemBody(key.privateKeyPem));
    for (const name of ['cookie_secret', 'csrf_hmac_key', 'oidc_cookie_key'] as const) {
      const row = await instance.database.db.selectFrom('instance_settings').select('value').where('name', '=', name).executeTakeFirstOrThrow();
      secrets.push(app.services.sealer.open(row.value, settingContext(name)));
    }
    await instance.close();

    const bytes = await databaseBytes(location);
    // The search finds what is there: certificates are stored in clear, and so are the sealed values' prefixes.
    expect(bytes).toContain('-----BEGIN CERTIFICATE-----');
    expect(bytes).toContain(`kek1.${kekId(TEST_KEY_ENCRYPTION_KEY)}.`);
    expect(bytes).not.toContain('PRIVATE KEY-----');
    expect(secrets.length).toBeGreaterThan(40);
    for (const secret of secrets) expect(bytes.includes(secret), `a secret in clear: ${secret.slice(0, 8)}…`).toBe(false);
    expect(bytes).not.toContain(webhook.secret.replace(/^whsec_/, ''));
  });

  it('refuses to start on the database with another key-encryption key, naming both keys, not the key', async () => {
    const location = newDatabaseLocation(dialect);
    const first = await started(location, {});
    const s = await ssoSetUp(first.app);
    expect((await samlSignIn(first.app, s)).statusCode).toBe(200);
    await first.close();

    const refused = await tryStart(location, { KEY_ENCRYPTION_KEY: OTHER_KEK });
    expect(refused).toBeInstanceOf(ConfigError);
    const message = (refused as Error).message;
    expect(message).toContain(`KEY_ENCRYPTION_KEY: this database's secrets were sealed under key-encryption key ${kekId(TEST_KEY_ENCRYPTION_KEY)}, and this server's key is ${kekId(OTHER_KEK)}`);
    expect(message).not.toContain(OTHER_KEK);
    expect(message).not.toContain(TEST_KEY_ENCRYPTION_KEY);

    // With its own key the database works as before.
    const again = await started(location, {});
    try {
      expect((await samlSignIn(again.app, s)).nameId).toBe('alice@customer001.com');
    } finally {
      await again.close();
    }
  });

  it('rotates: a new key with the old one as previous, reencrypt, then the new key alone; sign-ins work throughout', async () => {
    const location = newDatabaseLocation(dialect);
    const first = await started(location, {});
    const s = await ssoSetUp(first.app);
    await first.app.services.testIdp.ensureTestIdp(s.actor);
    await first.app.services.webhooks.createEndpoint(s.actor, { url: 'https://hooks.example.com/a' });
    expect((await samlSignIn(first.app, s)).statusCode).toBe(200);
    await first.close();

    const rotating = await started(location, { KEY_ENCRYPTION_KEY: OTHER_KEK, KEY_ENCRYPTION_KEY_PREVIOUS: `${THIRD_KEK}, ${TEST_KEY_ENCRYPTION_KEY}` });
    try {
      expect((await samlSignIn(rotating.app, s)).nameId).toBe('alice@customer001.com');
      const run = await reencryptSealedSecrets(rotating.database.db, rotating.app.services.sealer, { batchSize: 1 });
      expect(run.failures).toEqual([]);
      // One signing key, one test IdP key, one webhook secret, three instance keys: all re-sealed, one row at a time.
      expect(run.columns).toMatchObject({
        'signing_keys.private_key_pem': { resealed: 1, current: 0, failed: 0 },
        'test_idps.private_key_pem': { resealed: 1, current: 0, failed: 0 },
        'webhook_endpoints.secret_sealed': { resealed: 1, current: 0, failed: 0 },
        'instance_settings.value': { resealed: 3, current: 0, failed: 0 },
      });
      const second = await reencryptSealedSecrets(rotating.database.db, rotating.app.services.sealer);
      expect(Object.values(second.columns).reduce((n, c) => n + c.resealed + c.sealedFromClear + c.failed, 0)).toBe(0);
      expect(second.columns['signing_keys.private_key_pem']!.current).toBe(1);
    } finally {
      await rotating.close();
    }

    const after = await started(location, { KEY_ENCRYPTION_KEY: OTHER_KEK });
    try {
      expect((await samlSignIn(after.app, s)).nameId).toBe('alice@customer001.com');
      // The test IdP still signs with its re-sealed key: its metadata and sign-in page answer.
      expect((await after.app.services.testIdp.ensureTestIdp(s.actor)).idpId).toBeTruthy();
    } finally {
      await after.close();
    }
    expect(await tryStart(location, {})).toBeInstanceOf(ConfigError);
  });

  it('detects a sealed value that was altered or moved to another row, and signs nothing with it', async () => {
    const location = newDatabaseLocation(dialect);
    const instance = await started(location, {});
    try {
      const s = await ssoSetUp(instance.app);
      const other = await ssoSetUp(instance.app);
      expect((await samlSignIn(instance.app, s)).statusCode).toBe(200);
      expect((await samlSignIn(instance.app, other)).statusCode).toBe(200);
      const db = instance.database.db;
      const [mine, theirs] = await Promise.all([s, other].map((x) => db.selectFrom('signing_keys').select(['id', 'private_key_pem']).where('account_id', '=', x.accountId).executeTakeFirstOrThrow()));

      // Another account's sealed key copied onto this account's row: it does not open there.
      await db.updateTable('signing_keys').set({ private_key_pem: theirs!.private_key_pem }).where('id', '=', mine!.id).execute();
      const moved = await samlSignIn(instance.app, s);
      expect(moved.statusCode).toBe(500);
      expect(moved.body).not.toContain('SAMLResponse');
      const error = await instance.app.services.signingKeys.activeKey(s.accountId).then(() => undefined, (e: unknown) => e);
      expect(isAppError(error) && error.code).toBe('KEY_ENCRYPTION_KEY_MISMATCH');
      expect(isAppError(error) && error.detail).toContain(`signing key ${mine!.id}`);

      // One bit of the ciphertext flipped.
      const parts = mine!.private_key_pem.split('.');
      const ciphertext = Buffer.from(parts[3]!, 'base64url');
      ciphertext[10] = ciphertext[10]! ^ 1;
      parts[3] = ciphertext.toString('base64url');
      await db.updateTable('signing_keys').set({ private_key_pem: parts.join('.') }).where('id', '=', mine!.id).execute();
      expect((await samlSignIn(instance.app, s)).statusCode).toBe(500);

      // A clear PEM written over it is not taken either (only a start converts clear values, and only those a start finds).
      const planted = await generateSigningKeyPair('attacker', Date.now());
      await db.updateTable('signing_keys').set({ private_key_pem: planted.privateKeyPem }).where('id', '=', mine!.id).execute();
      expect((await samlSignIn(instance.app, s)).statusCode).toBe(500);

      // The other account, untouched, still signs.
      expect((await samlSignIn(instance.app, other)).nameId).toBe('alice@customer001.com');

      // Restored, it signs again.
      await db.updateTable('signing_keys').set({ private_key_pem: mine!.private_key_pem }).where('id', '=', mine!.id).execute();
      expect((await samlSignIn(instance.app, s)).nameId).toBe('alice@customer001.com');
    } finally {
      await instance.close();
    }

    // An altered instance key stops the start, saying which value.
    const db = await openTestDatabase(location);
    const row = await db.db.selectFrom('instance_settings').select('value').where('name', '=', 'csrf_hmac_key').executeTakeFirstOrThrow();
    const parts = row.value.split('.');
    parts[3] = `${parts[3]!.startsWith('A') ? 'B' : 'A'}${parts[3]!.slice(1)}`;
    await db.db.updateTable('instance_settings').set({ value: parts.join('.') }).where('name', '=', 'csrf_hmac_key').execute();
    await db.close();
    const refused = await tryStart(location, {});
    expect((refused as Error).message).toMatch(/instance_settings\.value:csrf_hmac_key does not open: it was altered/);
  });

  it('seals the clear keys of a database from before key encryption at its first start, and keeps using them', async () => {
    const location = newDatabaseLocation(dialect);
    // What the previous version left: the same rows, with the signing key and instance keys in clear.
    const previous = await started(location, {});
    const { account } = await previous.app.services.accounts.createAccount(operatorActor, 'Old SaaS');
    const accountId = account.id;
    const keyId = (await previous.app.services.signingKeys.listKeys(accountId))[0]!.id;
    const { privateKeyPem, certificatePem } = await previous.app.services.signingKeys.activeKey(accountId);
    const sealer = previous.app.services.sealer;
    const db = previous.database.db;
    await db.updateTable('signing_keys').set({ private_key_pem: privateKeyPem }).where('id', '=', keyId).execute();
    const cookieSecret = sealer.open((await db.selectFrom('instance_settings').select('value').where('name', '=', 'cookie_secret').executeTakeFirstOrThrow()).value, settingContext('cookie_secret'));
    for (const name of ['cookie_secret', 'csrf_hmac_key', 'oidc_cookie_key'] as const) {
      const row = await db.selectFrom('instance_settings').select('value').where('name', '=', name).executeTakeFirstOrThrow();
      await db.updateTable('instance_settings').set({ value: sealer.open(row.value, settingContext(name)) }).where('name', '=', name).execute();
    }
    await db.insertInto('instance_settings').values({ name: 'server_public_url', value: 'http://localhost:8080' }).onConflict((oc) => oc.column('name').doNothing()).execute();
    await previous.close();
    expect(await databaseBytes(location)).toContain('PRIVATE KEY-----');

    const instance = await started(location, {});
    try {
      const stored = await instance.database.db.selectFrom('signing_keys').select('private_key_pem').where('id', '=', keyId).executeTakeFirstOrThrow();
      expect(stored.private_key_pem).toMatch(/^kek1\./);
      expect(instance.app.services.sealer.open(stored.private_key_pem, signingKeyContext(keyId))).toBe(privateKeyPem);
      const settings = await instance.database.db.selectFrom('instance_settings').selectAll().execute();
      const byName = Object.fromEntries(settings.map((r) => [r.name, r.value]));
      expect(instance.app.services.sealer.open(byName.cookie_secret!, settingContext('cookie_secret'))).toBe(cookieSecret);
      expect(byName.server_public_url).toBe('http://localhost:8080');
      // The key the account had still signs (its certificate is what the apps trust).
      const active = await instance.app.services.signingKeys.activeKey(accountId);
      expect(active).toMatchObject({ id: keyId, privateKeyPem, certificatePem });
    } finally {
      await instance.close();
    }
    expect(await databaseBytes(location)).not.toContain('PRIVATE KEY-----');
  });
});

describe('KEY_ENCRYPTION_KEY configuration', () => {
  const problems = (env: Record<string, string>) => {
    try {
      testConfig({ KEY_ENCRYPTION_KEY: '', ...env });
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
  };

  it('takes 32 bytes in base64 or base64url, padded or not', () => {
    const key = randomBytes(32);
    for (const text of [key.toString('base64'), key.toString('base64url'), key.toString('base64').replace(/=+$/, '')]) {
      expect(testConfig({ KEY_ENCRYPTION_KEY: text }).keyEncryption.key).toEqual(key);
    }
  });

  it('names the variable and what is wrong, never the value', () => {
    const short = randomBytes(16).toString('base64');
    expect(problems({ KEY_ENCRYPTION_KEY: short })).toEqual([expect.stringMatching(/^KEY_ENCRYPTION_KEY: decodes to 16 bytes; a key-encryption key is 32 bytes/)]);
    expect(problems({ KEY_ENCRYPTION_KEY: 'correct horse battery staple!' })).toEqual([expect.stringMatching(/^KEY_ENCRYPTION_KEY: is not base64 or base64url/)]);
    expect(problems({ KEY_ENCRYPTION_KEY_PREVIOUS: `${randomBytes(32).toString('base64')},${short}` })).toEqual([expect.stringMatching(/^KEY_ENCRYPTION_KEY_PREVIOUS: key 2 of 2 decodes to 16 bytes/)]);
    expect(problems({ KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY, KEY_ENCRYPTION_KEY_FILE: '/run/secrets/kek' })).toEqual([expect.stringMatching(/^KEY_ENCRYPTION_KEY_FILE: set either KEY_ENCRYPTION_KEY or KEY_ENCRYPTION_KEY_FILE, not both/)]);
    for (const p of problems({ KEY_ENCRYPTION_KEY: short })) expect(p).not.toContain(short);
  });

  it('reads the key from KEY_ENCRYPTION_KEY_FILE, and says what is wrong with a bad file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'kek');
    fs.writeFileSync(file, `${OTHER_KEK}\n`);
    const config = testConfig({ KEY_ENCRYPTION_KEY: '', KEY_ENCRYPTION_KEY_FILE: file });
    expect(openKeyEncryption(config, silentLogger)).toMatchObject({ source: 'file', generated: false, sealer: { currentKeyId: kekId(OTHER_KEK) } });
    fs.writeFileSync(file, 'AAAA\n');
    expect(() => openKeyEncryption(config, silentLogger)).toThrow(/KEY_ENCRYPTION_KEY_FILE: the file's content decodes to 3 bytes/);
    const missing = testConfig({ KEY_ENCRYPTION_KEY: '', KEY_ENCRYPTION_KEY_FILE: path.join(dir, 'nope') });
    expect(() => openKeyEncryption(missing, silentLogger)).toThrow(/KEY_ENCRYPTION_KEY_FILE: .*nope cannot be read \(ENOENT\)/);
  });

  it('on the embedded database without a key, generates one in the data folder (mode 0600) once, and keeps it', () => {
    const dataDir = tempDir();
    const config = testConfig({ KEY_ENCRYPTION_KEY: '', DATA_DIR: dataDir });
    const first = openKeyEncryption(config, silentLogger);
    const file = path.join(dataDir, 'key-encryption.key');
    expect(first).toMatchObject({ source: 'data-folder', dataFolderFile: file, generated: true });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = openKeyEncryption(config, silentLogger);
    expect(second).toMatchObject({ generated: false, sealer: { currentKeyId: first.sealer.currentKeyId } });
    expect(second.sealer.open(first.sealer.seal('x', 'c'), 'c')).toBe('x');
  });

  it('on PostgreSQL without a key, refuses to start naming both variables (instances must share one key)', () => {
    const config = testConfig({ KEY_ENCRYPTION_KEY: '', DATA_DIR: tempDir(), DATABASE_URL: 'postgres://db.example/ssobridge' });
    expect(() => openKeyEncryption(config, silentLogger)).toThrow(/KEY_ENCRYPTION_KEY: is required with DATABASE_URL \(PostgreSQL\).*KEY_ENCRYPTION_KEY_FILE/);
    expect(fs.readdirSync(config.dataDir)).toEqual([]);
  });
});

describe('ssobridge keys reencrypt', () => {
  const cli = (args: string[], env: Record<string, string>) =>
    new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
      execFile(process.execPath, [path.resolve('bin/ssobridge.js'), ...args], { env: { ...process.env, LOG_LEVEL: 'warn', DATABASE_URL: '', ...env } }, (error, stdout, stderr) =>
        resolve({ stdout, stderr, code: error ? (typeof error.code === 'number' ? error.code : 1) : 0 }),
      );
    });

  it.skipIf(!process.env.TEST_DATABASE_URL)('serve on PostgreSQL without a key refuses to start, naming the variables, and generates nothing', async () => {
    const database = await createTestPostgresDatabase();
    const dataDir = tempDir();
    try {
      const { stderr, code } = await cli(['serve'], { DATA_DIR: dataDir, DATABASE_URL: database.url, PORT: '0' });
      expect(code).toBe(1);
      expect(stderr).toContain('KEY_ENCRYPTION_KEY: is required with DATABASE_URL (PostgreSQL)');
      expect(stderr).toContain('KEY_ENCRYPTION_KEY_FILE');
      expect(fs.readdirSync(dataDir)).toEqual([]);
    } finally {
      await database.drop();
    }
  });

  it('re-seals everything under the new key, reports counts, changes nothing the second time, and refuses without the old key', async () => {
    const dataDir = tempDir();
    // First use generates the data folder's key; `account list` creates nothing, `account create` a signing key on demand.
    const created = await cli(['account', 'list'], { DATA_DIR: dataDir });
    expect(created.stderr).toContain(`Generated the key-encryption key ${path.join(dataDir, 'key-encryption.key')}`);
    const location: TestDatabaseLocation = { dialect: 'sqlite', dataDir };
    const oldKey = fs.readFileSync(path.join(dataDir, 'key-encryption.key'), 'utf8').trim();
    const instance = await started(location, { KEY_ENCRYPTION_KEY: oldKey });
    const s = await ssoSetUp(instance.app);
    await instance.app.services.signingKeys.listKeys(s.accountId);
    await instance.close();

    const withoutOld = await cli(['keys', 'reencrypt'], { DATA_DIR: dataDir, KEY_ENCRYPTION_KEY: OTHER_KEK });
    expect(withoutOld.code).toBe(1);
    expect(withoutOld.stderr).toContain(`sealed under key-encryption key ${kekId(oldKey)}`);

    const run = await cli(['keys', 'reencrypt', '--batch-size', '2'], { DATA_DIR: dataDir, KEY_ENCRYPTION_KEY: OTHER_KEK, KEY_ENCRYPTION_KEY_PREVIOUS: oldKey });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Key-encryption key ${kekId(OTHER_KEK)}: re-sealed 4, already under it 0, sealed from clear 0, not opened 0.`);
    expect(run.stdout).toContain('signing_keys.private_key_pem: re-sealed 1');
    const again = await cli(['keys', 'reencrypt'], { DATA_DIR: dataDir, KEY_ENCRYPTION_KEY: OTHER_KEK, KEY_ENCRYPTION_KEY_PREVIOUS: oldKey });
    expect(again.stdout).toContain('re-sealed 0, already under it 4');

    const after = await started(location, { KEY_ENCRYPTION_KEY: OTHER_KEK });
    try {
      expect((await samlSignIn(after.app, s)).nameId).toBe('alice@customer001.com');
    } finally {
      await after.close();
    }
  });
});

describe('the secret sealer', () => {
  const current = keyEncryptionKey(randomBytes(32));
  const sealer = createSecretSealer(current);
  const failure = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return error instanceof SealedValueError ? error.reason : error;
    }
    return 'opened';
  };

  it('opens a value only in its own context, whole, and under a key it has', () => {
    const sealed = sealer.seal('-----BEGIN PRIVATE KEY-----', 'signing_keys.private_key_pem:a');
    expect(sealed).toMatch(new RegExp(`^kek1\\.${current.id}\\.`));
    expect(sealed).not.toContain('PRIVATE');
    expect(sealer.open(sealed, 'signing_keys.private_key_pem:a')).toBe('-----BEGIN PRIVATE KEY-----');
    expect(failure(() => sealer.open(sealed, 'signing_keys.private_key_pem:b'))).toBe('altered');
    const parts = sealed.split('.');
    // A shortened tag (GCM would check only its first bytes) is refused like an altered one.
    expect(failure(() => sealer.open([...parts.slice(0, 4), Buffer.from(parts[4]!, 'base64url').subarray(0, 4).toString('base64url')].join('.'), 'signing_keys.private_key_pem:a'))).toBe('altered');
    expect(failure(() => createSecretSealer(keyEncryptionKey(randomBytes(32))).open(sealed, 'signing_keys.private_key_pem:a'))).toBe('unknown-key');
    expect(failure(() => sealer.open('-----BEGIN PRIVATE KEY-----', 'x'))).toBe('not-sealed');
  });
});
