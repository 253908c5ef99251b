import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import { endOpenSetupLinks } from '../../db/repositories/setup-links-repository.js';
import { findTestIdpIdpId } from '../../db/repositories/test-idp-repository.js';
import { findDefaultCustomerId, lockAccount, setDefaultCustomerId } from '../../db/repositories/accounts-repository.js';
import { listApplications, listApplicationsByIds } from '../../db/repositories/applications-repository.js';
import {
  deleteAppConnection,
  deleteCustomer,
  findCustomerByEntityId,
  findCustomerByIdpId,
  findCustomerIdpIdsByIds,
  findDomainOwners,
  insertAppConnection,
  insertCustomer,
  listAppConnections,
  listCustomers,
  listAppConnectionsWithApplications,
  replaceEmailDomains,
  setAppConnectionMultiplexed,
  updateCustomer,
  type CustomerRecord,
} from '../../db/repositories/customers-repository.js';
import { AppError, validationError, type FieldError } from '../../errors.js';
import { CertificateParseError, parseCertificate, type CertificateInfo } from '../../saml/certificates.js';
import { MetadataError, parseIdpMetadata, type IdpMetadata } from '../../saml/idp-metadata.js';
import { buildSpMetadata } from '../../saml/sp-metadata.js';
import type { Actor } from '../actor.js';
import { toApplication } from '../applications/application-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import { eventCertificate, newEvent, type ConnectionEventData, type SetupLinkAction } from '../events/event-data.js';
import type { EventLog } from '../events/event-log.js';
import type { SigningKeyService } from '../keys/signing-key-service.js';
import type { Application, CustomerView, IdpSettings } from '../model.js';
import { SECURE_URL_RULE, secureUrlSchema } from '../url-rules.js';
import { fieldErrorsFrom, parseInput } from '../validation.js';
import { idpIdSchema, listCustomersInput, normalizeIdpId, putCustomerInput, type ListCustomersInput, type PutCustomerInput } from './customer-schemas.js';
import type { CustomerViewCache } from './customer-view-cache.js';
import type { MetadataFetcher } from './metadata-fetcher.js';
import { checkConnectionMultiplexing } from './multiplexing.js';
import { NO_ATTRIBUTE_MAPPING, type AttributeMapping } from './attribute-mapping.js';
import { resolveAttributeMapping } from './attribute-mapping-input.js';
import { readMetadataRefreshStatus } from './metadata-refresh-status.js';
import { acsUrlFor, spEntityIdFor } from './sp-identity.js';
import { certificateWarnings, type CertificateWarning } from './certificate-expiry.js';

export interface CustomerSummary {
  idpId: string;
  entityId: string;
  enabled: boolean;
  applications: string[];
  createdAt: number;
  updatedAt: number;
}

export interface CustomerPage {
  customers: CustomerSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** One SP identity the customer's IdP must know, and the apps it serves. */
export interface IdpConfiguration {
  multiplexed: boolean;
  applications: string[];
  entityId: string;
  acsUrl: string;
  acsBinding: 'post';
  signingCertificates: CertificateInfo[];
  requiredAttributes: { name: string; required: boolean }[];
  metadataXml: string;
  /** Where the IdP can fetch this SP's metadata by itself: the entity ID URL answers with it (public). */
  spMetadataUrl: string;
}

export interface PutCustomerOptions {
  /** Create only: fail with CUSTOMER_EXISTS, changing nothing, when the idpId is taken (the API's `If-None-Match: *`). */
  createOnly?: boolean;
  /**
   * Update only the version that was read (its updatedAt): fail with CUSTOMER_CONFLICT, changing
   * nothing, when the customer changed meanwhile. The scheduled metadata refresh re-sends the
   * fields it read before a fetch that can take seconds; without this it would put back what an
   * admin changed during the fetch (a connection just disabled would be enabled again).
   */
  ifUnmodifiedSince?: number;
  /** What a customer's IT admin saved through a setup link (actor `customer-admin`): named by the `setup_link.used` event. */
  setupLinkAction?: Extract<SetupLinkAction, 'identity_provider_saved' | 'attribute_mapping_saved'>;
}

export const CUSTOMER_PAGE_MAX = 200;

export function encodeCursor(idpId: string): string {
  return Buffer.from(JSON.stringify({ after: idpId })).toString('base64url');
}

export function decodeCursor(cursor: string): string | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null && 'after' in value && typeof value.after === 'string') return value.after;
  } catch {
    // not one of ours
  }
  return undefined;
}

