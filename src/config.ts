import path from 'node:path';
import { z } from 'zod';

/**
 * A key-encryption key as written in KEY_ENCRYPTION_KEY or its file: 32 bytes in base64 or
 * base64url (padded or not). Returns the key, or what is wrong with the text, never the text.
 */
export function decodeKeyEncryptionKey(text: string): Buffer | string {
  const value = text.trim();
  if (value === '') return 'is empty';
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return 'is not base64 or base64url (only A-Z, a-z, 0-9, + / or - _ and = padding); generate one with: openssl rand -base64 32';
  const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== 32) return `decodes to ${key.length} bytes; a key-encryption key is 32 bytes (AES-256); generate one with: openssl rand -base64 32`;
  return key;
}

function decodeOrReport(text: string, ctx: z.RefinementCtx, which = ''): Buffer {
  const key = decodeKeyEncryptionKey(text);
  if (typeof key === 'string') {
    ctx.addIssue({ code: 'custom', message: `${which}${key}` });
    return Buffer.alloc(0);
  }
  return key;
}

/**
 * The only reader of process.env. One schema, validated at start: a bad value stops the start
 * with the variable's name. docs/configuration.md documents every key.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL such as https://sso.example.com' })
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z
    .string()
    .default('false')
    .superRefine((v, ctx) => {
      if (v === 'true') {
        ctx.addIssue({ code: 'custom', message: 'give the number of proxies in front of the server (e.g. 1) or their addresses/CIDR ranges; "true" would let any client choose its own address' });
      } else if (v !== 'false' && !/^\d{1,2}$/.test(v) && !v.split(',').every((part) => /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(part.trim()))) {
        ctx.addIssue({ code: 'custom', message: 'must be false, a number of proxies (e.g. 1), or comma-separated proxy addresses/CIDR ranges' });
      }
    })
    .transform((v): false | number | string[] => (v === 'false' || v === '0' ? false : /^\d+$/.test(v) ? Number(v) : v.split(',').map((p) => p.trim()))),
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(10000).default(20),
  SIGN_IN_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(10000).default(10),
  SSO_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(120),
  SSO_REQUESTS_BURST: z.coerce.number().int().min(1).max(1_000_000).default(60),
  AUTH_FAILURES_PER_CLIENT_ID_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  SIGN_IN_FAILURES_PER_EMAIL_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(50),
  SESSION_TTL_HOURS: z.coerce.number().min(0.1).max(24 * 30).default(12),
  METADATA_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  METADATA_FETCH_ALLOW_PRIVATE: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false').transform((v) => v === 'true'),
  METADATA_FETCH_CA_FILE: z.string().min(1).optional(),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  WEBHOOK_MAX_DELIVERIES_PER_SECOND: z.coerce.number().int().min(1).max(10_000).default(100),
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false').transform((v) => v === 'true'),
  WEBHOOK_CA_FILE: z.string().min(1).optional(),
  METADATA_REFRESH_HOURS: z.coerce.number().min(0.25).max(24 * 30).default(12),
  SIGN_IN_FAILURE_ALERT_THRESHOLD: z.coerce.number().int().min(1).max(1_000_000).default(10),
  SIGN_IN_FAILURE_ALERT_WINDOW_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(5),
  METADATA_REFRESH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  METADATA_REFRESH_PER_SECOND: z.coerce.number().min(0.1).max(10_000).default(20),
  SHARED_IDP_ENTITY_ID: z.string().min(1).max(1024).default('PingConnect'),
  // Messages name the rule, never the value: SMTP_URL holds the mail server's password.
  SMTP_URL: z
    .string()
    .max(2048)
    .refine((v) => {
      try {
        const url = new URL(v);
        return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
      } catch {
        return false;
      }
    }, 'must be an smtp:// or smtps:// URL such as smtp://user:password@mail.example.com:587')
    .optional(),
  SMTP_FROM: z
    .string()
    .max(320)
    .refine((v) => z.email().safeParse(v.match(/<([^<>]+)>$/)?.[1] ?? v).success, 'must be an email address, or a name and an address such as "Acme SaaS <sso@example.com>"')
    .optional(),
  SMTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters (generate one with: openssl rand -base64 32)').max(512).optional(),
  // Messages say what is wrong with a key (encoding, length), never the key.
  KEY_ENCRYPTION_KEY: z.string().transform((v, ctx) => decodeOrReport(v, ctx)).optional(),
  KEY_ENCRYPTION_KEY_FILE: z.string().min(1).optional(),
  KEY_ENCRYPTION_KEY_PREVIOUS: z
    .string()
    .transform((v, ctx) => {
      const parts = v.split(',').map((p) => p.trim()).filter((p) => p !== '');
      return parts.map((part, i) => decodeOrReport(part, ctx, parts.length > 1 ? `key ${i + 1} of ${parts.length} ` : ''));
    })
    .optional(),
}).superRefine((e, ctx) => {
  if (e.KEY_ENCRYPTION_KEY !== undefined && e.KEY_ENCRYPTION_KEY_FILE !== undefined) ctx.addIssue({ code: 'custom', path: ['KEY_ENCRYPTION_KEY_FILE'], message: 'set either KEY_ENCRYPTION_KEY or KEY_ENCRYPTION_KEY_FILE, not both' });
  if (e.SMTP_URL !== undefined && e.SMTP_FROM === undefined) ctx.addIssue({ code: 'custom', path: ['SMTP_FROM'], message: 'is required with SMTP_URL (the sender address of invitations)' });
  if (e.SMTP_FROM !== undefined && e.SMTP_URL === undefined) ctx.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'is required with SMTP_FROM (the mail server to send through)' });
});

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Base URL users and IdPs reach this service at, without a trailing slash. */
  readonly publicUrl: string;
  /** False when PUBLIC_URL was not set and publicUrl is the default made from HOST and PORT. */
  readonly publicUrlIsSet: boolean;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** false, the number of proxy hops to trust, or the proxies' addresses/CIDR ranges. */
  readonly trustProxy: false | number | string[];
  readonly authFailuresPerMinute: number;
  readonly signInFailuresPerMinute: number;
  /** Requests one source address may make to initsso, discovery and the ACS: a steady rate and a burst. */
  readonly ssoRequestRate: { perMinute: number; burst: number };
  /** Ceilings across all addresses; they never refuse an address that has not failed (docs/credentials.md). */
  readonly authFailuresPerClientIdPerMinute: number;
  readonly signInFailuresPerEmailPerMinute: number;
  readonly sessionTtlMs: number;
  readonly metadataFetch: { timeoutMs: number; allowPrivateAddresses: boolean; caFile: string | undefined };
  /** Webhook deliveries (docs/webhooks.md): per-attempt deadline, whether private addresses may be reached, extra CA certificates. */
  readonly webhooks: { timeoutMs: number; allowPrivateAddresses: boolean; caFile: string | undefined; maxDeliveriesPerSecond: number };
  /** Connections configured by metadata URL are fetched again every `intervalMs` (jittered), at most `concurrency` at a time and `perSecond` started per second per instance. */
  readonly metadataRefresh: { intervalMs: number; concurrency: number; perSecond: number };
  /** `sign_in.failures_above_threshold` (docs/events.md): `threshold` failed sign-ins of one connection to one app within one window of `windowMs`. */
  readonly signInFailureAlert: { threshold: number; windowMs: number };
  /** Issuer of assertions to multiplexed SAML apps (PingOne used "PingConnect"). */
  readonly sharedIdpEntityId: string;
  /** The mail server invitations are sent through; undefined when SMTP_URL is not set (copy the text instead). */
  readonly smtp: { url: string; from: string; timeoutMs: number } | undefined;
  /**
   * Prometheus metrics (docs/operations.md, Metrics): served on a listener of their own when
   * `port` is set, and on the main port to requests bearing `token` when that is set. Neither
   * set: nothing is collected.
   */
  readonly metrics: { readonly port: number | undefined; readonly host: string; readonly token: string | undefined };
  /**
   * The key-encryption key that seals secrets at rest (src/domain/keys/key-encryption.ts resolves
   * it at start): KEY_ENCRYPTION_KEY decoded, or the file KEY_ENCRYPTION_KEY_FILE names, or
   * neither (the embedded default then keeps one in the data folder). `previous` still open
   * values sealed under an old key during a rotation.
   */
  readonly keyEncryption: { readonly key: Buffer | undefined; readonly file: string | undefined; readonly previous: readonly Buffer[] };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses an environment (defaults to process.env) into a frozen Config, or throws ConfigError naming each bad key. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const displayHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST;
  const publicUrl = (e.PUBLIC_URL ?? `http://${displayHost}:${e.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    publicUrlIsSet: e.PUBLIC_URL !== undefined,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    signInFailuresPerMinute: e.SIGN_IN_FAILURES_PER_MINUTE,
    ssoRequestRate: { perMinute: e.SSO_REQUESTS_PER_MINUTE, burst: e.SSO_REQUESTS_BURST },
    authFailuresPerClientIdPerMinute: e.AUTH_FAILURES_PER_CLIENT_ID_PER_MINUTE,
    signInFailuresPerEmailPerMinute: e.SIGN_IN_FAILURES_PER_EMAIL_PER_MINUTE,
    sessionTtlMs: e.SESSION_TTL_HOURS * 3600_000,
    sharedIdpEntityId: e.SHARED_IDP_ENTITY_ID,
    metadataFetch: { timeoutMs: e.METADATA_FETCH_TIMEOUT_MS, allowPrivateAddresses: e.METADATA_FETCH_ALLOW_PRIVATE, caFile: e.METADATA_FETCH_CA_FILE },
    webhooks: { timeoutMs: e.WEBHOOK_TIMEOUT_MS, allowPrivateAddresses: e.WEBHOOK_ALLOW_PRIVATE, caFile: e.WEBHOOK_CA_FILE, maxDeliveriesPerSecond: e.WEBHOOK_MAX_DELIVERIES_PER_SECOND },
    metadataRefresh: { intervalMs: e.METADATA_REFRESH_HOURS * 3600_000, concurrency: e.METADATA_REFRESH_CONCURRENCY, perSecond: e.METADATA_REFRESH_PER_SECOND },
    signInFailureAlert: { threshold: e.SIGN_IN_FAILURE_ALERT_THRESHOLD, windowMs: e.SIGN_IN_FAILURE_ALERT_WINDOW_MINUTES * 60_000 },
    smtp: e.SMTP_URL !== undefined && e.SMTP_FROM !== undefined ? { url: e.SMTP_URL, from: e.SMTP_FROM, timeoutMs: e.SMTP_TIMEOUT_MS } : undefined,
    metrics: Object.freeze({ port: e.METRICS_PORT, host: e.METRICS_HOST, token: e.METRICS_TOKEN }),
    keyEncryption: Object.freeze({
      key: e.KEY_ENCRYPTION_KEY,
      file: e.KEY_ENCRYPTION_KEY_FILE === undefined ? undefined : path.resolve(e.KEY_ENCRYPTION_KEY_FILE),
      previous: Object.freeze(e.KEY_ENCRYPTION_KEY_PREVIOUS ?? []),
    }),
  });
}
