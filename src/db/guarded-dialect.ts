import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryCompiler, QueryResult, TransactionSettings } from 'kysely';
import { classifyDatabaseFault, translateDriverError } from './database-faults.js';

export interface DriverGuard {
  /** Names the database in logs: the SQLite file, or the PostgreSQL server and connection role. */
  database: string;
  /**
   * Whether the connection is still inside a transaction (SQLite). SQLite rolls a transaction
   * back by itself when a write or COMMIT fails for a full disk or an I/O error; a ROLLBACK then
   * fails with "cannot rollback - no transaction is active", and that error would replace the
   * real one.
   */
  inTransaction?: () => boolean;
}

/**
 * Wraps a Kysely dialect so that every way the driver reports a database fault (connect, query,
 * BEGIN/COMMIT) becomes the one DATABASE_UNAVAILABLE AppError naming the database, and a
 * ROLLBACK that cannot run (connection gone, transaction already ended) never hides the error
 * that caused it. Other errors (constraints, syntax) pass through unchanged.
 */
export function guardDialect(inner: Dialect, guard: DriverGuard): Dialect {
  return {
    createDriver: () => new GuardedDriver(inner.createDriver(), guard),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => inner.createIntrospector(db),
  };
}

class GuardedConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly database: string,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(compiledQuery);
    } catch (error) {
      throw translateDriverError(this.database, error);
    }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(compiledQuery, chunkSize);
    } catch (error) {
      throw translateDriverError(this.database, error);
    }
  }
}

class GuardedDriver implements Driver {
  // Drivers hand out the same connection object again for the same underlying connection;
  // keep one wrapper per connection so Kysely sees a stable identity.
  private readonly wrappers = new WeakMap<DatabaseConnection, GuardedConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly guard: DriverGuard,
  ) {}

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translateDriverError(this.guard.database, error);
    }
  }

  private unwrap(connection: DatabaseConnection): DatabaseConnection {
    return connection instanceof GuardedConnection ? connection.inner : connection;
  }

  init(): Promise<void> {
    return this.run(() => this.inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.run(() => this.inner.acquireConnection());
    let wrapper = this.wrappers.get(connection);
    if (!wrapper) {
      wrapper = new GuardedConnection(connection, this.guard.database);
      this.wrappers.set(connection, wrapper);
    }
    return wrapper;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.run(() => this.inner.beginTransaction(this.unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.run(() => this.inner.commitTransaction(this.unwrap(connection)));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.guard.inTransaction && !this.guard.inTransaction()) return;
    try {
      await this.inner.rollbackTransaction(this.unwrap(connection));
    } catch (error) {
      // A lost connection takes its transaction with it (the server rolls back); the pool
      // discards the connection. The caller's own error is the one worth reporting.
      const fault = classifyDatabaseFault(error);
      if (fault === 'connection lost' || fault === 'unreachable') return;
      throw translateDriverError(this.guard.database, error);
    }
  }

  savepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    return this.run(() => required(this.inner.savepoint, 'savepoint').call(this.inner, this.unwrap(connection), name, compileQuery));
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    return this.run(() => required(this.inner.rollbackToSavepoint, 'rollbackToSavepoint').call(this.inner, this.unwrap(connection), name, compileQuery));
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    return this.run(() => required(this.inner.releaseSavepoint, 'releaseSavepoint').call(this.inner, this.unwrap(connection), name, compileQuery));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(this.unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

function required<F>(method: F | undefined, name: string): F {
  if (!method) throw new Error(`the database driver does not support ${name}`);
  return method;
}
