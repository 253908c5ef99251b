import { AppError, isAppError } from '../errors.js';

/**
 * Why the database could not serve a request. Each is a condition of the database or its host,
 * not of the request: the request may succeed when retried, so callers answer 503.
 */
export type DatabaseFault = 'connection lost' | 'unreachable' | 'busy' | 'full' | 'read-only' | 'disk error' | 'cannot open' | 'damaged';

const NETWORK_FAULTS: Readonly<Record<string, DatabaseFault>> = {
  ECONNREFUSED: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ETIMEDOUT: 'unreachable',
  ECONNRESET: 'connection lost',
  EPIPE: 'connection lost',
};

/** What node-postgres and pg-pool throw, without a code, when a connection is gone or never came. */
const PG_CONNECTION_MESSAGES: ReadonlyArray<[RegExp, DatabaseFault]> = [
  [/^Connection terminated/, 'connection lost'],
  [/has encountered a connection error and is not queryable/, 'connection lost'],
  [/^Client was closed and is not queryable/, 'connection lost'],
  [/^timeout exceeded when trying to connect/, 'unreachable'],
];

function faultOfCode(code: string): DatabaseFault | undefined {
  if (code in NETWORK_FAULTS) return NETWORK_FAULTS[code];
  // PostgreSQL SQLSTATE: class 08 connection exception; 57P01-03 admin/crash shutdown, cannot
  // connect now; 53300 too many connections; 3D000 no such database; class 28 authorization.
  if (code.startsWith('08') || /^57P0[1-3]$/.test(code)) return 'connection lost';
  if (code === '53300') return 'busy';
  // 25006: a read-only transaction, as on a standby that a failover left DATABASE_URL pointing at.
  if (code === '25006') return 'read-only';
  if (code === '3D000' || /^28[0-9A-Z]{3}$/.test(code)) return 'cannot open';
  // better-sqlite3 reports SQLite's extended result codes, e.g. SQLITE_IOERR_WRITE.
  if (code === 'SQLITE_FULL') return 'full';
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM') return 'read-only';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  if (code.startsWith('SQLITE_IOERR')) return 'disk error';
  if (code.startsWith('SQLITE_CANTOPEN')) return 'cannot open';
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return 'damaged';
  return undefined;
}

/** The database fault an error from a driver stands for, or undefined for any other error (a constraint, a bug). */
export function classifyDatabaseFault(error: unknown): DatabaseFault | undefined {
  if (error instanceof DatabaseFaultError) return error.fault;
  if (isAppError(error)) return error.code === 'DATABASE_UNAVAILABLE' ? classifyDatabaseFault(error.cause) : undefined;
  // pg tries every address a host name resolves to and reports them together.
  if (error instanceof AggregateError) return error.errors.map(classifyDatabaseFault).find((f) => f !== undefined);
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const byCode = typeof code === 'string' ? faultOfCode(code) : undefined;
  return byCode ?? PG_CONNECTION_MESSAGES.find(([pattern]) => pattern.test(error.message))?.[1];
}

/** The driver's own words for an error, with its code: `database or disk is full (SQLITE_FULL)`. */
export function explainDriverError(error: unknown): string {
  if (error instanceof DatabaseFaultError) return explainDriverError(error.cause);
  if (isAppError(error) && error.cause !== undefined) return explainDriverError(error.cause);
  if (error instanceof AggregateError && error.errors.length > 0) return [...new Set(error.errors.map(explainDriverError))].join('; ');
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const message = error.message || error.name;
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

/** The underlying driver error's code (SQLSTATE, errno, SQLITE_…), looking through our own wrappers. */
export function driverErrorCode(error: unknown): string | undefined {
  if (error instanceof DatabaseFaultError || (isAppError(error) && error.cause !== undefined)) return driverErrorCode(error.cause);
  if (error instanceof AggregateError) return error.errors.map(driverErrorCode).find((c) => c !== undefined);
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The log-side account of a fault: which database (file, or server without its password and
 * which of our connections) and what the driver said. pino prints it with the driver's error
 * (its `cause`) and this error's own fields.
 */
export class DatabaseFaultError extends Error {
  readonly fault: DatabaseFault;
  readonly database: string;
  readonly code: string | undefined;

  constructor(database: string, fault: DatabaseFault, cause: unknown) {
    super(`${database}: ${fault}`, { cause });
    this.name = 'DatabaseFaultError';
    this.fault = fault;
    this.database = database;
    this.code = driverErrorCode(cause);
  }
}

/**
 * The one answer to a database that cannot serve: 503 DATABASE_UNAVAILABLE, with the fault in
 * the message (never the file or server, which stay in the log) and the driver's error as cause.
 */
export function databaseUnavailable(database: string, fault: DatabaseFault, cause: unknown): AppError {
  return new AppError('DATABASE_UNAVAILABLE', `The database is unavailable (${fault}). Try again shortly; the request ID identifies this failure in the server log.`, {
    cause: new DatabaseFaultError(database, fault, cause),
    detail: `${database}: ${explainDriverError(cause)}`,
  });
}

/** A driver error as callers should see it: database faults become DATABASE_UNAVAILABLE, anything else is unchanged. */
export function translateDriverError(database: string, error: unknown): unknown {
  if (isAppError(error)) return error;
  const fault = classifyDatabaseFault(error);
  return fault === undefined ? error : databaseUnavailable(database, fault, error);
}

/** Names a PostgreSQL server for people: the URL without password or parameters. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    // A password containing '/' makes the WHATWG parser end the authority early, so the rest of
    // the password lands in the path: name the URL only when its path is one plain segment.
    if (!/^\/[^/@:]*$/.test(parsed.pathname) || parsed.username.includes('/')) return 'PostgreSQL (DATABASE_URL)';
    const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
    return `PostgreSQL ${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
}
