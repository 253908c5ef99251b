import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { findCustomerById } from '../../db/repositories/customers-repository.js';
import { countFailedSignIns } from '../../db/repositories/sso-repository.js';
import type { DB } from '../../db/schema.js';
import { newEvent } from '../events/event-data.js';
import type { EventLog } from '../events/event-log.js';
import type { SignInEvent } from './sso-store.js';

export interface SignInFailureAlertOptions {
  /** Failed sign-ins of one connection to one application within one window (SIGN_IN_FAILURE_ALERT_THRESHOLD). */
  threshold: number;
  /** Fixed windows of this length, from the epoch (SIGN_IN_FAILURE_ALERT_WINDOW_MINUTES). */
  windowMs: number;
}

/**
 * `sign_in.failures_above_threshold` (docs/events.md): after a failed sign-in of a customer to an
 * application is written to the sign-in log, one indexed count of that pair's failures in the
 * current window; at the threshold, the event, once per pair and window. The sign-in log row is
 * the change and is committed first: the event follows in its own transaction, only from failures
 * that are there, and any instance may write it, its id derived from the pair and the window, so
 * the database keeps one. A failure to write it is logged and tried again by the next failure of
 * the window. Failures that cannot be traced to a connection and application (an unknown IdP, a
 * test sign-in from the setup portal) are not counted.
 */
export function createSignInFailureAlerts(deps: { db: Kysely<DB>; events: EventLog; logger: Logger; options: SignInFailureAlertOptions }) {
  const { db, events, logger, options } = deps;
  /** Pairs already alerted in the current window on this instance: past the threshold, no more writes for them. */
  let alerted = { windowStart: -1, keys: new Set<string>() };

  return {
    /** Called by the SSO store after it wrote a sign-in log row. */
    async afterSignInRecorded(event: SignInEvent): Promise<void> {
      const { customerId, applicationId } = event;
      if (event.outcome !== 'failure' || customerId === null || applicationId === null) return;
      const windowStart = Math.floor(event.at / options.windowMs) * options.windowMs;
      if (alerted.windowStart !== windowStart) alerted = { windowStart, keys: new Set() };
      const key = `${customerId} ${applicationId}`;
      if (alerted.keys.has(key)) return;
      try {
        const failures = await countFailedSignIns(db, customerId, applicationId, windowStart);
        if (failures < options.threshold) return;
        const customer = await findCustomerById(db, event.accountId, customerId);
        // Deleted meanwhile: there is no connection left to tell the backend about.
        if (!customer) return;
        await db.transaction().execute((trx) =>
          events.recordOnce(
            trx,
            newEvent('sign_in.failures_above_threshold', event.accountId, customer.idpId, {
              idpId: customer.idpId,
              saasid: applicationId,
              failures,
              threshold: options.threshold,
              windowStart: new Date(windowStart).toISOString(),
              windowEnd: new Date(windowStart + options.windowMs).toISOString(),
              lastReason: event.reason,
            }),
            `${customerId} ${applicationId} ${windowStart}`,
          ),
        );
        alerted.keys.add(key);
      } catch (error) {
        logger.error({ err: error, accountId: event.accountId, requestId: event.requestId }, 'could not write the sign-in failure alert event');
      }
    },
  };
}

export type SignInFailureAlerts = ReturnType<typeof createSignInFailureAlerts>;
