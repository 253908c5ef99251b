import type { Generated } from 'kysely';

/**
 * Table shapes as stored. One representation for both dialects: ids are text, times are epoch
 * milliseconds in 64-bit integers, booleans are 0/1 integers, JSON is text. Repositories map
 * rows to domain types; nothing else sees these.
 */
export interface AccountsTable {
  id: string;
  name: string;
  created_at: number;
  default_customer_id: Generated<string | null>;
}

export type CredentialKind = 'global' | 'connection_api' | 'application';

export interface CredentialsTable {
  id: string;
  account_id: string;
  kind: CredentialKind;
  client_id: string;
  description: string;
  secret_hash: string | null;
  secret_hint: string | null;
  enabled: number;
  created_at: number;
  updated_at: number;
  secret_updated_at: number | null;
  last_used_at: number | null;
  /** Application credentials only: the app they authenticate the token exchange for. */
  application_id: string | null;
}

export interface AdminsTable {
  id: string;
  account_id: string;
  email: string;
  password_hash: string;
  created_at: number;
  last_sign_in_at: number | null;
}

export interface AdminSessionsTable {
  /** SHA-256 of the cookie token, hex: a stolen database does not yield live sessions. */
  id: string;
  admin_id: string;
  account_id: string;
  created_at: number;
  expires_at: number;
  source_ip: string;
  /** 1 while the admin has given the password but not yet the second factor (0019). */
  second_factor_pending: Generated<number>;
}

export interface SetupTokensTable {
  token_hash: string;
  account_id: string;
  created_at: number;
  expires_at: number;
}

/** An invitation to become an admin of the account (0019); only the SHA-256 of the link's secret. */
export interface AdminInvitationsTable {
  id: string;
  account_id: string;
  email: string;
  token_hash: string;
  invited_by_id: string;
  invited_by_label: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  accepted_at: number | null;
}

/** An admin's TOTP second factor (0019): confirmed once the first code was accepted. */
export interface AdminTotpTable {
  admin_id: string;
  secret_sealed: string;
  created_at: number;
  confirmed_at: number | null;
  last_used_step: number | null;
}

