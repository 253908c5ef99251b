import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.js';
import { listApplicationsByIds } from '../../db/repositories/applications-repository.js';
import { findCustomerByIdpId, findCustomerIdpIdsByIds } from '../../db/repositories/customers-repository.js';
import { listSsoEvents, SSO_EVENT_RETENTION_MS } from '../../db/repositories/sso-repository.js';
import { AppError } from '../../errors.js';
import { idpIdSchema } from '../connections/customer-schemas.js';
import { parseInput } from '../validation.js';
import { describeSsoReason, SSO_SUCCESS_REASON } from './sso-reasons.js';

/**
 * One login attempt as the admin sees it. The log keeps what identifies an attempt (time,
 * outcome, reason, assertion ID, request ID) and never the SAML message or the user's attributes.
 */
export interface SsoLogEntry {
  id: number;
  at: number;
  /** 'test': a test sign-in from the setup portal (nothing was delivered; not a login). */
  outcome: 'success' | 'failure' | 'test';
  /** Machine-readable: `OK`, or the reason sent to the app's error URL. */
  reason: string;
  description: string;
  /** The customer's idpId; null when the attempt failed before an IdP was known, or the customer was deleted. */
  idpId: string | null;
  /** Whether the attempt named a customer that no longer exists. */
  customerDeleted: boolean;
  saasid: string | null;
  /** The application's current name; null when unknown or deleted. */
  applicationName: string | null;
  /** The assertion's ID, once its signature verified; for correlating with the IdP's own logs. */
  assertionId: string | null;
  /** The request ID shown on the error page and sent to the error URL as `request_id`. */
  requestId: string;
  /** What the reason alone does not say, e.g. which attribute was missing and which names the IdP sent. */
  detail: string | null;
}

/** How long the sign-in log keeps an event (the SSO runtime prunes older ones). */
export const SSO_LOG_RETENTION_DAYS = SSO_EVENT_RETENTION_MS / 86_400_000;

export interface SsoLogPage {
  events: SsoLogEntry[];
  /** Pass as `beforeId` for the next (older) page; undefined on the last page. */
  nextBeforeId: number | undefined;
}

export const listSsoLogInput = z.strictObject({
  /** Only this customer's attempts. */
  idpId: idpIdSchema.optional(),
  saasid: z.uuid({ error: 'must be a saasid (UUID)' }).optional(),
  outcome: z.enum(['success', 'failure'], { error: 'must be "success" or "failure"' }).optional(),
  beforeId: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive('must be positive').max(Number.MAX_SAFE_INTEGER, 'is too large').optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type ListSsoLogInput = z.input<typeof listSsoLogInput>;

/** The SSO log (sign-in log) of an account: what happened to each login, newest first. */
export function createSsoLog(deps: { db: Kysely<DB> }) {
  const { db } = deps;
  return {
    async list(accountId: string, input: ListSsoLogInput): Promise<SsoLogPage> {
      const valid = parseInput(listSsoLogInput, input);
      let customerId: string | undefined;
      if (valid.idpId !== undefined) {
        const customer = await findCustomerByIdpId(db, accountId, valid.idpId);
        if (!customer) throw new AppError('CUSTOMER_NOT_FOUND', `No customer with idpId "${valid.idpId}" in this account.`);
        customerId = customer.id;
      }
      const rows = await listSsoEvents(db, accountId, {
        customerId,
        applicationId: valid.saasid,
        outcome: valid.outcome,
        beforeId: valid.beforeId,
        limit: valid.limit + 1,
      });
      const shown = rows.slice(0, valid.limit);
      const customerIds = [...new Set(shown.flatMap((r) => (r.customerId ? [r.customerId] : [])))];
      const applicationIds = [...new Set(shown.flatMap((r) => (r.applicationId ? [r.applicationId] : [])))];
      const [idpIds, applications] = await Promise.all([findCustomerIdpIdsByIds(db, customerIds), listApplicationsByIds(db, accountId, applicationIds)]);
      const names = new Map(applications.map((a) => [a.id, a.name]));
      return {
        events: shown.map((r) => ({
          id: r.id,
          at: r.at,
          outcome: r.outcome,
          reason: r.reason,
          // A passed test's reason is OK, whose description speaks of a delivery that did not happen.
          description: r.outcome === 'test' && r.reason === SSO_SUCCESS_REASON ? 'Test sign-in from the setup portal passed; nothing was delivered to the application.' : describeSsoReason(r.reason),
          idpId: r.customerId ? (idpIds.get(r.customerId) ?? null) : null,
          customerDeleted: r.customerId !== null && !idpIds.has(r.customerId),
          saasid: r.applicationId,
          applicationName: r.applicationId ? (names.get(r.applicationId) ?? null) : null,
          assertionId: r.assertionId,
          requestId: r.requestId,
          detail: r.detail,
        })),
        nextBeforeId: rows.length > valid.limit ? shown.at(-1)?.id : undefined,
      };
    },
  };
}

export type SsoLog = ReturnType<typeof createSsoLog>;
