import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { lockAccount } from '../../db/repositories/accounts-repository.js';
import { findAccountBranding, findLogoBySha256, saveBranding } from '../../db/repositories/branding-repository.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import { parseInput } from '../validation.js';
import { DEFAULT_ACCENT_COLOR, readableTextOn, type TextColor } from './accent-color.js';
import { brandingInputSchema } from './branding-schemas.js';

/** What the account's end users see on our pages. */
export interface Branding {
  displayName: string;
  accentColor: string;
  /** Black or white, whichever is readable on the accent (WCAG AA). */
  textOnAccent: TextColor;
  logo: { sha256: string; contentType: string; width: number; height: number } | null;
  /** False while the account shows the defaults (its own name, the default colour). */
  saved: boolean;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function createBrandingService(deps: { db: Kysely<DB>; clock: Clock; audit: AuditLog }) {
  const { db, clock, audit } = deps;

  const getBranding = async (accountId: string): Promise<Branding> => {
    const found = await findAccountBranding(db, accountId);
    if (!found) throw new AppError('ACCOUNT_NOT_FOUND', `No account with id ${accountId}.`);
    const { saved } = found;
    if (saved) return { displayName: saved.displayName, accentColor: saved.accentColor, textOnAccent: readableTextOn(saved.accentColor), logo: saved.logo, saved: true };
    return { displayName: found.accountName, accentColor: DEFAULT_ACCENT_COLOR, textOnAccent: readableTextOn(DEFAULT_ACCENT_COLOR), logo: null, saved: false };
  };

  return {
    getBranding,

    /** Saves the account's branding (validated by brandingInputSchema) and audits what changed. */
    async updateBranding(actor: Actor, input: unknown): Promise<Branding> {
      const valid = parseInput(brandingInputSchema, input);
      await db.transaction().execute(async (trx) => {
        if (!(await lockAccount(trx, actor.accountId))) throw new AppError('ACCOUNT_NOT_FOUND', `No account with id ${actor.accountId}.`);
        const found = await findAccountBranding(trx, actor.accountId);
        const before = found?.saved;
        const beforeName = before?.displayName ?? found?.accountName;
        await saveBranding(trx, { accountId: actor.accountId, displayName: valid.displayName, accentColor: valid.accentColor, logo: valid.logo, updatedAt: clock.now() });
        const logoChange =
          valid.logo === undefined || (valid.logo === null && !before?.logo) || valid.logo?.sha256 === before?.logo?.sha256 ? 'unchanged' : valid.logo === null ? 'removed' : 'replaced';
        const changed = [
          valid.displayName !== beforeName && 'displayName',
          valid.accentColor !== (before?.accentColor ?? DEFAULT_ACCENT_COLOR) && 'accentColor',
          logoChange !== 'unchanged' && 'logo',
        ].filter((c): c is string => c !== false);
        await audit.record(trx, actor, {
          action: 'branding.updated',
          targetKind: 'account',
          targetId: actor.accountId,
          details: {
            changed: changed.join(', ') || 'nothing',
            displayName: valid.displayName,
            accentColor: valid.accentColor,
            logo: logoChange,
            ...(valid.logo && { logoSha256: valid.logo.sha256, logoType: valid.logo.contentType, logoBytes: valid.logo.bytes.length }),
          },
        });
      });
      return getBranding(actor.accountId);
    },

    /** A logo by the name pages use for it (its SHA-256); undefined for any other name. */
    async findLogo(sha256: string): Promise<{ bytes: Buffer; contentType: string } | undefined> {
      if (!SHA256_HEX.test(sha256)) return undefined;
      const logo = await findLogoBySha256(db, sha256);
      return logo && { bytes: logo.bytes, contentType: logo.contentType };
    },
  };
}

export type BrandingService = ReturnType<typeof createBrandingService>;
