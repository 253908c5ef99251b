/**
 * What the provider's backend can learn from us, as events (docs/events.md). Each type names what
 * happened; its data never holds a secret. Kept as one list so the API, the webhook endpoint
 * filter and the docs name the same types.
 */
export const EVENT_TYPES = [
  'connection.created',
  'connection.updated',
  'connection.deleted',
  'connection.activated',
  'setup_link.used',
  'certificate.expiring',
  'certificate.expired',
  'metadata_refresh.failed',
  'sign_in.failures_above_threshold',
  'credential.created',
  'credential.updated',
  'credential.deleted',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
