import type { CertificateInfo } from '../../saml/certificates.js';
import type { Actor } from '../actor.js';
import type { NewEvent } from './event-log.js';

/**
 * The data each event type carries (docs/events.md shows one example of each). Built here, in one
 * place per shape, so every place that emits an event of a type writes the same fields. Nothing
 * here is a secret or a hash of one: a credential event names the credential, never its secret
 * or the secret's hint.
 */

/** A pinned IdP certificate, as events name it: enough to recognise it and to know when it expires. */
export type EventCertificate = {
  subject: string;
  sha256Fingerprint: string;
  notAfter: string;
};

/** `connection.created`, `.updated` and `.activated`: the connection as it is after the change. */
export type ConnectionEventData = {
  idpId: string;
  entityId: string;
  enabled: boolean;
  /** The applications the connection serves, by saasid, in saasid order. */
  saasids: string[];
  certificates: EventCertificate[];
  metadataUrl: string | null;
  /** Who made the change: `admin` (console), `api-client`, `customer-admin` (setup link portal), `operator` (CLI, jobs). */
  changedBy: Actor['kind'];
  /** The setup link the change came through (changedBy `customer-admin`); null otherwise. */
  setupLinkId: string | null;
};

/** `connection.deleted`: what the connection was. */
export type ConnectionDeletedEventData = {
  idpId: string;
  entityId: string;
  saasids: string[];
  changedBy: Actor['kind'];
};

/** What a customer's IT admin did through a setup link. */
export type SetupLinkAction = 'identity_provider_saved' | 'attribute_mapping_saved' | 'activation_requested' | 'activated';

/** `setup_link.used`: a change made through the self-service portal. */
export type SetupLinkUsedEventData = {
  idpId: string;
  setupLinkId: string;
  action: SetupLinkAction;
};

/** `certificate.expiring`: one of a customer's pinned IdP certificates reached a notice threshold. */
export type CertificateExpiringEventData = EventCertificate & {
  idpId: string;
  /** Whole days until notAfter, rounded up. */
  daysLeft: number;
  /** The notice: 30, 7 or 1 (days before notAfter); each is sent once per certificate. */
  noticeDays: number;
};

/** `certificate.expired`: one of a customer's pinned IdP certificates is past its notAfter. */
export type CertificateExpiredEventData = EventCertificate & {
  idpId: string;
};

/** `metadata_refresh.failed`: a scheduled fetch of the connection's metadata URL failed; the connection keeps its last good settings. */
export type MetadataRefreshFailedEventData = {
  idpId: string;
  metadataUrl: string;
  reason: string;
  /** ISO 8601: when the refresh is tried again. */
  nextAttemptAt: string;
};

/** `sign_in.failures_above_threshold`: one connection's failed sign-ins to one application within a window. */
export type SignInFailuresEventData = {
  idpId: string;
  saasid: string;
  /** Failed sign-ins counted in the window when the event was written (at least `threshold`). */
  failures: number;
  threshold: number;
  /** ISO 8601: the window, [windowStart, windowEnd). */
  windowStart: string;
  windowEnd: string;
  /** The sign-in log reason of the failure that crossed the threshold (docs/sso.md). */
  lastReason: string;
};

/** `credential.created`, `.updated` and `.deleted`: never the secret, its hash or its hint. */
export type CredentialEventData = {
  id: string;
  kind: 'global' | 'connection_api' | 'application';
  clientId: string;
  description: string;
  enabled: boolean;
  /** Application credentials: the REST application they are bound to; null for the other kinds. */
  saasid: string | null;
  /** `credential.updated` only: whether the secret was replaced. */
  secretChanged?: boolean;
};

/** Each event type's data, so an emitter cannot write another type's shape. */
export type EventDataOf = {
  'connection.created': ConnectionEventData;
  'connection.updated': ConnectionEventData;
  'connection.deleted': ConnectionDeletedEventData;
  'connection.activated': ConnectionEventData;
  'setup_link.used': SetupLinkUsedEventData;
  'certificate.expiring': CertificateExpiringEventData;
  'certificate.expired': CertificateExpiredEventData;
  'metadata_refresh.failed': MetadataRefreshFailedEventData;
  'sign_in.failures_above_threshold': SignInFailuresEventData;
  'credential.created': CredentialEventData;
  'credential.updated': CredentialEventData;
  'credential.deleted': CredentialEventData;
};

export function eventCertificate(c: Pick<CertificateInfo, 'subject' | 'sha256Fingerprint' | 'notAfter'>): EventCertificate {
  return { subject: c.subject, sha256Fingerprint: c.sha256Fingerprint, notAfter: c.notAfter };
}

/** An event of one type with that type's data shape, for `EventLog.record`. */
export function newEvent<T extends keyof EventDataOf>(type: T, accountId: string, idpId: string | null, data: EventDataOf[T]): NewEvent {
  return { accountId, type, idpId, data };
}
