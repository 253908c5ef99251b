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
}

export interface SetupTokensTable {
  token_hash: string;
  account_id: string;
  created_at: number;
  expires_at: number;
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

export type ApplicationKind = 'saml' | 'rest';

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
  outcome: 'success' | 'failure';
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
}
