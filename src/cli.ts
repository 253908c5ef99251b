import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { Command } from 'commander';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { findServerPublicUrl } from './db/repositories/settings-repository.js';
import type { Actor } from './domain/actor.js';
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
async function withServices<T>(run: (services: Services, links: () => Promise<LinkBase>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, logger });
  const services = createServices({ config, database, clock: systemClock, logger });
  try {
    return await run(services, () => linkBase(config, database));
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
