import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command } from 'commander';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { findServerPublicUrl } from './db/repositories/settings-repository.js';
import type { Actor } from './domain/actor.js';
import { auditEventJson, auditFiltersInput } from './domain/audit/audit-export.js';
import { parseInput } from './domain/validation.js';
import { prepareSealedSecrets, reencryptSealedSecrets } from './domain/keys/sealed-secrets.js';
import { isAppError } from './errors.js';
import { createLogger } from './logger.js';
import { serve } from './main.js';
import { createServices, type Services } from './services.js';

function operator(accountId: string): Actor {
  return { kind: 'operator', id: os.userInfo().username, label: `CLI (${os.userInfo().username})`, accountId, sourceIp: 'local' };
}

/** Where a link printed by this command points, and how the operator can tell where that came from. */
interface LinkBase {
  publicUrl: string;
  /** A line to print after the link when the address is only a guess, or '' when it is the server's. */
  note: string;
}

/**
 * PUBLIC_URL when this shell has it; else the one the server last started with (it records it in
 * the database this command shares); else the default made from HOST and PORT, said to be one.
 */
async function linkBase(config: Config, database: Database): Promise<LinkBase> {
  if (config.publicUrlIsSet) return { publicUrl: config.publicUrl, note: '' };
  const recorded = await findServerPublicUrl(database.db);
  if (recorded !== undefined) return { publicUrl: recorded, note: '' };
  return { publicUrl: config.publicUrl, note: `  (PUBLIC_URL is not set and no server has started on this database yet: ${config.publicUrl} is the default address; use your server's.)\n` };
}

