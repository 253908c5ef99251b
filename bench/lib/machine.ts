import fs from 'node:fs';
import os from 'node:os';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  os: string;
  kernel: string;
  node: string;
  sqlite: string;
  postgres: string | undefined;
  wrk: string;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) return match[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function osName(): string {
  try {
    const match = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'));
    if (match?.[1]) return match[1];
  } catch {
    // no os-release
  }
  return `${os.type()} ${os.release()}`;
}

function sqliteVersion(): string {
  const db = new BetterSqlite3(':memory:');
  try {
    return (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
  } finally {
    db.close();
  }
}

/** The PostgreSQL server version, or throws a readable error when it cannot be reached. */
export async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? 'unknown';
  } catch (error) {
    throw new Error(
      `PostgreSQL at ${url} is not reachable (${error instanceof Error ? error.message : String(error)}). ` +
        'Set BENCH_DATABASE_URL, or BENCH_DIALECTS=sqlite to skip PostgreSQL.',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function describeMachine(wrk: string, postgres: string | undefined): MachineInfo {
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpuModel(),
    memoryGb: os.totalmem() / 1024 ** 3,
    os: osName(),
    kernel: os.release(),
    node: process.version,
    sqlite: sqliteVersion(),
    postgres,
    wrk,
  };
}
