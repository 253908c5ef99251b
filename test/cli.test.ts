import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess } from './helpers/server-process.js';
import { withTestKeyEncryptionKey } from './helpers/key-encryption.js';

const run = promisify(execFile);
const cli = path.resolve('bin/ssobridge.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-cli-'));
const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '' };

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function ssobridge(args: string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], { env }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, code: error ? Number((error as { code?: number }).code ?? 1) : 0 }),
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

describe('ssobridge CLI', () => {
  it.each([[['--help']], [['serve', '--help']], [['admin', 'create', '--help']], [['account', 'create', '--help']]])('explains itself with %j', async (args) => {
    const { stdout } = await run(process.execPath, [cli, ...args], { env });
    expect(stdout).toContain('Usage: ssobridge');
  });

  it('creates an account and prints its global client ID and a first-admin link', async () => {
    const { stdout, code } = await ssobridge(['account', 'create', '--name', 'Acme SaaS']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Global credentials ID: +[0-9a-f-]{36}/);
    expect(stdout).toMatch(/\/console\/setup\?token=[A-Za-z0-9_-]{43}/);
  });

  it('creates an admin with a generated password shown once', async () => {
    const { stdout, code } = await ssobridge(['admin', 'create', '--email', 'ops@example.com']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Password \(shown once\): [A-Za-z0-9_-]{24}/);
  });

  it('creates an admin with a password from standard input', async () => {
    const { stdout, code } = await ssobridge(['admin', 'create', '--email', 'stdin@example.com', '--password-stdin'], 'a long enough password\n');
    expect(code).toBe(0);
    expect(stdout).not.toContain('a long enough password');
  });

  it('refuses a duplicate admin and a bad email with a clear message', async () => {
    const duplicate = await ssobridge(['admin', 'create', '--email', 'ops@example.com']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('already exists');
    const bad = await ssobridge(['admin', 'create', '--email', 'not-an-email']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('email: must be an email address');
  });

  it('refuses to start with a bad configuration value, naming the variable', async () => {
    const { stderr, code } = await new Promise<{ stderr: string; code: number }>((resolve) =>
      execFile(process.execPath, [cli, 'serve'], { env: { ...env, PORT: 'eighty' } }, (error, _o, stderr) => resolve({ stderr, code: error ? 1 : 0 })),
    );
    expect(code).toBe(1);
    expect(stderr).toContain('PORT:');
  });
});

/** Runs the CLI with `overrides` on top of the file's environment. */
function ssobridgeWith(overrides: Record<string, string>, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], { env: { ...env, ...overrides } }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, code: error ? Number((error as { code?: number }).code ?? 1) : 0 }),
    );
    child.stdin?.end();
  });
}

describe('ssobridge CLI output', () => {
  it('ends every command\'s output with a newline, an empty account list included', async () => {
    const fresh = { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-cli-nl-')) };
    try {
      const commands = [['account', 'list'], ['--version'], ['--help'], ['account', 'create', '--name', 'Newline Co'], ['admin', 'create', '--email', 'nl@example.com'], ['account', 'list']];
      for (const args of commands) {
        const { stdout, code } = await ssobridgeWith(fresh, args);
        expect(code, args.join(' ')).toBe(0);
        expect(stdout.length, args.join(' ')).toBeGreaterThan(0);
        expect(stdout.endsWith('\n'), `${args.join(' ')}: ${JSON.stringify(stdout.slice(-40))}`).toBe(true);
      }
    } finally {
      fs.rmSync(fresh.DATA_DIR, { recursive: true, force: true });
    }
  });
});

describe.each(process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'])('ssobridge CLI links on %s', (dialect) => {
  it('prints PUBLIC_URL in the sign-in and setup links when it is set', async () => {
    const database = await cliDatabase(dialect);
    try {
      const withUrl = { ...database.env, PUBLIC_URL: 'https://sso.shell.example/' };
      const admin = await ssobridgeWith(withUrl, ['admin', 'create', '--email', 'url@example.com']);
      expect(admin.code, admin.stderr).toBe(0);
      expect(admin.stdout).toContain('Sign in at https://sso.shell.example/console/sign-in\n');
      const account = await ssobridgeWith(withUrl, ['account', 'create', '--name', 'Linked Co']);
      expect(account.stdout).toMatch(/First admin \(24 h link\): +https:\/\/sso\.shell\.example\/console\/setup\?token=/);
    } finally {
      await database.drop();
    }
  });

  it("prints the server's PUBLIC_URL from a shell without it, not a default host and port", async () => {
    const database = await cliDatabase(dialect);
    try {
      const server = await startServerProcess({ ...database.env, PUBLIC_URL: 'https://sso.server.example' });
      await server.stop();
      const admin = await ssobridgeWith(database.env, ['admin', 'create', '--email', 'shell@example.com']);
      expect(admin.code, admin.stderr).toBe(0);
      expect(admin.stdout).toContain('Sign in at https://sso.server.example/console/sign-in\n');
      expect(admin.stdout).not.toContain('127.0.0.1');
      const account = await ssobridgeWith(database.env, ['account', 'create', '--name', 'Shell Co']);
      expect(account.stdout).toContain('https://sso.server.example/console/setup?token=');
    } finally {
      await database.drop();
    }
  });

  it('says the address is a default when neither the shell nor a server has given one', async () => {
    const database = await cliDatabase(dialect);
    try {
      const admin = await ssobridgeWith(database.env, ['admin', 'create', '--email', 'nobody@example.com']);
      expect(admin.code, admin.stderr).toBe(0);
      expect(admin.stdout).toContain('Sign in at http://127.0.0.1:8080/console/sign-in\n');
      expect(admin.stdout).toMatch(/PUBLIC_URL is not set .* default address/);
      expect(admin.stdout.endsWith('\n')).toBe(true);
    } finally {
      await database.drop();
    }
  });
});

/** A fresh database for CLI runs: its own SQLite folder, or its own PostgreSQL database. */
async function cliDatabase(dialect: string): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-cli-links-'));
    return { env: { DATA_DIR: dir, DATABASE_URL: '', PUBLIC_URL: '' }, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  const name = `cli_links_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    env: withTestKeyEncryptionKey({ DATA_DIR: dataDir, DATABASE_URL: url.toString(), PUBLIC_URL: '' }),
    async drop() {
      const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
