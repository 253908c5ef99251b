import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/domain/audit/audit-log.js';
import { openTestDatabase } from '../helpers/databases.js';
import { TestClock } from '../helpers/test-clock.js';

const cli = path.resolve('bin/ssobridge.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-audit-cli-'));
const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '' };

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function ssobridge(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, code: error ? Number((error as { code?: number }).code ?? 1) : 0 }),
    );
    child.stdin?.end();
  });
}

function lines(text: string): { id: number; at: string; action: string; actor: { label: string }; details: Record<string, unknown> }[] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as ReturnType<typeof lines>[number]);
}

describe('ssobridge audit export', () => {
  let password = '';
  let accountId = '';
  let midpoint = '';

  beforeAll(async () => {
    const account = await ssobridge(['account', 'create', '--name', 'Export Co']);
    expect(account.code, account.stderr).toBe(0);
    accountId = /Account id: +(\S+)/.exec(account.stdout)![1]!;
    const admin = await ssobridge(['admin', 'create', '--account', accountId, '--email', 'ops@example.com']);
    expect(admin.code, admin.stderr).toBe(0);
    password = /Password \(shown once\): (\S+)/.exec(admin.stdout)![1]!;
    // 1,200 more events in the same data folder, as the server would write them: several pages.
    const database = await openTestDatabase({ dialect: 'sqlite', dataDir });
    try {
      const clock = new TestClock();
      const audit = createAuditLog({ db: database.db, dialect: 'sqlite', clock });
      const actor = { kind: 'admin' as const, id: 'a1', label: 'ops@example.com', accountId, sourceIp: '192.0.2.9' };
      for (let n = 0; n < 1200; n++) {
        if (n === 600) {
          clock.advance(60_000);
          midpoint = new Date(clock.now()).toISOString();
        }
        await database.db.transaction().execute((trx) => audit.record(trx, actor, { action: n % 2 ? 'customer.updated' : 'application.updated', targetKind: 'x', targetId: `t${n}`, details: { n } }));
      }
    } finally {
      await database.close();
    }
  });

  it('writes every event of the account to standard output as JSON Lines, oldest first', async () => {
    const { stdout, stderr, code } = await ssobridge(['audit', 'export', '--account', accountId]);
    expect(code, stderr).toBe(0);
    const events = lines(stdout);
    expect(events).toHaveLength(1202);
    expect(events.slice(0, 2).map((e) => e.action)).toEqual(['account.created', 'admin.created']);
    expect(events.slice(2).map((e) => e.details.n)).toEqual(Array.from({ length: 1200 }, (_, n) => n));
    expect(new Set(events.map((e) => e.id)).size).toBe(1202);
  });

  it('defaults to the first account and filters by action prefix and time into a file', async () => {
    const file = path.join(dataDir, 'export.jsonl');
    const { stdout, stderr, code } = await ssobridge(['audit', 'export', '--action', 'customer.', '--from', midpoint, '--actor', 'ops@example.com', '--output', file]);
    expect(code, stderr).toBe(0);
    expect(stdout).toBe('');
    const events = lines(fs.readFileSync(file, 'utf8'));
    expect(events.map((e) => e.details.n)).toEqual(Array.from({ length: 300 }, (_, i) => 601 + 2 * i));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('never exports the password the admin was given', async () => {
    const { stdout } = await ssobridge(['audit', 'export']);
    expect(password.length).toBeGreaterThan(10);
    expect(stdout).not.toContain(password);
    expect(stdout).not.toContain('$argon2');
  });

  it('refuses a bad filter, naming it, and writes nothing', async () => {
    const { stdout, stderr, code } = await ssobridge(['audit', 'export', '--from', 'yesterday', '--action', 'customer.%']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('from: must be an ISO 8601 time');
    expect(stderr).toContain('action: must be an action');
  });
});
