import type { Kysely } from 'kysely';
import { errors, type Adapter, type AdapterConstructor, type AdapterPayload } from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { DB } from '../db/schema.js';

/**
 * node-oidc-provider's storage (its Adapter interface) on our database: every model (codes,
 * tokens, grants, sessions, interactions) is one row of `oidc_payloads`, so a code issued by one
 * instance is redeemed on another. Clients are not stored here: they are our OIDC applications,
 * described by `findClient`.
 */
/** Our own model beside the library's: the sign-in (claims) a grant was made from, keyed by the grant's id. */
export const SIGN_IN_MODEL = 'SignIn';

export interface OidcStorageOptions {
  db: Kysely<DB>;
  clock: Clock;
  /** The client metadata of an OIDC application, or undefined for any other ID. */
  findClient: (clientId: string) => Promise<AdapterPayload | undefined>;
}

export function oidcAdapter(options: OidcStorageOptions): AdapterConstructor {
  const { db, clock, findClient } = options;

  const rows = (model: string) => db.selectFrom('oidc_payloads').where('model', '=', model);
  const live = (model: string) => rows(model).where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', clock.now())]));
  const toPayload = (row: { payload: string; consumed_at: number | null }): AdapterPayload => {
    const payload = JSON.parse(row.payload) as AdapterPayload;
    // oidc-provider reads `consumed` (epoch seconds) to refuse a second use.
    return row.consumed_at === null ? payload : { ...payload, consumed: Math.floor(row.consumed_at / 1000) };
  };

  /** Deletes what a grant issued, and the grant itself (RFC 6749 §4.1.2: a reused code revokes its tokens). */
  const revokeGrant = async (grantId: string) => {
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
      await trx.deleteFrom('oidc_payloads').where('model', '=', 'Grant').where('id', '=', grantId).execute();
    });
  };

  return class OidcDatabaseAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const row = {
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        uid: payload.uid ?? null,
        user_code: payload.userCode ?? null,
        expires_at: expiresIn ? clock.now() + expiresIn * 1000 : null,
      };
      await db
        .insertInto('oidc_payloads')
        .values({ model: this.model, id, consumed_at: null, ...row })
        .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(row))
        .execute();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return findClient(id);
      const row = await live(this.model).select(['payload', 'consumed_at']).where('id', '=', id).executeTakeFirst();
      return row && toPayload(row);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const row = await live(this.model).select(['payload', 'consumed_at']).where('uid', '=', uid).executeTakeFirst();
      return row && toPayload(row);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const row = await live(this.model).select(['payload', 'consumed_at']).where('user_code', '=', userCode).executeTakeFirst();
      return row && toPayload(row);
    }

    /**
     * Marks a code or token used, once. oidc-provider checks `consumed` before it calls this, but
     * two redemptions of one code racing on two instances would both pass that check: the
     * conditional update lets exactly one through, and the other revokes the grant, as a reuse.
     */
    async consume(id: string): Promise<void> {
      const updated = await db
        .updateTable('oidc_payloads')
        .set({ consumed_at: clock.now() })
        .where('model', '=', this.model)
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .returning('grant_id')
        .executeTakeFirst();
      if (updated) return;
      const row = await rows(this.model).select('grant_id').where('id', '=', id).executeTakeFirst();
      if (row?.grant_id) await revokeGrant(row.grant_id);
      throw new errors.InvalidGrant(`${this.model === 'AuthorizationCode' ? 'authorization code' : 'grant'} already consumed`);
    }

    async destroy(id: string): Promise<void> {
      await db.deleteFrom('oidc_payloads').where('model', '=', this.model).where('id', '=', id).execute();
      // A revoked grant takes the sign-in it was made from (its claims) with it.
      if (this.model === 'Grant') await db.deleteFrom('oidc_payloads').where('model', '=', SIGN_IN_MODEL).where('grant_id', '=', id).execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.deleteFrom('oidc_payloads').where('model', '=', this.model).where('grant_id', '=', grantId).execute();
    }
  };
}

/** The client an authorization request's interaction (still open) belongs to: which provider resumes it. */
export async function findInteractionClientId(db: Kysely<DB>, uid: string, now: number): Promise<string | undefined> {
  const row = await db.selectFrom('oidc_payloads').select('payload').where('model', '=', 'Interaction').where('id', '=', uid).where('expires_at', '>', now).executeTakeFirst();
  if (!row) return undefined;
  const clientId = (JSON.parse(row.payload) as AdapterPayload).params?.client_id;
  return typeof clientId === 'string' ? clientId : undefined;
}
