import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { lockAccount } from '../../db/repositories/accounts-repository.js';
import { listApplicationsByIds } from '../../db/repositories/applications-repository.js';
import { findCustomerByIdpId } from '../../db/repositories/customers-repository.js';
import {
  completeSetupLink,
  endOpenSetupLinks,
  findSetupLinkBySecretHash,
  insertSetupLink,
  listSetupLinks,
  recordSetupLinkUse,
  listOpenLinksWithoutCustomer,
  requestActivationThroughLink,
  revokeSetupLinks,
  withdrawActivationRequests,
  type SetupLinkRecord,
} from '../../db/repositories/setup-links-repository.js';
import type { DB } from '../../db/schema.js';
import { AppError, validationError, type FieldError } from '../../errors.js';
import type { CertificateInfo } from '../../saml/certificates.js';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import { newEvent, type SetupLinkAction } from '../events/event-data.js';
import type { EventLog } from '../events/event-log.js';
import { idpIdSchema } from '../connections/customer-schemas.js';
import type { AttributeMappingInput } from '../connections/attribute-mapping-input.js';
import type { CustomerService } from '../connections/customer-service.js';
import { acsUrlFor, spEntityIdFor } from '../connections/sp-identity.js';
import type { SigningKeyService } from '../keys/signing-key-service.js';
import type { CustomerView } from '../model.js';
import { fieldErrorsFrom } from '../validation.js';
import type { PortalSettingsService } from './portal-settings-service.js';
import { createSetupLinkInput, type CreateSetupLinkInput, type PortalIdpInput } from './setup-link-schemas.js';

/** Where the portal lives; the secret is the last path segment (see src/logger.ts redaction). */
export const SETUP_LINK_PATH = '/setup';

/** A link as the provider sees it: never its secret. */
export interface SetupLinkSummary {
  id: string;
  idpId: string;
  applications: string[] | null;
  returnUrl: string | null;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  lastUsedFrom: string | null;
  revokedAt: number | null;
  completedAt: number | null;
  contactEmail: string | null;
  /** When the customer's IT admin asked for activation (the account approves activations itself). */
  activationRequestedAt: number | null;
}

/** A link that may be used now, as the portal holds it for one request. */
export interface OpenSetupLink extends SetupLinkSummary {
  accountId: string;
  /** The account's setting: false turns the portal's Activate into "Request activation". */
  customerAdminsMayActivate: boolean;
}

/**
 * A customer that exists only as an invitation: open setup links for an idpId that has no
 * customer yet (the customer model needs IdP settings, which its IT admin has not saved).
 */
export interface InvitedCustomer {
  idpId: string;
  /** When the last of its open links expires. */
  expiresAt: number;
  /** The invited IT admin of its newest link that names one. */
  contactEmail: string | null;
  openLinks: number;
}

/** Why a link does not open: each gets its own page, so the customer's admin knows whom to ask. */
export type SetupLinkRefusal = 'unknown' | 'expired' | 'revoked';

/** One SP identity the customer's IdP must trust, as the portal shows it. */
export interface PortalSpIdentity {
  entityId: string;
  acsUrl: string;
  signingCertificates: CertificateInfo[];
  /** The metadata to download; null until the customer exists (the SP entity ID URL serves it). */
  metadataXml: string | null;
  applications: string[];
  /** The attributes its applications ask for: the targets of the portal's attribute mapping rows. */
  requiredAttributes: { name: string; required: boolean }[];
}

/** ≥ 256 bits, base64url: unguessable, and safe in a URL path. */
const SECRET_BYTES = 32;
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function hashSetupLinkSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

function summaryOf(link: SetupLinkRecord): SetupLinkSummary {
  return {
    id: link.id,
    idpId: link.idpId,
    applications: link.applications,
    returnUrl: link.returnUrl,
    createdAt: link.createdAt,
    expiresAt: link.expiresAt,
    usedAt: link.usedAt,
    lastUsedFrom: link.lastUsedFrom,
    revokedAt: link.revokedAt,
    completedAt: link.completedAt,
    contactEmail: link.contactEmail,
    activationRequestedAt: link.activationRequestedAt,
  };
}

