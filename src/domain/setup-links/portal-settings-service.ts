import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { lockAccount } from '../../db/repositories/accounts-repository.js';
import { findPortalSettings, savePortalSettings } from '../../db/repositories/portal-settings-repository.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import { parseInput } from '../validation.js';

/** The account's settings of the self-service portal behind setup links. */
export interface PortalSettings {
  /** True (the default): the portal's Activate enables the connection. False: it only requests activation. */
  customerAdminsMayActivate: boolean;
}

export const DEFAULT_PORTAL_SETTINGS: PortalSettings = { customerAdminsMayActivate: true };

export const portalSettingsInput = z.strictObject({ customerAdminsMayActivate: z.boolean({ error: 'must be true or false' }) });

export function createPortalSettingsService(deps: { db: Kysely<DB>; clock: Clock; audit: AuditLog }) {
  const { db, clock, audit } = deps;
  const getPortalSettings = async (accountId: string): Promise<PortalSettings> => (await findPortalSettings(db, accountId)) ?? DEFAULT_PORTAL_SETTINGS;

  return {
    getPortalSettings,

    /** Saves the settings and audits the change (nothing is audited when nothing changed). */
    async updatePortalSettings(actor: Actor, input: unknown): Promise<PortalSettings> {
      const valid = parseInput(portalSettingsInput, input);
      await db.transaction().execute(async (trx) => {
        if (!(await lockAccount(trx, actor.accountId))) throw new AppError('ACCOUNT_NOT_FOUND', `No account with id ${actor.accountId}.`);
        const before = (await findPortalSettings(trx, actor.accountId)) ?? DEFAULT_PORTAL_SETTINGS;
        if (before.customerAdminsMayActivate === valid.customerAdminsMayActivate) return;
        await savePortalSettings(trx, actor.accountId, valid, clock.now());
        await audit.record(trx, actor, {
          action: 'portal_settings.updated',
          targetKind: 'account',
          targetId: actor.accountId,
          details: { customerAdminsMayActivate: valid.customerAdminsMayActivate ? 'yes' : 'no' },
        });
      });
      return getPortalSettings(actor.accountId);
    },
  };
}

export type PortalSettingsService = ReturnType<typeof createPortalSettingsService>;