/** Runs a one-shot command against the configured database, then closes it. */
async function withServices<T>(run: (services: Services, links: () => Promise<LinkBase>, database: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, logger });
  let services: Services;
  try {
    services = createServices({ config, database, clock: systemClock, logger });
  } catch (error) {
    await database.close();
    throw error;
  }
  try {
    if (services.keyEncryption.generated) {
      process.stderr.write(`Generated the key-encryption key ${services.keyEncryption.dataFolderFile ?? ''}: back it up separately from the database.\n`);
    }
    // As at a server start: clear values of an older version are sealed, another key than the database's stops here.
    await prepareSealedSecrets(database.db, services.sealer);
    return await run(services, () => linkBase(config, database), database);
  } finally {
    await services.close();
    await database.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function defaultAccountId(services: Services): Promise<string> {
  const { account } = await services.accounts.ensureDefaultAccount(operator);
  return account.id;
}

/** The version in package.json, which sits one folder above both src/ and dist/. */
function packageVersion(): string {
  const manifest: unknown = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
  return typeof version === 'string' ? version : 'unknown';
}

const program = new Command()
  .name('ssobridge')
  .version(packageVersion(), '-V, --version', 'print the version and exit')
  .description('Self-hosted SSO bridge for SaaS providers. Configuration comes from the environment (see docs/configuration.md).')
  .showHelpAfterError();

program
  .command('serve')
  .description('Start the server (creates the data folder, migrates the database, prints the console URL)')
  .action(async () => {
    const config = loadConfig();
    await serve(config, createLogger(config.logLevel));
  });

const admin = program.command('admin').description('Manage console admins');
admin
  .command('create')
  .description('Create a console admin. Without --password-stdin a strong password is generated and printed once.')
  .requiredOption('--email <email>', 'the admin\'s email address (their sign-in name)')
  .option('--account <id>', 'account id (default: the first account)')
  .option('--password-stdin', 'read the password from standard input')
  .action(async (options: { email: string; account?: string; passwordStdin?: boolean }) => {
    const password = options.passwordStdin ? await readStdin() : randomBytes(18).toString('base64url');
    await withServices(async (services, links) => {
      const accountId = options.account ?? (await defaultAccountId(services));
      const created = await services.admins.createAdmin(operator(accountId), accountId, { email: options.email, password });
      const { publicUrl, note } = await links();
      process.stdout.write(`Created admin ${created.email} in account ${accountId}.\n`);
      if (!options.passwordStdin) process.stdout.write(`Password (shown once): ${password}\n`);
      process.stdout.write(`Sign in at ${publicUrl}/console/sign-in\n${note}`);
    });
  });

const account = program.command('account').description('Manage accounts (one per SaaS provider tenant)');
account
  .command('create')
  .description('Create an account and print its global Client ID and a one-time link for its first admin')
  .requiredOption('--name <name>', 'display name of the account')
  .action(async (options: { name: string }) => {
    await withServices(async (services, links) => {
      const created = await services.accounts.createAccount(operator, options.name);
      const token = await services.accounts.issueSetupToken(created.account.id);
      const { publicUrl, note } = await links();
      process.stdout.write(
        [
          `Created account "${created.account.name}".`,
          `  Account id:               ${created.account.id}`,
          `  Global credentials ID:    ${created.globalClientId} (set its secret in the console)`,
          `  First admin (24 h link):  ${publicUrl}/console/setup?token=${token ?? ''}`,
          `  or: ssobridge admin create --account ${created.account.id} --email you@example.com`,
          '',
        ].join('\n') + note,
      );
    });
  });
account
  .command('list')
  .description('List accounts')
  .action(async () => {
    await withServices(async (services) => {
      const accounts = await services.accounts.listAccounts();
      // Always a line, so that a script or a shell prompt never meets an empty, unterminated answer.
      if (accounts.length === 0) process.stdout.write('No accounts yet: `ssobridge serve` creates the first, `ssobridge account create --name …` adds one.\n');
      for (const a of accounts) process.stdout.write(`${a.id}  ${a.name}\n`);
    });
  });

const audit = program.command('audit').description("Read the audit log");
audit
  .command('export')
  .description('Write the audit log as JSON Lines (one event per line, oldest first; the API\'s auditLog shape) to standard output or a file')
  .option('--account <id>', 'account id (default: the first account)')
  .option('--from <time>', 'events at or after this ISO 8601 time, e.g. 2026-01-01T00:00:00Z')
  .option('--to <time>', 'events before this ISO 8601 time')
  .option('--actor <actor>', "only this actor's events (id or label, e.g. an admin's email)")
  .option('--action <action>', 'only this action (customer.created), or every action under a prefix ending in a dot (customer.)')
  .option('--output <file>', 'write to this file instead of standard output')
  .action(async (options: { account?: string; from?: string; to?: string; actor?: string; action?: string; output?: string }) => {
    const { account: accountOption, output, ...given } = options;
    const filters = parseInput(auditFiltersInput, given);
    await withServices(async (services) => {
      const accountId = accountOption ?? (await defaultAccountId(services));
      const lines = Readable.from(
        (async function* () {
          for await (const event of services.audit.exportEvents(accountId, filters)) yield `${JSON.stringify(auditEventJson(event))}\n`;
        })(),
      );
      // pipeline waits for each write to drain: memory stays one page, however long the log.
      await pipeline(lines, output === undefined ? process.stdout : fs.createWriteStream(output, { mode: 0o600 }), { end: output !== undefined });
    });
  });

const keys = program.command('keys').description('Manage the key-encryption key that seals stored secrets (docs/operations.md)');
keys
  .command('reencrypt')
  .description('Re-seal every stored secret under the current KEY_ENCRYPTION_KEY (values under a KEY_ENCRYPTION_KEY_PREVIOUS key open and are sealed again); safe to run again')
  .option('--batch-size <n>', 'rows read and re-sealed at a time', (v) => Number.parseInt(v, 10), 200)
  .action(async (options: { batchSize: number }) => {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > 10_000) throw new Error('--batch-size must be a whole number from 1 to 10000.');
    await withServices(async (services, _links, database) => {
      const { columns, failures } = await reencryptSealedSecrets(database.db, services.sealer, { batchSize: options.batchSize });
      const total = (key: 'resealed' | 'current' | 'sealedFromClear' | 'failed') => Object.values(columns).reduce((sum, c) => sum + c[key], 0);
      process.stdout.write(`Key-encryption key ${services.sealer.currentKeyId}: re-sealed ${total('resealed')}, already under it ${total('current')}, sealed from clear ${total('sealedFromClear')}, not opened ${total('failed')}.\n`);
      for (const [column, c] of Object.entries(columns)) {
        process.stdout.write(`  ${column}: re-sealed ${c.resealed}, already ${c.current}, from clear ${c.sealedFromClear}, not opened ${c.failed}\n`);
      }
      if (failures.length > 0) {
        for (const failure of failures) process.stderr.write(`  ${failure}\n`);
        throw new Error(`${total('failed')} value(s) did not open with KEY_ENCRYPTION_KEY or KEY_ENCRYPTION_KEY_PREVIOUS: add the key they were sealed under to KEY_ENCRYPTION_KEY_PREVIOUS and run this again. Keep the previous keys until this reports 0 not opened.`);
      }
    });
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else if (isAppError(error) && error.status >= 500) {
    // A fault on the server's side: the log-only detail is what an operator at a shell needs.
    process.stderr.write(`Error: ${error.detail ?? error.message}\n`);
  } else if (isAppError(error)) {
    const fields = error.fields?.map((f) => `\n  - ${f.field}: ${f.message}`).join('') ?? '';
    process.stderr.write(`Error: ${error.message}${fields}\n`);
  } else {
    process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