const createInput = z.object({ idpId: idpIdSchema, body: createSetupLinkInput });

/**
 * Setup links: a time-limited URL that lets one customer's IT admin configure that customer's
 * IdP (and nothing else) in the self-service portal. Used by the API, the console and the portal.
 */
export function createSetupLinkService(deps: {
  db: Kysely<DB>;
  clock: Clock;
  audit: AuditLog;
  events: EventLog;
  customers: CustomerService;
  signingKeys: SigningKeyService;
  portalSettings: Pick<PortalSettingsService, 'getPortalSettings'>;
  publicUrl: string;
}) {
  const { db, clock, audit, customers } = deps;

  /** In the transaction of what the IT admin did: `setup_link.used` (saves record theirs in putCustomer). */
  const recordLinkUse = (trx: Kysely<DB>, link: OpenSetupLink, action: SetupLinkAction) =>
    deps.events.record(trx, newEvent('setup_link.used', link.accountId, link.idpId, { idpId: link.idpId, setupLinkId: link.id, action }));

  const portalActor = (link: OpenSetupLink, sourceIp: string): Actor => ({
    kind: 'customer-admin',
    id: link.id,
    label: `IT admin of ${link.idpId} (setup link)`,
    accountId: link.accountId,
    sourceIp,
  });

  const findCustomerView = async (link: OpenSetupLink): Promise<CustomerView | undefined> => {
    try {
      return await customers.getCustomer(link.accountId, link.idpId);
    } catch (error) {
      if (error instanceof AppError && error.code === 'CUSTOMER_NOT_FOUND') return undefined;
      throw error;
    }
  };

  /** Actions of the portal need a link that is open and not yet completed by Activate. */
  const requireUnfinished = (link: OpenSetupLink) => {
    if (link.completedAt !== null) {
      throw new AppError('PRECONDITION_FAILED', 'This connection was activated through this link; the link can no longer change it. Ask your provider for a new link.');
    }
  };

  /**
   * A link configures a connection that is not live yet. A live one is not changed through a
   * link: whoever holds the link (it is a bearer secret, mailed in clear) could otherwise point
   * the users of a working connection at another IdP.
   */
  const requireNotLive = (current: CustomerView | undefined) => {
    if (current?.enabled) {
      throw new AppError('PRECONDITION_FAILED', 'This connection is live, so it cannot be changed through a setup link. Ask your provider to change it, or to turn it off first.');
    }
  };

  return {
    /**
     * Creates a link for one customer (existing, or a new idpId whose customer the portal creates
     * not enabled). The URL, the only place the secret appears, is returned once.
     */
    async createSetupLink(actor: Actor, idpId: string, input: CreateSetupLinkInput): Promise<{ id: string; url: string; expiresAt: number }> {
      const parsed = createInput.safeParse({ idpId, body: input });
      if (!parsed.success) {
        throw validationError(fieldErrorsFrom(parsed.error).map((f) => ({ ...f, field: f.field.replace(/^body\.?/, '') || '(body)' })));
      }
      const { idpId: validIdpId, body } = parsed.data;
      if (body.applications !== undefined) {
        const known = new Set((await listApplicationsByIds(db, actor.accountId, body.applications)).map((a) => a.id));
        const unknown: FieldError[] = body.applications.flatMap((saasid, i) => (known.has(saasid) ? [] : [{ field: `applications.${i}`, message: `no application with saasid ${saasid} in this account` }]));
        if (unknown.length > 0) throw validationError(unknown);
      }
      const secret = randomBytes(SECRET_BYTES).toString('base64url');
      const now = clock.now();
      const link: SetupLinkRecord = {
        id: randomUUID(),
        accountId: actor.accountId,
        idpId: validIdpId,
        secretHash: hashSetupLinkSecret(secret),
        applications: body.applications ?? null,
        returnUrl: body.returnUrl ?? null,
        createdAt: now,
        expiresAt: now + body.expiresInMinutes * 60_000,
        revokedAt: null,
        usedAt: null,
        lastUsedFrom: null,
        completedAt: null,
        contactEmail: body.contactEmail ?? null,
        activationRequestedAt: null,
      };
      await db.transaction().execute(async (trx) => {
        if (!(await lockAccount(trx, actor.accountId))) throw new AppError('ACCOUNT_NOT_FOUND', 'The account does not exist.');
        const revoked = body.revokeOthers ? await revokeSetupLinks(trx, { accountId: actor.accountId, idpId: validIdpId }, now) : [];
        await insertSetupLink(trx, link);
        await audit.record(trx, actor, {
          action: 'setup_link.created',
          targetKind: 'customer',
          targetId: validIdpId,
          details: {
            linkId: link.id,
            expiresAt: new Date(link.expiresAt).toISOString(),
            ...(link.applications && { applications: link.applications.join(', ') }),
            ...(link.contactEmail && { contactEmail: link.contactEmail }),
            ...(revoked.length > 0 && { revokedLinks: revoked.join(', ') }),
          },
        });
      });
      return { id: link.id, url: `${deps.publicUrl}${SETUP_LINK_PATH}/${secret}`, expiresAt: link.expiresAt };
    },

    /** The customer's links, newest first. 404 when there is neither such a customer nor a link for it. */
    async listSetupLinks(accountId: string, idpId: string): Promise<SetupLinkSummary[]> {
      const validIdpId = idpIdSchema.safeParse(idpId);
      if (!validIdpId.success) throw validationError(fieldErrorsFrom(validIdpId.error).map((f) => ({ ...f, field: 'idpId' })));
      const links = await listSetupLinks(db, accountId, validIdpId.data);
      if (links.length === 0 && !(await findCustomerByIdpId(db, accountId, validIdpId.data))) {
        throw new AppError('CUSTOMER_NOT_FOUND', `No customer with idpId "${idpId}" in this account.`);
      }
      return links.map(summaryOf);
    },

    /** Revokes one link at once: its next request is refused. Revoking a revoked link changes nothing. */
    async revokeSetupLink(actor: Actor, idpId: string, linkId: string): Promise<void> {
      const validIdpId = idpIdSchema.safeParse(idpId);
      const links = validIdpId.success ? await listSetupLinks(db, actor.accountId, validIdpId.data) : [];
      const link = links.find((l) => l.id === linkId);
      if (!validIdpId.success || !link) throw new AppError('SETUP_LINK_NOT_FOUND', `Customer "${idpId}" has no setup link with id ${linkId}.`);
      await db.transaction().execute(async (trx) => {
        const revoked = await revokeSetupLinks(trx, { accountId: actor.accountId, idpId: link.idpId, id: link.id }, clock.now());
        if (revoked.length > 0) await audit.record(trx, actor, { action: 'setup_link.revoked', targetKind: 'customer', targetId: link.idpId, details: { linkId: link.id } });
      });
    },

    /**
     * Opens a link for one portal request: refused when unknown (or tampered with), expired or
     * revoked — checked on every request, so the portal's access ends with the link. Records the
     * use, auditing the first use and every new address it comes from.
     */
    async openSetupLink(secret: string, sourceIp: string): Promise<{ ok: true; link: OpenSetupLink } | { ok: false; refusal: SetupLinkRefusal }> {
      if (!SECRET_SHAPE.test(secret)) return { ok: false, refusal: 'unknown' };
      const found = await findSetupLinkBySecretHash(db, hashSetupLinkSecret(secret));
      if (!found) return { ok: false, refusal: 'unknown' };
      if (found.revokedAt !== null) return { ok: false, refusal: 'revoked' };
      const now = clock.now();
      if (found.expiresAt <= now) return { ok: false, refusal: 'expired' };
      const { customerAdminsMayActivate } = await deps.portalSettings.getPortalSettings(found.accountId);
      const link: OpenSetupLink = { ...summaryOf(found), accountId: found.accountId, customerAdminsMayActivate };
      if (found.lastUsedFrom !== sourceIp) {
        const first = found.usedAt === null;
        await db.transaction().execute(async (trx) => {
          await recordSetupLinkUse(trx, found.id, { at: now, from: sourceIp, first });
          await audit.record(trx, portalActor(link, sourceIp), {
            action: 'setup_link.used',
            targetKind: 'customer',
            targetId: found.idpId,
            details: { linkId: found.id, firstUse: first },
          });
        });
        link.usedAt = found.usedAt ?? now;
        link.lastUsedFrom = sourceIp;
      }
      return { ok: true, link };
    },

    /** The customer as it is now, or undefined while its IdP has not been saved. */
    customerOf: findCustomerView,

    /** "Our details": the SP identities the customer's IdP must trust. */
    async spIdentities(link: OpenSetupLink): Promise<PortalSpIdentity[]> {
      if (await findCustomerView(link)) {
        const configurations = await customers.idpConfiguration(link.accountId, link.idpId);
        return configurations.map((c) => ({
          entityId: c.entityId,
          acsUrl: c.acsUrl,
          signingCertificates: c.signingCertificates,
          metadataXml: c.metadataXml,
          applications: c.applications,
          requiredAttributes: c.requiredAttributes,
        }));
      }
      // Not created yet: its connections will be multiplexed (putCustomer's default), so the shared identity.
      return [
        {
          entityId: spEntityIdFor(deps.publicUrl, link.accountId, null),
          acsUrl: acsUrlFor(deps.publicUrl, null),
          signingCertificates: await deps.signingKeys.publishedCertificates(link.accountId),
          metadataXml: null,
          applications: link.applications ?? [],
          // The mapping is edited once the customer exists (its applications known by then).
          requiredAttributes: [],
        },
      ];
    },

    /**
     * Saves the customer's IdP through putCustomer, so metadata (inline or fetched through the
     * SSRF-guarded fetcher) and fields obey exactly the API's rules. Creates the customer, not
     * enabled, when the link is for a new idpId; keeps an existing customer's other settings.
     */
    async saveIdentityProvider(link: OpenSetupLink, sourceIp: string, idp: PortalIdpInput): Promise<CustomerView> {
      requireUnfinished(link);
      const current = await findCustomerView(link);
      requireNotLive(current);
      // The invited IT admin becomes the new customer's contact; an existing customer keeps its own.
      const contactEmail = current ? current.contactEmail : link.contactEmail;
      const { customer } = await customers.putCustomer(portalActor(link, sourceIp), link.idpId, {
        ...idp,
        enabled: current?.enabled ?? false,
        emailDomains: current?.emailDomains ?? [],
        ...(contactEmail && { contactEmail }),
        ...(link.applications && { applications: link.applications }),
      }, { setupLinkAction: 'identity_provider_saved' });
      await withdrawActivationRequests(db, link);
      return customer;
    },

    /**
     * Saves the attribute mapping through putCustomer, keeping everything else: the IdP as it is
     * stored (by metadata URL when it was configured so, re-read like the console's edit form does),
     * enabled, domains and contact. Only once the customer exists, and only before Activate.
     */
    async saveAttributeMapping(link: OpenSetupLink, sourceIp: string, attributeMapping: AttributeMappingInput): Promise<CustomerView> {
      requireUnfinished(link);
      const current = await findCustomerView(link);
      if (!current) throw validationError([{ field: 'attributeMapping', message: 'Save your identity provider first.' }]);
      requireNotLive(current);
      const idp = current.metadataUrl
        ? { metadataUrl: current.metadataUrl }
        : {
            entityId: current.entityId,
            ssoUrl: current.ssoUrl,
            ssoBinding: current.ssoBinding,
            certificates: current.certificates.map((c) => c.pem),
            ...(current.slo && { sloUrl: current.slo.url, sloBinding: current.slo.binding, ...(current.slo.responseUrl !== null && { sloResponseUrl: current.slo.responseUrl }) }),
          };
      const { customer } = await customers.putCustomer(portalActor(link, sourceIp), link.idpId, {
        ...idp,
        enabled: current.enabled,
        emailDomains: current.emailDomains,
        ...(current.contactEmail !== null && { contactEmail: current.contactEmail }),
        attributeMapping,
      }, { setupLinkAction: 'attribute_mapping_saved' });
      await withdrawActivationRequests(db, link);
      return customer;
    },

    /**
     * Activate: enables the connection and completes the link, after which the link can only
     * show the result (a replayed form changes nothing). When the account approves activations
     * itself, only records and audits the request: the customer stays not enabled until the
     * provider enables it in the console.
     */
    async activate(link: OpenSetupLink, sourceIp: string): Promise<'activated' | 'requested'> {
      requireUnfinished(link);
      const current = await findCustomerView(link);
      if (!current) throw validationError([{ field: 'activate', message: 'Save your identity provider first.' }]);
      requireNotLive(current);
      if (!link.customerAdminsMayActivate) {
        await db.transaction().execute(async (trx) => {
          if (await requestActivationThroughLink(trx, link.id, clock.now())) {
            await audit.record(trx, portalActor(link, sourceIp), { action: 'setup_link.activation_requested', targetKind: 'customer', targetId: link.idpId, details: { linkId: link.id } });
            await recordLinkUse(trx, link, 'activation_requested');
          }
        });
        return 'requested';
      }
      // The link is completed first, and only if it is still open (not revoked meanwhile), with the
      // customer's other open links: one Activate, and none left to re-enable it after the provider
      // turns it off.
      const completed = await db.transaction().execute(async (trx) => {
        if (!(await completeSetupLink(trx, link.id, clock.now()))) return false;
        await endOpenSetupLinks(trx, link, 'completed', clock.now());
        await audit.record(trx, portalActor(link, sourceIp), { action: 'setup_link.completed', targetKind: 'customer', targetId: link.idpId, details: { linkId: link.id } });
        await recordLinkUse(trx, link, 'activated');
        return true;
      });
      if (!completed) throw new AppError('PRECONDITION_FAILED', 'This setup link was revoked or already used. Ask your provider for a new link.');
      await customers.setCustomerEnabled(portalActor(link, sourceIp), link.idpId, true);
      return 'activated';
    },

    /** Customers invited by a setup link whose IT admin has not saved an IdP yet, one per idpId. */
    async listInvitedCustomers(accountId: string): Promise<InvitedCustomer[]> {
      const invited = new Map<string, InvitedCustomer>();
      for (const link of await listOpenLinksWithoutCustomer(db, accountId, clock.now())) {
        const seen = invited.get(link.idpId);
        if (!seen) invited.set(link.idpId, { idpId: link.idpId, expiresAt: link.expiresAt, contactEmail: link.contactEmail, openLinks: 1 });
        else invited.set(link.idpId, { ...seen, expiresAt: Math.max(seen.expiresAt, link.expiresAt), contactEmail: seen.contactEmail ?? link.contactEmail, openLinks: seen.openLinks + 1 });
      }
      return [...invited.values()];
    },

    /** The pending "Request activation" of the customer's IT admin, if any (newest open request). */
    async activationRequestOf(accountId: string, idpId: string): Promise<{ at: number; linkId: string } | undefined> {
      const links = await listSetupLinks(db, accountId, idpId);
      for (const link of links) {
        if (link.activationRequestedAt !== null && link.revokedAt === null) return { at: link.activationRequestedAt, linkId: link.id };
      }
      return undefined;
    },
  };
}

export type SetupLinkService = ReturnType<typeof createSetupLinkService>;
