import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { listApplicationsByIds } from '../../db/repositories/applications-repository.js';
import { findSetupLinkBySecretHash, type SetupLinkRecord } from '../../db/repositories/setup-links-repository.js';
import type { DB } from '../../db/schema.js';
import { AppError, type FieldError } from '../../errors.js';
import type { Mailer } from '../../mail/smtp-mailer.js';
import type { Actor } from '../actor.js';
import type { AccountService } from '../accounts/account-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import { idpIdSchema, MAX_APPLICATIONS_PER_PUT, normalizeIdpId } from '../connections/customer-schemas.js';
import type { CustomerService } from '../connections/customer-service.js';
import { hashSetupLinkSecret, SETUP_LINK_PATH, type SetupLinkService } from '../setup-links/setup-link-service.js';
import { parseInput } from '../validation.js';
import { composeInvitationMessage, type InvitationMessage } from './invitation-message.js';

const recipientSchema = z.email({ error: 'must be an email address' }).max(254, 'must be at most 254 characters long');

/** "Create Connection": the applications to connect, the customer's IT admin ("Customer Email") and the idpId ("Customer ID"). */
export const createInvitationInput = z.strictObject({
  email: recipientSchema,
  idpId: idpIdSchema,
  applications: z
    .array(z.uuid({ error: 'must be a saasid (UUID)' }), { error: 'must be a list of saasids' })
    .min(1, 'pick at least one application')
    .max(MAX_APPLICATIONS_PER_PUT, `must have at most ${MAX_APPLICATIONS_PER_PUT} items`),
});
export type CreateInvitationInput = z.input<typeof createInvitationInput>;

/** "Send E-Mail": the invitation as the console holds it between the two steps (the link is checked again). */
export const sendInvitationInput = z.strictObject({ email: recipientSchema, idpId: idpIdSchema, url: z.string().max(2048) });
export type SendInvitationInput = z.input<typeof sendInvitationInput>;

export interface Invitation {
  email: string;
  idpId: string;
  /** The setup link: its secret is in it, so it is shown to the admin and mailed, never stored or logged. */
  url: string;
  expiresAt: number;
  message: InvitationMessage;
}

/**
 * Customer Email Invitation (PingOne's Customer Connections › Adding Connections): a setup link
 * for the picked applications, made through the setup link service so its rules and audit apply,
 * and a message carrying it, mailed through the configured mailer or copied by the admin.
 */