/** An admin's recovery codes (0019): SHA-256 digests, each usable once. */
export interface AdminRecoveryCodesTable {
  admin_id: string;
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

/** Account › Administrators settings (0019); absent while the account keeps the defaults. */
export interface AccountAdminSettingsTable {
  account_id: string;
  /** 1: every admin must use a second factor. */
  require_mfa: number;
  updated_at: number;
}

export interface AuditEventsTable {
  id: Generated<number>;
  account_id: string;
  at: number;
  actor_kind: string;
  actor_id: string;
  actor_label: string;
  action: string;
  target_kind: string;
  target_id: string;
  source_ip: string;
  details: string;
  /** The writing transaction's id on PostgreSQL (0 on SQLite): the export cursor's order (0020). */
  writer_xid: Generated<number>;
}

/** One attempt that counts toward a throttle limit (a sliding log: exact, and safe under races). */
export interface ThrottleEventsTable {
  id: string;
  key: string;
  at: number;
}

export interface ChangeEventsTable {
  id: Generated<number>;
  topic: string;
  key: string;
  at: number;
}

export interface InstanceSettingsTable {
  name: string;
  value: string;
}

export interface CustomersTable {
  id: string;
  account_id: string;
  idp_id: string;
  entity_id: Generated<string>;
  enabled: Generated<number>;
  /** 1 when the connection accepts IdP-initiated logins (unsolicited responses). */
  idp_initiated_login: Generated<number>;
  /** JSON of the IdP settings (see domain/connections/customer-schemas.ts). */
  settings: Generated<string>;
  created_at: number;
  updated_at: number;
}

export type ApplicationKind = 'saml' | 'rest' | 'oidc';

export interface ApplicationsTable {
  id: string;
  account_id: string;
  name: string;
  kind: ApplicationKind;
  enabled: number;
  multiplexed: number;
  sp_entity_id: string | null;
  /** JSON of the kind-specific settings (see domain/applications/application-schemas.ts). */
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface AppConnectionsTable {
  customer_id: string;
  application_id: string;
  account_id: string;
  multiplexed: number;
  created_at: number;
}

export interface CustomerEmailDomainsTable {
  account_id: string;
  domain: string;
  customer_id: string;
}

export interface SigningKeysTable {
  id: string;
  account_id: string;
  status: 'active' | 'next' | 'retired';
  private_key_pem: string;
  certificate_pem: string;
  not_after: number;
  created_at: number;
  promoted_at: number | null;
}

export interface FormSubmissionsTable {
  key: string;
  account_id: string;
  at: number;
}

export interface SsoTransactionsTable {
  id: string;
  account_id: string;
  customer_id: string;
  application_id: string;
  app_url: string | null;
  error_url: string | null;
  force_authn: Generated<number>;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  /** The setup link whose portal started this sign-in as a test (0014); null for real sign-ins. */
  test_setup_link_id: Generated<string | null>;
  /** The OIDC authorization request (its interaction) this sign-in answers (0015); null otherwise. */
  oidc_interaction_uid: Generated<string | null>;
}

/** The latest test sign-in result of a setup link (0014). */
export interface SetupLinkTestResultsTable {
  link_id: string;
  at: number;
  result: string;
}

export interface UsedAssertionsTable {
  key: string;
  expires_at: number;
}

export interface SsoTokensTable {
  token_hash: string;
  account_id: string;
  application_id: string;
  attributes: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface SsoEventsTable {
  id: Generated<number>;
  account_id: string;
  customer_id: string | null;
  application_id: string | null;
  at: number;
  /** 'test': a test sign-in from the setup portal (0014), never delivered, not a login. */
  outcome: 'success' | 'failure' | 'test';
  reason: string;
  assertion_id: string | null;
  request_id: string;
  /** What the reason alone does not say (0008); null for most events. */
  detail: string | null;
}

/** An account's end-user branding (0010); absent until the account saves it. */
export interface AccountBrandingTable {
  account_id: string;
  display_name: string;
  /** `#rrggbb`, lower case. */
  accent_color: string;
  /** The uploaded image (PNG or JPEG, at most 64 KiB); null when the account has none. */
  logo: Buffer | null;
  logo_type: string | null;
  /** Hex SHA-256 of `logo`: the logo's public name, so its URL changes whenever it does. */
  logo_sha256: string | null;
  logo_width: number | null;
  logo_height: number | null;
  updated_at: number;
}

/** A customer setup link (0011); see src/domain/setup-links. */
export interface CustomerSetupLinksTable {
  id: string;
  account_id: string;
  idp_id: string;
  /** SHA-256 of the link's secret, base64url. */
  secret_hash: string;
  /** JSON list of saasids, or null. */
  applications: string | null;
  return_url: string | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  used_at: number | null;
  last_used_from: string | null;
  completed_at: number | null;
  /** The invited IT admin's address, the customer's contact email when the portal creates it. */
  contact_email: string | null;
  /** When the portal's "Request activation" was used (the account approves activations itself). */
  activation_requested_at: number | null;
}

/** An account's self-service portal settings (0011); absent while the account keeps the defaults. */
export interface AccountPortalSettingsTable {
  account_id: string;
  /** 1: the customer's IT admin may Activate; 0: the portal only requests activation. */
  customer_admins_may_activate: number;
  updated_at: number;
}

/** The account's built-in test IdP (0013); absent until the account first uses it. */
export interface TestIdpsTable {
  account_id: string;
  /** The idpId of the customer connection this IdP backs. */
  idp_id: string;
  /** The test users' password, shown to the account's admins. */
  password: string;
  private_key_pem: string;
  certificate_pem: string;
  /** JSON: test user name → attribute name → value. */
  user_attributes: Generated<string>;
  /** 1 when the account has turned the test IdP off. */
  turned_off: Generated<number>;
  created_at: number;
  updated_at: number;
}

/** The metadata refresh schedule and last outcome of one customer (0012). */
export interface MetadataRefreshTable {
  customer_id: string;
  account_id: string;
  /** The URL this row is about; null when the customer is not configured by metadata URL. */
  metadata_url: string | null;
  customer_updated_at: number;
  /** Null: never due (no metadata URL). */
  next_refresh_at: number | null;
  last_attempt_at: number | null;
  last_success_at: number | null;
  last_error_at: number | null;
  last_error: string | null;
}

/** A certificate expiry notice that was sent (0012). */
export interface CertificateExpiryNoticesTable {
  account_id: string;
  /** The signing key's id, or the customer's id. */
  subject_id: string;
  sha256_fingerprint: string;
  threshold_days: number;
  sent_at: number;
}

/** An OIDC application's client secret (0015): SHA-256 of a generated secret; slot 1 or 2. */
export interface OidcClientSecretsTable {
  id: string;
  account_id: string;
  application_id: string;
  slot: number;
  secret_hash: string;
  secret_hint: string;
  created_at: number;
  last_used_at: number | null;
}

/** node-oidc-provider's stored models (0015): see src/oidc/oidc-adapter.ts. */
export interface OidcPayloadsTable {
  model: string;
  id: string;
  /** JSON of the model's payload. */
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  consumed_at: number | null;
  expires_at: number | null;
}

/** Events for the provider's backend (0016): the outbox webhooks deliver from and the events API reads. */
export interface EventsTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  type: string;
  /** The customer's idpId, or '' for an account-wide event: deliveries keep each key's events in order. */
  customer_key: string;
  data: string;
  created_at: number;
}

/** Webhook endpoints (0017): the secret only sealed (src/domain/keys/secret-sealer.ts). */
export interface WebhookEndpointsTable {
  id: string;
  account_id: string;
  url: string;
  description: string;
  /** JSON array of event types; null = every type. */
  event_types: string | null;
  enabled: number;
  /** Why the endpoint is off when the service turned it off ('failing'); null otherwise. */
  disabled_reason: string | null;
  secret_sealed: string;
  secret_hint: string;
  failing_since: number | null;
  consecutive_failures: Generated<number>;
  created_at: number;
  updated_at: number;
}

/** One event to one endpoint (0017); claimed by an instance through its lease. */
export interface WebhookDeliveriesTable {
  id: string;
  account_id: string;
  endpoint_id: string;
  event_id: string;
  event_seq: number;
  customer_key: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: number | null;
  created_at: number;
}

/** The delivery log (0017). */
export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  attempted_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

export interface DB {
  accounts: AccountsTable;
  credentials: CredentialsTable;
  admins: AdminsTable;
  admin_sessions: AdminSessionsTable;
  setup_tokens: SetupTokensTable;
  audit_events: AuditEventsTable;
  throttle_events: ThrottleEventsTable;
  change_events: ChangeEventsTable;
  instance_settings: InstanceSettingsTable;
  customers: CustomersTable;
  applications: ApplicationsTable;
  app_connections: AppConnectionsTable;
  customer_email_domains: CustomerEmailDomainsTable;
  signing_keys: SigningKeysTable;
  form_submissions: FormSubmissionsTable;
  sso_transactions: SsoTransactionsTable;
  used_assertions: UsedAssertionsTable;
  sso_tokens: SsoTokensTable;
  sso_events: SsoEventsTable;
  account_branding: AccountBrandingTable;
  metadata_refresh: MetadataRefreshTable;
  certificate_expiry_notices: CertificateExpiryNoticesTable;
  customer_setup_links: CustomerSetupLinksTable;
  setup_link_test_results: SetupLinkTestResultsTable;
  account_portal_settings: AccountPortalSettingsTable;
  test_idps: TestIdpsTable;
  oidc_client_secrets: OidcClientSecretsTable;
  oidc_payloads: OidcPayloadsTable;
  events: EventsTable;
  admin_invitations: AdminInvitationsTable;
  admin_totp: AdminTotpTable;
  admin_recovery_codes: AdminRecoveryCodesTable;
  account_admin_settings: AccountAdminSettingsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
