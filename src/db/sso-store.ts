import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { toApplication } from '../domain/applications/application-service.js';
import type { LoginCommit, LoginCommitOutcome, SignInEvent, SsoCustomer, SsoStore, TokenAttributes } from '../domain/sso/sso-store.js';
import { findDefaultCustomerId } from './repositories/accounts-repository.js';
import { findApplicationBySaasid } from './repositories/applications-repository.js';
import {
  findAppConnection,
  findCustomerByEmailDomain,
  findCustomerByEntityId,
  findCustomerById,
  findCustomerByIdpId,
  type CustomerRecord,
} from './repositories/customers-repository.js';
import {
  consumeSsoToken,
  findSsoTransaction,
  insertSsoEvent,
  insertSsoTransaction,
  loginCommitWrites,
  pruneSsoState,
  saveTestSignInResult,
  type LoginCommitWrite,
} from './repositories/sso-repository.js';
import type { Database } from './database.js';
import { translateDriverError } from './database-faults.js';
import type { DB } from './schema.js';

const tokenAttributesSchema: z.ZodType<TokenAttributes> = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

/** Ends a commit's database transaction (rolling it back) with the reason the login is refused. */
class CommitRefused extends Error {
  constructor(readonly outcome: Exclude<LoginCommitOutcome, 'COMMITTED'>) {
    super(outcome);
  }
}

/** Runs a commit's writes in one transaction; a write that changes no row where one must refuses it (and rolls back). */
type CommitRunner = (writes: LoginCommitWrite[]) => Promise<void>;

function refuseUnlessOneRow(write: LoginCommitWrite, changedRows: bigint | number | undefined): void {
  if (write.refusal && Number(changedRows ?? 0) !== 1) throw new CommitRefused(write.refusal);
}

/** PostgreSQL: row locks and the unique key make a racing commit wait for this one, then see it. */
function kyselyTransaction(db: Kysely<DB>): CommitRunner {
  return (writes) =>
    db.transaction().execute(async (trx) => {
      for (const write of writes) refuseUnlessOneRow(write, (await trx.executeQuery(write.query)).numAffectedRows);
    });
}

/**
 * SQLite: the writes run in one synchronous stretch under BEGIN IMMEDIATE. A Kysely transaction
 * would yield between statements while holding the file's write lock; another connection to the
 * file in this process (a second instance, the CLI) would then wait for it in SQLite's busy
 * handler, which blocks this very thread, until busy_timeout fails it.
 */
function synchronousSqliteTransaction(database: Database, sqlite: BetterSqlite3.Database): CommitRunner {
  const run = sqlite.transaction((writes: LoginCommitWrite[]) => {
    for (const write of writes) refuseUnlessOneRow(write, sqlite.prepare(write.query.sql).run([...write.query.parameters]).changes);
  });
  // Holding Kysely's connection keeps its own statements (and transactions) off it meanwhile.
  return (writes) =>
    database.db.connection().execute(async () => {
      try {
        run.immediate(writes);
      } catch (error) {
        throw error instanceof CommitRefused ? error : translateDriverError(database.label, error);
      }
    });
}

function toSsoCustomer(record: CustomerRecord | undefined): SsoCustomer | undefined {
  return (
    record && {
      id: record.id,
      accountId: record.accountId,
      idpId: record.idpId,
      entityId: record.entityId,
      enabled: record.enabled,
      idpInitiatedLogin: record.idpInitiatedLogin,
      settings: record.settings,
    }
  );
}

/** The SSO runtime's store over Kysely: the same statements on SQLite and PostgreSQL. */
export function createSsoStore(
  database: Database,
  hooks: {
    /** After a sign-in log row is written (the failure alerts count there); never throws. */
    afterSignInRecorded?: (event: SignInEvent) => Promise<void>;
  } = {},
): SsoStore {
  const { db } = database;
  const runInOneTransaction = database.sqlite ? synchronousSqliteTransaction(database, database.sqlite) : kyselyTransaction(db);
  return {
    async findApplication(saasid) {
      const record = await findApplicationBySaasid(db, saasid);
      return record && { application: toApplication(record), accountId: record.accountId };
    },
    findCustomerByIdpId: async (accountId, idpId) => toSsoCustomer(await findCustomerByIdpId(db, accountId, idpId)),
    findCustomerByEntityId: async (accountId, entityId) => toSsoCustomer(await findCustomerByEntityId(db, accountId, entityId)),
    findCustomerByEmailDomain: async (accountId, domain) => toSsoCustomer(await findCustomerByEmailDomain(db, accountId, domain)),
    async findDefaultCustomer(accountId) {
      const customerId = await findDefaultCustomerId(db, accountId);
      return customerId === null ? undefined : toSsoCustomer(await findCustomerById(db, accountId, customerId));
    },
    findCustomer: async (accountId, customerId) => toSsoCustomer(await findCustomerById(db, accountId, customerId)),
    async findConnection(customerId, saasid) {
      const connection = await findAppConnection(db, customerId, saasid);
      return connection && { multiplexed: connection.multiplexed };
    },

    insertTransaction: (transaction) => insertSsoTransaction(db, transaction),
    findTransaction: (id) => findSsoTransaction(db, id),

    async commitLogin(commit: LoginCommit) {
      try {
        await runInOneTransaction(loginCommitWrites(db, commit));
        return 'COMMITTED';
      } catch (error) {
        if (error instanceof CommitRefused) return error.outcome;
        throw error;
      }
    },
    async recordSignIn(event) {
      await insertSsoEvent(db, event);
      await hooks.afterSignInRecorded?.(event);
    },
    saveTestSignInResult: (result) => saveTestSignInResult(db, result),

    async consumeToken(tokenHash, owner, now) {
      const attributes = await consumeSsoToken(db, tokenHash, owner, now);
      return attributes === undefined ? undefined : tokenAttributesSchema.parse(JSON.parse(attributes));
    },

    pruneExpired: (now) => pruneSsoState(db, now),
  };
}
