import type { Dialect } from '../dialect.js';

/** A 64-bit auto-increment key: SQLite's rowid alias, or PostgreSQL's bigserial. */
export function autoIncrementId(dialect: Dialect): 'integer' | 'bigserial' {
  return dialect === 'sqlite' ? 'integer' : 'bigserial';
}
