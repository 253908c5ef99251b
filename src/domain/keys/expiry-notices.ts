import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import { insertExpiryNotice, listCustomerSettingsPage, listLiveSigningCertificates } from '../../db/repositories/expiry-notices-repository.js';
import { parseCertificate, type CertificateInfo } from '../../saml/certificates.js';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import { eventCertificate, newEvent } from '../events/event-data.js';
import type { EventLog } from '../events/event-log.js';
import { idpSettingsSchema } from '../model.js';

/** Notices go out this many days before a certificate's notAfter; 0 is the notice that it has expired. */
export const EXPIRY_NOTICE_DAYS = [30, 7, 1, 0] as const;
const DAY_MS = 86_400_000;
const PAGE = 500;

/** A certificate someone relies on: ours (a signing key) or a customer's (pinned to verify its IdP). */
interface WatchedCertificate {
  accountId: string;
  kind: 'signing_key' | 'customer';
  /** Where the notice is remembered: the key's or the customer's id. */
  subjectId: string;
  /** What the audit event names: the key id or the idpId. */
  targetId: string;
  certificate: CertificateInfo;
}

const noticeActor = (accountId: string): Actor => ({ kind: 'operator', id: 'certificate-expiry', label: 'certificate expiry notices', accountId, sourceIp: 'local' });
const storedCertificates = idpSettingsSchema.shape.certificates;

/**
 * Logs and audits certificate expiry ahead of time: our signing keys (the IdPs of customers
 * verify with them) and customers' verification certificates (their IdPs sign with them). Each
 * certificate gets the notice of the nearest threshold it has reached, once: the sent notices are
 * remembered (the database's primary key decides, so two instances do not both send it). A
 * certificate first seen with 5 days left gets the 7-day notice only; the 1-day one follows, then
 * the "expired" one. Customers' certificates also get a `certificate.expiring` / `.expired` event
 * (docs/events.md) in the notice's transaction.
 */
export function createExpiryNotices(deps: { db: Kysely<DB>; clock: Clock; audit: AuditLog; events: EventLog; logger: Logger }) {
  const { db, clock, audit, events, logger } = deps;

  async function* watchedCertificates(): AsyncGenerator<WatchedCertificate> {
    for (const key of await listLiveSigningCertificates(db)) {
      yield { accountId: key.accountId, kind: 'signing_key', subjectId: key.id, targetId: key.id, certificate: parseCertificate(key.certificatePem) };
    }
    let after: string | undefined;
    for (;;) {
      const page = await listCustomerSettingsPage(db, after, PAGE);
      for (const customer of page) {
        let json: unknown;
        try {
          json = (JSON.parse(customer.settings) as { certificates?: unknown }).certificates;
        } catch {
          json = undefined;
        }
        const parsed = storedCertificates.safeParse(json);
        // A row that does not parse is reported where it is read for a login (customers-repository.ts).
        if (!parsed.success) continue;
        for (const certificate of parsed.data) yield { accountId: customer.accountId, kind: 'customer', subjectId: customer.id, targetId: customer.idpId, certificate };
      }
      if (page.length < PAGE) return;
      after = page.at(-1)!.id;
    }
  }

  const sendIfDue = async (watched: WatchedCertificate, now: number): Promise<boolean> => {
    const notAfter = Date.parse(watched.certificate.notAfter);
    if (Number.isNaN(notAfter)) return false;
    const left = notAfter - now;
    const reached = EXPIRY_NOTICE_DAYS.filter((days) => left <= days * DAY_MS);
    if (reached.length === 0) return false;
    const thresholdDays = Math.min(...reached);
    const daysLeft = Math.max(0, Math.ceil(left / DAY_MS));
    const sent = await db.transaction().execute(async (trx) => {
      const fresh = await insertExpiryNotice(trx, { accountId: watched.accountId, subjectId: watched.subjectId, sha256Fingerprint: watched.certificate.sha256Fingerprint, thresholdDays, sentAt: now });
      if (!fresh) return false;
      await audit.record(trx, noticeActor(watched.accountId), {
        action: left <= 0 ? 'certificate.expired' : 'certificate.expiring',
        targetKind: watched.kind,
        targetId: watched.targetId,
        details: { subject: watched.certificate.subject, sha256Fingerprint: watched.certificate.sha256Fingerprint, notAfter: new Date(notAfter).toISOString(), daysLeft, noticeDays: thresholdDays },
      });
      // The provider's backend hears about its customers' certificates; its own signing keys are the console's business.
      if (watched.kind === 'customer') {
        const certificate = eventCertificate(watched.certificate);
        await events.record(
          trx,
          left <= 0
            ? newEvent('certificate.expired', watched.accountId, watched.targetId, { idpId: watched.targetId, ...certificate })
            : newEvent('certificate.expiring', watched.accountId, watched.targetId, { idpId: watched.targetId, ...certificate, daysLeft, noticeDays: thresholdDays }),
        );
      }
      return true;
    });
    if (sent) {
      logger.warn(
        { accountId: watched.accountId, certificateOf: watched.kind, id: watched.targetId, subject: watched.certificate.subject, notAfter: watched.certificate.notAfter, daysLeft },
        `${watched.kind === 'signing_key' ? `signing key ${watched.targetId}` : `the IdP certificate of customer ${watched.targetId}`} ${left <= 0 ? 'has expired' : `expires in ${daysLeft} day(s)`}`,
      );
    }
    return sent;
  };

  return {
    /** The job: sends every notice that is due now; returns how many were sent. */
    async sendDue(): Promise<number> {
      const now = clock.now();
      let sent = 0;
      for await (const watched of watchedCertificates()) if (await sendIfDue(watched, now)) sent++;
      return sent;
    },
  };
}

export type ExpiryNotices = ReturnType<typeof createExpiryNotices>;