export function createCustomerInvitationService(deps: {
  db: Kysely<DB>;
  clock: Clock;
  audit: AuditLog;
  accounts: Pick<AccountService, 'getAccount'>;
  customers: Pick<CustomerService, 'getCustomer'>;
  setupLinks: Pick<SetupLinkService, 'createSetupLink'>;
  /** Undefined when no mail server is configured: invitations are then copied, not sent. */
  mailer: Mailer | undefined;
  publicUrl: string;
}) {
  const { db, clock, audit } = deps;
  const linkPrefix = `${deps.publicUrl}${SETUP_LINK_PATH}/`;

  const messageFor = async (accountId: string, idpId: string, link: { url: string; expiresAt: number; applications: string[] }): Promise<InvitationMessage> => {
    const [account, apps] = await Promise.all([deps.accounts.getAccount(accountId), listApplicationsByIds(db, accountId, link.applications)]);
    const names = new Map(apps.map((a) => [a.id, a.name]));
    return composeInvitationMessage({ accountName: account.name, idpId, applicationNames: link.applications.map((id) => names.get(id) ?? id), url: link.url, expiresAt: link.expiresAt });
  };

  /** The customer's connected saasids, or none while the customer does not exist yet. */
  const connectedApplications = async (accountId: string, idpId: string): Promise<Set<string>> => {
    try {
      return new Set((await deps.customers.getCustomer(accountId, idpId)).applications.map((a) => a.saasid));
    } catch (error) {
      if (error instanceof AppError && error.code === 'CUSTOMER_NOT_FOUND') return new Set();
      throw error;
    }
  };

  /** The link behind an invitation's URL, if it is still this account's open link for this customer. */
  const openLinkOf = async (accountId: string, idpId: string, url: string): Promise<SetupLinkRecord | undefined> => {
    if (!url.startsWith(linkPrefix)) return undefined;
    const link = await findSetupLinkBySecretHash(db, hashSetupLinkSecret(url.slice(linkPrefix.length)));
    const open = link && link.accountId === accountId && link.idpId === normalizeIdpId(idpId) && link.revokedAt === null && link.expiresAt > clock.now();
    return open ? link : undefined;
  };

  /**
   * The invitation again, from what the console holds between its two steps, after checking
   * that its link is still this customer's open link (so no form can make us mail other text).
   */
  const describeInvitation = async (actor: Actor, input: SendInvitationInput): Promise<Invitation & { linkId: string }> => {
    const valid = parseInput(sendInvitationInput, input);
    const link = await openLinkOf(actor.accountId, valid.idpId, valid.url);
    if (!link) throw new AppError('SETUP_LINK_NOT_FOUND', "This invitation's setup link has expired or was revoked. Create a new invitation.");
    const message = await messageFor(actor.accountId, link.idpId, { url: valid.url, expiresAt: link.expiresAt, applications: link.applications ?? [] });
    return { email: valid.email, idpId: link.idpId, url: valid.url, expiresAt: link.expiresAt, message, linkId: link.id };
  };

  return {
    /** Whether "Send E-Mail" can work here (SMTP_URL and SMTP_FROM are set). */
    canSend: deps.mailer !== undefined,

    /**
     * "Create Connection": a setup link for the applications, whose portal creates the customer
     * (not enabled) when its IT admin saves their IdP. For an existing customer only applications
     * it is not connected to yet may be picked [K-addexisting]; nothing is created otherwise.
     */
    async createInvitation(actor: Actor, input: CreateInvitationInput): Promise<Invitation> {
      const valid = parseInput(createInvitationInput, input);
      const connected = await connectedApplications(actor.accountId, valid.idpId);
      const already: FieldError[] = valid.applications.flatMap((saasid, i) => (connected.has(saasid) ? [{ field: `applications.${i}`, message: 'is already connected to this customer' }] : []));
      if (already.length > 0) {
        throw new AppError(
          'APPLICATION_ALREADY_CONNECTED',
          `Customer "${valid.idpId}" is already connected to ${already.length === 1 ? 'one of the applications' : `${already.length} of the applications`} you picked. Pick only applications it is not connected to yet; nothing was created.`,
          { fields: already },
        );
      }
      const link = await deps.setupLinks.createSetupLink(actor, valid.idpId, { applications: valid.applications, contactEmail: valid.email });
      const message = await messageFor(actor.accountId, valid.idpId, { ...link, applications: valid.applications });
      return { email: valid.email, idpId: valid.idpId, url: link.url, expiresAt: link.expiresAt, message };
    },

    describeInvitation,

    /** "Send E-Mail": mails the invitation to the customer's IT admin; audited with the recipient, never the link's secret. */
    async sendInvitation(actor: Actor, input: SendInvitationInput): Promise<Invitation> {
      const invitation = await describeInvitation(actor, input);
      if (!deps.mailer) throw new AppError('MAIL_NOT_CONFIGURED', 'No mail server is configured: set SMTP_URL and SMTP_FROM, or copy the message text and send it yourself.');
      await deps.mailer.send({ to: invitation.email, subject: invitation.message.subject, text: invitation.message.text });
      await db.transaction().execute((trx) =>
        audit.record(trx, actor, { action: 'customer_invitation.sent', targetKind: 'customer', targetId: invitation.idpId, details: { recipient: invitation.email, linkId: invitation.linkId } }),
      );
      return invitation;
    },
  };
}

export type CustomerInvitationService = ReturnType<typeof createCustomerInvitationService>;