// Schemas are built once: zod compiles each object schema on first use, which is costly per request.
const idpIdInput = z.object({ idpId: idpIdSchema });
const parseIdpId = (idpId: string) => parseInput(idpIdInput, { idpId }).idpId;

/**
 * Inside a change's transaction: the connection's events (docs/events.md). `updated` for every
 * change to an existing connection, `created` for a new one, then `activated` when it went from
 * not enabled (or absent) to enabled, whoever turned it on.
 */
async function recordConnectionEvents(trx: Kysely<DB>, events: EventLog, actor: Actor, record: CustomerRecord, wasEnabled: boolean | undefined): Promise<void> {
  const saasids = (await listAppConnections(trx, [record.id])).map((c) => c.applicationId).sort();
  const data: ConnectionEventData = {
    idpId: record.idpId,
    entityId: record.entityId,
    enabled: record.enabled,
    saasids,
    certificates: record.settings.certificates.map(eventCertificate),
    metadataUrl: record.settings.metadataUrl,
    changedBy: actor.kind,
    setupLinkId: actor.kind === 'customer-admin' ? actor.id : null,
  };
  await events.record(trx, newEvent(wasEnabled === undefined ? 'connection.created' : 'connection.updated', actor.accountId, record.idpId, data));
  if (record.enabled && wasEnabled !== true) await events.record(trx, newEvent('connection.activated', actor.accountId, record.idpId, data));
}

/**
 * Setup links configure a connection before it goes live. When the provider (not the customer's
 * IT admin through a link) turns the connection on, its open links are completed (an approval:
 * what was approved can no longer be changed through them); when it turns it off, they are revoked
 * (a suspended connection must not be re-enabled through one).
 */
async function endSetupLinksWhenProviderSwitches(trx: Kysely<DB>, actor: Actor, idpId: string, wasEnabled: boolean, isEnabled: boolean, now: number): Promise<void> {
  if (actor.kind === 'customer-admin' || wasEnabled === isEnabled) return;
  await endOpenSetupLinks(trx, { accountId: actor.accountId, idpId }, isEnabled ? 'completed' : 'revoked', now);
}

