import { classifyDatabaseFault, driverErrorCode, explainDriverError } from './database-faults.js';

/**
 * The database could not be opened at start. The message is printed as is by the CLI, so it
 * says which database (file, or server without password), what the driver said, and what to check.
 */
export class DatabaseOpenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseOpenError';
  }
}

const HINTS: ReadonlyArray<[(code: string) => boolean, string]> = [
  [(c) => c === 'ECONNREFUSED', 'Is PostgreSQL running there, and are the host and port in DATABASE_URL right?'],
  [(c) => c === 'ENOTFOUND' || c === 'EAI_AGAIN', 'Check the host name in DATABASE_URL.'],
  [(c) => c === 'ETIMEDOUT' || c === 'EHOSTUNREACH' || c === 'ENETUNREACH', 'Check the host in DATABASE_URL and that a firewall lets this machine reach it.'],
  [(c) => c === '3D000', 'Create the database (for example `createdb <name>`) or correct its name in DATABASE_URL.'],
  [(c) => c === '28P01', 'Check the password in DATABASE_URL.'],
  [(c) => c.startsWith('28'), 'Create the role (for example `createuser <name>`) or correct the user in DATABASE_URL; check pg_hba.conf if the role exists.'],
  [(c) => c === '53300', 'The server has no connection slots left: lower DATABASE_POOL_SIZE on the instances or raise max_connections.'],
  [(c) => c === 'SQLITE_NOTADB' || c.startsWith('SQLITE_CORRUPT'), 'The file is not a usable SQLite database: point DATA_DIR at the right folder, or restore a backup.'],
  [(c) => c === 'SQLITE_FULL' || c.startsWith('SQLITE_IOERR'), 'Free space on the disk that holds DATA_DIR (SQLite also writes -wal and -shm files next to the database).'],
  [
    (c) => c.startsWith('SQLITE_CANTOPEN') || c.startsWith('SQLITE_READONLY') || c === 'SQLITE_PERM' || c === 'EACCES' || c === 'EROFS',
    'Check that DATA_DIR exists and that the user running ssobridge can read and write the folder and the file (SQLite also writes -wal and -shm files next to it).',
  ],
];

/** `Could not open <database>: <driver's words>. <what to check>` */
export function openFailure(database: string, error: unknown): DatabaseOpenError {
  const code = driverErrorCode(error);
  const hint = code === undefined ? undefined : HINTS.find(([matches]) => matches(code))?.[1];
  const fault = classifyDatabaseFault(error);
  const explanation = explainDriverError(error) || fault || 'unknown error';
  return new DatabaseOpenError(`Could not open the database (${database}): ${explanation}.${hint ? ` ${hint}` : ''}`, { cause: error });
}
