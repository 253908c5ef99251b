import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { systemClock } from '../../src/clock.js';
import { openDatabase } from '../../src/db/database.js';
import { silentLogger } from '../helpers/databases.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { curlBasic, idpCertificatePem, operatorActor, SP_MANAGED, testConfig, TEST_KEY_ENCRYPTION_KEY } from '../helpers/test-app.js';

/**
 * The real server process on an SQLite file that cannot be written. A full disk (a small tmpfs,
 * mounted in a private mount namespace of the server so nothing leaks to this machine): writes
 * answer a JSON 503 that says so, the log names the file, and writing resumes once there is
 * space. A read-only file: the start (which writes) stops with the file, the cause and a hint.
 * (A running server's file cannot become read-only under it: the open descriptor stays
 * writable; test/db/database-unavailable.test.ts covers writes refused at run time.)
 */
const isRoot = process.getuid?.() === 0;
const canMountTmpfs = (() => {
  if (!isRoot) return false;
  try {
    execFileSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /mnt'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

interface Client {
  clientId: string;
  secret: string;
}

/** What a first start leaves behind, plus an admin (so a start needs no write) and a Connection API credential. */
async function seedDatabase(dataDir: string): Promise<Client> {
  const database = await openDatabase({ dataDir, logger: silentLogger });
  const app = await buildApp({ config: testConfig(), database, clock: systemClock, logger: silentLogger });
  try {
    const { account } = await app.services.accounts.ensureDefaultAccount(operatorActor);
    await app.services.signingKeys.listKeys(account.id);
    await app.services.admins.createAdmin(operatorActor(account.id), account.id, { email: 'ops@example.com', password: 'a long enough password' });
    const created = await app.services.credentials.createConnectionApiCredential(operatorActor(account.id), { description: 'faults' });
    return { clientId: created.credential.clientId, secret: created.clientSecret };
  } finally {
    await app.close();
    await database.close();
  }
}

async function putCustomer(server: ServerProcess, client: Client, idpId: string) {
  const res = await fetch(`${server.baseUrl}${SP_MANAGED}/${idpId}`, {
    method: 'PUT',
    headers: { authorization: curlBasic(client.clientId, client.secret), 'content-type': 'application/json' },
    body: JSON.stringify({ entityId: `https://idp.${idpId}/saml`, ssoUrl: `https://idp.${idpId}/sso`, certificates: [await idpCertificatePem()] }),
  });
  return { status: res.status, body: await res.text(), requestId: res.headers.get('x-request-id') };
}

async function listCustomers(server: ServerProcess, client: Client) {
  const res = await fetch(`${server.baseUrl}${SP_MANAGED}`, { headers: { authorization: curlBasic(client.clientId, client.secret) } });
  return res.status;
}

/** The server's log line with the error of one request, parsed (pino writes asynchronously: wait for it). */
async function logLineOf(server: ServerProcess, requestId: string): Promise<{ msg?: string; err?: { message?: string; code?: string; database?: string } }> {
  const find = () =>
    server
      .output()
      .split('\n')
      .find((l) => l.startsWith('{') && l.includes(requestId) && l.includes('"err"'));
  for (let waited = 0; !find() && waited < 5_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  const line = find();
  expect(line, `a log line with the error for ${requestId}:\n${server.output()}`).toBeDefined();
  return JSON.parse(line!) as { msg?: string; err?: { message?: string; code?: string; database?: string } };
}

describe('an SQLite database that cannot be written (real server process)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const tempDir = (prefix: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  it.skipIf(!canMountTmpfs)('answers writes on a full disk with a JSON 503 that says so, logs the file, and writes again once there is space', async () => {
    const seedDir = tempDir('ssobridge-seed-');
    const client = await seedDatabase(seedDir);
    const dataDir = tempDir('ssobridge-full-');
    // A 4 MiB tmpfs over DATA_DIR, visible only to the server's own mount namespace.
    const server = await startServerProcess(
      // The seed's key-encryption key: the server opens the keys the seed sealed.
      { DATA_DIR: dataDir, SEED_DIR: seedDir, KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY },
      { wrap: (node, args) => ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=4m tmpfs "$DATA_DIR" && cp "$SEED_DIR/ssobridge.sqlite" "$DATA_DIR/" && exec "$0" "$@"', node, ...args]] },
    );
    cleanups.push(() => server.stop());
    expect((await putCustomer(server, client, 'before.example')).status).toBe(201);

    // The server's view of DATA_DIR, reached through its own root.
    const filler = `/proc/${server.child.pid}/root${dataDir}/filler`;
    const fd = fs.openSync(filler, 'w');
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(64 * 1024));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      fs.closeSync(fd);
    }

    let refused: Awaited<ReturnType<typeof putCustomer>> | undefined;
    for (let i = 0; i < 20 && !refused; i++) {
      const reply = await putCustomer(server, client, `full${i}.example`);
      if (reply.status === 503) refused = reply;
      else expect(reply.status, reply.body).toBe(201);
    }
    expect(refused, 'a write on the full disk was refused').toBeDefined();
    expect(JSON.parse(refused!.body)).toEqual({ error: { code: 'DATABASE_UNAVAILABLE', message: expect.stringContaining('(full)') } });
    expect(refused!.body).not.toContain(dataDir);
    expect(refused!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const logged = await logLineOf(server, refused!.requestId!);
    expect(logged.err?.message).toContain(path.join(dataDir, 'ssobridge.sqlite'));
    expect(logged.err?.code).toBe('SQLITE_FULL');
    expect(logged.err?.message).not.toContain('cannot rollback');

    // Reads still work, and writes work again once there is space, without a restart.
    expect(await listCustomers(server, client)).toBe(200);
    fs.rmSync(filler);
    expect((await putCustomer(server, client, 'after.example')).status).toBe(201);
    expect(server.alive()).toBe(true);
  });

  it('refuses to start on a read-only database file, naming the file, the cause and what to check', async () => {
    const dataDir = tempDir('ssobridge-readonly-');
    await seedDatabase(dataDir);
    const file = path.join(dataDir, 'ssobridge.sqlite');
    fs.chmodSync(file, 0o444);
    // The folder stays writable (SQLite keeps its -wal and -shm files there); root ignores file
    // modes, so as root the server runs as nobody.
    fs.chmodSync(dataDir, 0o777);
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.resolve('bin/ssobridge.js'), 'serve'], {
        env: { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', DATABASE_URL: '', KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY },
        stdio: ['ignore', 'ignore', 'pipe'],
        ...(isRoot && { uid: 65534, gid: 65534 }),
      });
      let err = '';
      child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
      child.once('exit', (exitCode) => resolve({ code: exitCode, stderr: err }));
    });
    expect(code).toBe(1);
    expect(stderr).toContain(`Could not open the database (SQLite database ${file}): attempt to write a readonly database (SQLITE_READONLY).`);
    expect(stderr).toContain('can read and write the folder and the file');
  });
});