export function createCustomerService(deps: {
  db: Kysely<DB>;
  clock: Clock;
  audit: AuditLog;
  events: EventLog;
  signingKeys: SigningKeyService;
  fetchMetadata: MetadataFetcher;
  publicUrl: string;
  views: CustomerViewCache;
}) {
  const { db, clock, audit, events, views } = deps;

  /** Runs a change to an account's customers, announcing it so every instance drops its cached views. */
  const commitChange = async <T>(accountId: string, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> => {
    const result = await db.transaction().execute(async (trx) => {
      const value = await work(trx);
      await views.announceChange(trx, accountId);
      return value;
    });
    views.drop(accountId);
    return result;
  };

  const customerNotFound = (idpId: string) => new AppError('CUSTOMER_NOT_FOUND', `No customer with idpId "${idpId}" in this account.`);
  const customerExists = (idpId: string) =>
    new AppError('CUSTOMER_EXISTS', `A customer with idpId "${idpId}" already exists; nothing was changed.`, { fields: [{ field: 'idpId', message: 'is already used by another customer connection' }] });

  /** The IdP half of a PUT: from metadata (inline or fetched — before any transaction) or from fields. */
  const resolveIdp = async (valid: z.output<typeof putCustomerInput>): Promise<{ entityId: string; settings: Omit<IdpSettings, 'attributeMapping'> }> => {
    let metadata: IdpMetadata | undefined;
    if (valid.metadataXml !== undefined || valid.metadataUrl !== undefined) {
      const xml = valid.metadataXml ?? (await deps.fetchMetadata(valid.metadataUrl!));
      const field = valid.metadataXml !== undefined ? 'metadataXml' : 'metadataUrl';
      const invalid = (message: string) => new AppError('METADATA_INVALID', message, { fields: [{ field, message }] });
      try {
        metadata = parseIdpMetadata(xml);
      } catch (error) {
        if (error instanceof MetadataError) throw invalid(error.message);
        throw error;
      }
      // Endpoints from metadata obey the same rules as the same fields given directly.
      for (const [name, url] of [['SingleSignOnService', metadata.ssoUrl], ['SingleLogoutService', metadata.slo?.url], ['SingleLogoutService ResponseLocation', metadata.slo?.responseUrl]] as const) {
        if (url !== undefined && !secureUrlSchema.safeParse(url).success) {
          throw invalid(`The metadata's ${name} location must be ${SECURE_URL_RULE}.`);
        }
      }
    }
    const certificates =
      metadata?.certificates ??
      valid.certificates!.map((pem, i) => {
        try {
          return parseCertificate(pem);
        } catch (error) {
          if (error instanceof CertificateParseError) throw validationError([{ field: `certificates.${i}`, message: error.message }]);
          throw error;
        }
      });
    const slo = metadata
      ? metadata.slo && { url: metadata.slo.url, responseUrl: metadata.slo.responseUrl ?? null, binding: metadata.slo.binding }
      : valid.sloUrl && valid.sloBinding
        ? { url: valid.sloUrl, responseUrl: valid.sloResponseUrl ?? null, binding: valid.sloBinding }
        : null;
    return {
      entityId: metadata?.entityId ?? valid.entityId!,
      // Fixed key order: the stored JSON doubles as the "did anything change" comparison.
      settings: {
        ssoUrl: metadata?.ssoUrl ?? valid.ssoUrl!,
        ssoBinding: metadata?.ssoBinding ?? valid.ssoBinding ?? 'redirect',
        certificates,
        slo: slo ?? null,
        contactEmail: valid.contactEmail ?? null,
        metadataUrl: valid.metadataUrl ?? null,
        emailDomains: [...valid.emailDomains].sort(),
      },
    };
  };

  /** The mapping a PUT stores: the one given, else (omitted) the customer's current one, so older clients keep it. */
  const attributeMappingFor = (valid: z.output<typeof putCustomerInput>, existing: CustomerRecord | undefined): AttributeMapping =>
    valid.attributeMapping ? resolveAttributeMapping(valid.attributeMapping) : (existing?.settings.attributeMapping ?? NO_ATTRIBUTE_MAPPING);

  /** Which app connections the PUT asks for, checked against the account's applications. */
  const resolveConnections = async (accountId: string, valid: z.output<typeof putCustomerInput>, isNew: boolean) => {
    const refs =
      valid.applications === undefined
        ? isNew
          ? (await listApplications(db, accountId)).filter((a) => a.enabled).map((a) => ({ saasid: a.id, multiplexed: valid.multiplexed }))
          : []
        : valid.applications.map((ref) =>
            typeof ref === 'string' ? { saasid: ref, multiplexed: valid.multiplexed } : { saasid: ref.saasid, multiplexed: ref.multiplexed ?? valid.multiplexed },
          );
    const apps = new Map((await listApplicationsByIds(db, accountId, refs.map((r) => r.saasid))).map((a) => [a.id, toApplication(a)]));
    const unknown: FieldError[] = [];
    refs.forEach((ref, i) => {
      if (!apps.has(ref.saasid)) unknown.push({ field: `applications.${i}`, message: `no application with saasid ${ref.saasid} in this account` });
    });
    if (unknown.length > 0) throw new AppError('APPLICATION_NOT_FOUND', 'An application in the list does not exist in this account.', { fields: unknown });
    refs.forEach((ref, i) => checkConnectionMultiplexing(apps.get(ref.saasid)!, ref.multiplexed, `applications.${i}.multiplexed`));
    return refs;
  };

  /** Two indexed reads: the customer row (settings included) and its connections with their apps. */
  const view = async (record: CustomerRecord): Promise<CustomerView> => {
    const connections = await listAppConnectionsWithApplications(db, record.id);
    return {
      idpId: record.idpId,
      entityId: record.entityId,
      enabled: record.enabled,
      idpInitiatedLogin: record.idpInitiatedLogin,
      isDefault: (await findDefaultCustomerId(db, record.accountId)) === record.id,
      // The built-in test connection: its idpId, and the test IdP's entity ID (an idpId can be reused by a real customer).
      testIdp: record.entityId === `${deps.publicUrl}/sso/test-idp/${record.accountId}` && (await findTestIdpIdpId(db, record.accountId)) === record.idpId,
      ...record.settings,
      applications: connections.map((c) => ({ saasid: c.applicationId, name: c.name, kind: c.kind, multiplexed: c.multiplexed, connectedAt: c.createdAt })),
      metadataRefresh: await readMetadataRefreshStatus(db, record.id, record.settings.metadataUrl),
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
  };

  const requireCustomer = async (accountId: string, idpId: string) => {
    const record = await findCustomerByIdpId(db, accountId, parseIdpId(idpId));
    if (!record) throw customerNotFound(idpId);
    return record;
  };

  return {
    /**
     * Creates the customer or replaces its IdP settings, and adds or updates the listed app
     * connections (never a duplicate); with `removeUnlistedApplications`, also removes the
     * connections not listed. With `createOnly`, an existing customer is left as it is and the
     * call fails with CUSTOMER_EXISTS. One transaction, one audit event; a PUT that would change
     * nothing writes nothing.
     */
    async putCustomer(actor: Actor, idpId: string, input: PutCustomerInput, options: PutCustomerOptions = {}): Promise<{ created: boolean; customer: CustomerView; warnings: CertificateWarning[] }> {
      // Both checked before either fails, so every problem is reported at once.
      const idpCheck = idpIdInput.safeParse({ idpId });
      const bodyCheck = putCustomerInput.safeParse(input);
      if (!idpCheck.success || !bodyCheck.success) {
        throw validationError([...(idpCheck.success ? [] : fieldErrorsFrom(idpCheck.error)), ...(bodyCheck.success ? [] : fieldErrorsFrom(bodyCheck.error))]);
      }
      const validIdpId = idpCheck.data.idpId;
      const valid = bodyCheck.data;
      const createOnly = options.createOnly === true;
      const idp = await resolveIdp(valid);
      const current = await findCustomerByIdpId(db, actor.accountId, validIdpId);
      const settings: IdpSettings = { ...idp.settings, attributeMapping: attributeMappingFor(valid, current) };
      const certificateField = valid.metadataXml !== undefined ? () => 'metadataXml' : valid.metadataUrl !== undefined ? () => 'metadataUrl' : (i: number) => `certificates.${i}`;
      const warnings = certificateWarnings(settings.certificates, clock.now(), certificateField);
      const wanted = await resolveConnections(actor.accountId, valid, current === undefined);
      const domains = [...valid.emailDomains].sort();

      // Whether it exists is decided inside the transaction below, not by this read.
      if (current && !createOnly) {
        const existing = new Map((await listAppConnections(db, [current.id])).map((c) => [c.applicationId, c]));
        const unchanged =
          current.entityId === idp.entityId &&
          current.enabled === valid.enabled &&
          (valid.idpInitiatedLogin === undefined || current.idpInitiatedLogin === valid.idpInitiatedLogin) &&
          isDeepStrictEqual(current.settings, settings) &&
          wanted.every((w) => existing.get(w.saasid)?.multiplexed === w.multiplexed) &&
          (!valid.removeUnlistedApplications || existing.size === wanted.length);
        if (unchanged) return { created: false, customer: await view(current), warnings };
      }

      const now = clock.now();
      const result = await commitChange(actor.accountId, async (trx) => {
        if (!(await lockAccount(trx, actor.accountId))) throw new AppError('ACCOUNT_NOT_FOUND', 'The account does not exist.');
        // Re-read under the lock: a racing PUT of the same idpId may have created it meanwhile.
        const before = await findCustomerByIdpId(trx, actor.accountId, validIdpId);
        if (before && createOnly) throw customerExists(validIdpId);
        if (options.ifUnmodifiedSince !== undefined && before?.updatedAt !== options.ifUnmodifiedSince) {
          throw new AppError('CUSTOMER_CONFLICT', `Customer "${validIdpId}" changed while this update was prepared; nothing was changed.`);
        }
        const record: CustomerRecord = {
          id: before?.id ?? randomUUID(),
          accountId: actor.accountId,
          idpId: validIdpId,
          entityId: idp.entityId,
          enabled: valid.enabled,
          idpInitiatedLogin: valid.idpInitiatedLogin ?? before?.idpInitiatedLogin ?? true,
          settings: { ...idp.settings, attributeMapping: attributeMappingFor(valid, before) },
          createdAt: before?.createdAt ?? now,
          // Later than the version it replaces even within one millisecond: whoever notices changes
          // by updatedAt (the metadata refresh schedule) sees every one.
          updatedAt: before ? Math.max(now, before.updatedAt + 1) : now,
        };
        const sameIdp = await findCustomerByEntityId(trx, actor.accountId, record.entityId);
        if (sameIdp && sameIdp.id !== record.id) {
          throw new AppError('CUSTOMER_CONFLICT', `Customer "${sameIdp.idpId}" already uses this IdP entity ID.`, {
            fields: [{ field: valid.metadataXml !== undefined ? 'metadataXml' : valid.metadataUrl !== undefined ? 'metadataUrl' : 'entityId', message: `is already the IdP of customer "${sameIdp.idpId}"` }],
          });
        }
        const taken = (await findDomainOwners(trx, actor.accountId, domains)).filter((o) => o.customerId !== record.id);
        if (taken.length > 0) {
          const owners = await findCustomerIdpIdsByIds(trx, taken.map((t) => t.customerId));
          throw new AppError('CUSTOMER_CONFLICT', 'An email domain is already routed to another customer.', {
            fields: taken.map((t) => ({ field: `emailDomains.${valid.emailDomains.indexOf(t.domain)}`, message: `${t.domain} already belongs to customer "${owners.get(t.customerId) ?? '?'}"` })),
          });
        }
        if (before) await updateCustomer(trx, record);
        // The unique (account, idpId) constraint has the last word on "does it exist".
        else if (!(await insertCustomer(trx, record))) throw customerExists(validIdpId);
        await endSetupLinksWhenProviderSwitches(trx, actor, validIdpId, before?.enabled ?? false, record.enabled, now);
        await replaceEmailDomains(trx, actor.accountId, record.id, domains);
        const connections = await setAppConnections(trx, actor.accountId, record.id, wanted, { removeUnlisted: valid.removeUnlistedApplications, now });
        await recordConnectionEvents(trx, events, actor, record, before?.enabled);
        if (actor.kind === 'customer-admin') {
          await events.record(trx, newEvent('setup_link.used', actor.accountId, validIdpId, { idpId: validIdpId, setupLinkId: actor.id, action: options.setupLinkAction ?? 'identity_provider_saved' }));
        }
        await audit.record(trx, actor, {
          action: before ? 'customer.updated' : 'customer.created',
          targetKind: 'customer',
          targetId: validIdpId,
          details: {
            entityId: idp.entityId,
            enabled: valid.enabled,
            idpInitiatedLogin: record.idpInitiatedLogin,
            ...(connections.added.length > 0 && { applicationsAdded: connections.added.join(', ') }),
            ...(connections.removed.length > 0 && { applicationsRemoved: connections.removed.join(', ') }),
          },
        });
        return { created: !before, record };
      });
      return { created: result.created, customer: await view(result.record), warnings };
    },

    /** Served from the view cache when this instance has read it since the account last changed. */
    async getCustomer(accountId: string, idpId: string): Promise<CustomerView> {
      const cached = views.get(accountId, normalizeIdpId(idpId));
      if (cached) return cached;
      const generation = views.generation();
      const result = await view(await requireCustomer(accountId, idpId));
      views.remember(generation, accountId, result);
      return result;
    },

    /** One account's customers in idpId order (keyset pagination: every page costs the same). */
    async listCustomers(accountId: string, input: ListCustomersInput): Promise<CustomerPage> {
      const valid = parseInput(listCustomersInput, input);
      const after = valid.cursor === undefined ? undefined : decodeCursor(valid.cursor);
      if (valid.cursor !== undefined && after === undefined) throw validationError([{ field: 'cursor', message: 'is not a cursor returned by this API' }]);
      const rows = await listCustomers(db, accountId, { afterIdpId: after, limit: valid.limit + 1, saasid: valid.saasid, enabled: valid.enabled, search: valid.q });
      const shown = rows.slice(0, valid.limit);
      const connections = await listAppConnections(db, shown.map((r) => r.id));
      const last = shown.at(-1);
      return {
        customers: shown.map((r) => ({
          idpId: r.idpId,
          entityId: r.entityId,
          enabled: r.enabled,
          applications: connections.filter((c) => c.customerId === r.id).map((c) => c.applicationId),
          createdAt: r.createdAt,
          updatedAt: r.updatedAt,
        })),
        nextCursor: rows.length > valid.limit && last ? encodeCursor(last.idpId) : null,
      };
    },

    /** Makes this customer the account's default IdP (or stops it being the default). */
    async setDefaultIdp(actor: Actor, idpId: string, isDefault: boolean): Promise<CustomerView> {
      const record = await requireCustomer(actor.accountId, idpId);
      await commitChange(actor.accountId, async (trx) => {
        const current = await findDefaultCustomerId(trx, actor.accountId);
        if (isDefault) await setDefaultCustomerId(trx, actor.accountId, record.id);
        else if (current === record.id) await setDefaultCustomerId(trx, actor.accountId, null);
        await audit.record(trx, actor, { action: isDefault ? 'customer.made_default' : 'customer.unset_default', targetKind: 'customer', targetId: record.idpId });
      });
      return view(record);
    },

    /**
     * Turns the customer's connection on or off without touching its IdP settings (the setup
     * portal's Activate). Returns false, writing nothing, when it already was.
     */
    async setCustomerEnabled(actor: Actor, idpId: string, enabled: boolean): Promise<boolean> {
      const validIdpId = parseIdpId(idpId);
      return commitChange(actor.accountId, async (trx) => {
        if (!(await lockAccount(trx, actor.accountId))) throw new AppError('ACCOUNT_NOT_FOUND', 'The account does not exist.');
        // Read under the lock, so a racing PUT's settings are kept as they are.
        const record = await findCustomerByIdpId(trx, actor.accountId, validIdpId);
        if (!record) throw customerNotFound(idpId);
        if (record.enabled === enabled) return false;
        const updated = { ...record, enabled, updatedAt: clock.now() };
        await updateCustomer(trx, updated);
        await endSetupLinksWhenProviderSwitches(trx, actor, record.idpId, record.enabled, enabled, clock.now());
        await recordConnectionEvents(trx, events, actor, updated, record.enabled);
        await audit.record(trx, actor, { action: enabled ? 'customer.enabled' : 'customer.disabled', targetKind: 'customer', targetId: record.idpId });
        return true;
      });
    },

    async deleteCustomer(actor: Actor, idpId: string): Promise<void> {
      const record = await requireCustomer(actor.accountId, idpId);
      await commitChange(actor.accountId, async (trx) => {
        const saasids = (await listAppConnections(trx, [record.id])).map((c) => c.applicationId).sort();
        if (!(await deleteCustomer(trx, actor.accountId, record.id))) throw customerNotFound(idpId);
        await events.record(trx, newEvent('connection.deleted', actor.accountId, record.idpId, { idpId: record.idpId, entityId: record.entityId, saasids, changedBy: actor.kind }));
        await audit.record(trx, actor, { action: 'customer.deleted', targetKind: 'customer', targetId: record.idpId, details: { entityId: record.entityId } });
      });
    },

    async removeAppConnection(actor: Actor, idpId: string, saasid: string): Promise<void> {
      const record = await requireCustomer(actor.accountId, idpId);
      await commitChange(actor.accountId, async (trx) => {
        if (!(await deleteAppConnection(trx, record.id, saasid))) {
          throw new AppError('APPLICATION_NOT_FOUND', `Customer "${record.idpId}" is not connected to an application with saasid ${saasid}.`);
        }
        await recordConnectionEvents(trx, events, actor, record, record.enabled);
        await audit.record(trx, actor, { action: 'customer.application_removed', targetKind: 'customer', targetId: record.idpId, details: { saasid } });
      });
    },

    /**
     * What the customer's IdP admin must configure: one SP identity for all multiplexed
     * connections, and one per non-multiplexed connection.
     */
    async idpConfiguration(accountId: string, idpId: string): Promise<IdpConfiguration[]> {
      const record = await requireCustomer(accountId, idpId);
      const connections = await listAppConnections(db, [record.id]);
      const apps = new Map((await listApplicationsByIds(db, accountId, connections.map((c) => c.applicationId))).map((a) => [a.id, toApplication(a)]));
      const certificates = await deps.signingKeys.publishedCertificates(accountId);
      const groups: { saasid: string | null; apps: Application[] }[] = [];
      const shared = connections.filter((c) => c.multiplexed).map((c) => apps.get(c.applicationId)!);
      if (shared.length > 0) groups.push({ saasid: null, apps: shared });
      for (const c of connections.filter((c) => !c.multiplexed)) groups.push({ saasid: c.applicationId, apps: [apps.get(c.applicationId)!] });
      return groups.map((group) => {
        const requiredAttributes = mergeRequiredAttributes(group.apps);
        const entityId = spEntityIdFor(deps.publicUrl, accountId, group.saasid);
        const acsUrl = acsUrlFor(deps.publicUrl, group.saasid);
        return {
          multiplexed: group.saasid === null,
          applications: group.apps.map((a) => a.saasid),
          entityId,
          acsUrl,
          acsBinding: 'post' as const,
          signingCertificates: certificates,
          requiredAttributes,
          metadataXml: buildSpMetadata({
            entityId,
            acsUrl,
            signingCertificatesPem: certificates.map((c) => c.pem),
            requiredAttributes,
            serviceName: group.apps.map((a) => a.name).join(', '),
          }),
          spMetadataUrl: entityId,
        };
      });
    },
  };
}

/**
 * Inside putCustomer's transaction: adds the wanted connections that are missing, updates the
 * multiplexed flag of those that differ, and (`removeUnlisted`) removes those not wanted.
 * Returns the saasids added and removed, for the audit event.
 */
async function setAppConnections(
  trx: Kysely<DB>,
  accountId: string,
  customerId: string,
  wanted: { saasid: string; multiplexed: boolean }[],
  options: { removeUnlisted: boolean; now: number },
): Promise<{ added: string[]; removed: string[] }> {
  const existing = new Map((await listAppConnections(trx, [customerId])).map((c) => [c.applicationId, c]));
  const added: string[] = [];
  for (const w of wanted) {
    const have = existing.get(w.saasid);
    if (!have) {
      await insertAppConnection(trx, accountId, { customerId, applicationId: w.saasid, multiplexed: w.multiplexed, createdAt: options.now });
      added.push(w.saasid);
    } else if (have.multiplexed !== w.multiplexed) {
      await setAppConnectionMultiplexed(trx, customerId, w.saasid, w.multiplexed);
    }
  }
  const listed = new Set(wanted.map((w) => w.saasid));
  const removed = options.removeUnlisted ? [...existing.keys()].filter((saasid) => !listed.has(saasid)) : [];
  for (const saasid of removed) await deleteAppConnection(trx, customerId, saasid);
  return { added, removed };
}

/** The attributes a group of apps needs: an attribute is required if any app requires it. */
function mergeRequiredAttributes(apps: Application[]): { name: string; required: boolean }[] {
  const merged = new Map<string, boolean>();
  for (const app of apps) for (const a of app.requiredAttributes) merged.set(a.name, (merged.get(a.name) ?? false) || a.required);
  return [...merged].map(([name, required]) => ({ name, required }));
}

export type CustomerService = ReturnType<typeof createCustomerService>;
