import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

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
