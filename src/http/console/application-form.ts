import { ACCESS_TOKEN_LIFETIME_MINUTES, type ApplicationInput } from '../../domain/applications/application-schemas.js';
import type { Application } from '../../domain/model.js';
import type { SpMetadata } from '../../saml/sp-metadata-parse.js';
import { checked, groupFieldErrors, linesOf } from './forms.js';

export type ApplicationKind = Application['kind'];

/** An application form as the admin typed it (strings and ticks), for re-rendering. */
export interface ApplicationFormValues {
  kind: ApplicationKind;
  name: string;
  enabled: boolean;
  requiredAttributes: string;
  // SAML
  acsUrl: string;
  spEntityId: string;
  multiplexed: boolean;
  customEntityId: string;
  signingKeyId: string;
  encryptAssertions: boolean;
  encryptionCertificate: string;
  sloUrl: string;
  sloBinding: string;
  // REST
  defaultAppUrl: string;
  errorUrl: string;
  hostname: string;
  tokenBinding: string;
  // OIDC
  /** One URL per line. */
  redirectUris: string;
  postLogoutRedirectUris: string;
  refreshTokens: boolean;
  pkceRequired: boolean;
  allowPlainPkce: boolean;
  tokenEndpointAuthMethod: string;
  accessTokenLifetimeMinutes: string;
}

export function emptyApplicationForm(kind: ApplicationKind): ApplicationFormValues {
  return {
    kind,
    name: '',
    enabled: true,
    requiredAttributes: '',
    acsUrl: '',
    spEntityId: '',
    multiplexed: true,
    customEntityId: '',
    signingKeyId: '',
    encryptAssertions: false,
    encryptionCertificate: '',
    sloUrl: '',
    sloBinding: '',
    defaultAppUrl: '',
    errorUrl: '',
    hostname: '',
    tokenBinding: 'post',
    redirectUris: '',
    postLogoutRedirectUris: '',
    refreshTokens: false,
    pkceRequired: true,
    allowPlainPkce: false,
    tokenEndpointAuthMethod: 'client_secret_basic',
    accessTokenLifetimeMinutes: String(ACCESS_TOKEN_LIFETIME_MINUTES.default),
  };
}

/** One attribute per line: `name` (required) or `name,optional`. */
export function formatRequiredAttributes(attributes: { name: string; required: boolean }[]): string {
  return attributes.map((a) => (a.required ? a.name : `${a.name},optional`)).join('\n');
}

export function applicationFormOf(app: Application): ApplicationFormValues {
  const base = { ...emptyApplicationForm(app.kind), name: app.name, enabled: app.enabled, requiredAttributes: formatRequiredAttributes(app.requiredAttributes) };
  if (app.kind === 'saml') {
    return {
      ...base,
      acsUrl: app.acsUrl,
      spEntityId: app.spEntityId,
      multiplexed: app.multiplexed,
      customEntityId: app.customEntityId ?? '',
      signingKeyId: app.signingKeyId ?? '',
      encryptAssertions: app.encryptAssertions,
      encryptionCertificate: app.encryptionCertificate ?? '',
      sloUrl: app.sloUrl ?? '',
      sloBinding: app.sloBinding ?? '',
    };
  }
  if (app.kind === 'oidc') {
    return {
      ...base,
      redirectUris: app.redirectUris.join('\n'),
      postLogoutRedirectUris: app.postLogoutRedirectUris.join('\n'),
      refreshTokens: app.refreshTokens,
      pkceRequired: app.pkceRequired,
      allowPlainPkce: app.allowPlainPkce,
      tokenEndpointAuthMethod: app.tokenEndpointAuthMethod,
      accessTokenLifetimeMinutes: String(app.accessTokenLifetimeMinutes),
    };
  }
  return { ...base, defaultAppUrl: app.defaultAppUrl, errorUrl: app.errorUrl, hostname: app.hostname, tokenBinding: app.tokenBinding };
}

export function applicationFormFrom(kind: ApplicationKind, form: Record<string, string>): ApplicationFormValues {
  const text = (name: string) => form[name] ?? '';
  return {
    kind,
    name: text('name'),
    enabled: checked(form, 'enabled'),
    requiredAttributes: text('requiredAttributes'),
    acsUrl: text('acsUrl'),
    spEntityId: text('spEntityId'),
    multiplexed: checked(form, 'multiplexed'),
    customEntityId: text('customEntityId'),
    signingKeyId: text('signingKeyId'),
    encryptAssertions: checked(form, 'encryptAssertions'),
    encryptionCertificate: text('encryptionCertificate'),
    sloUrl: text('sloUrl'),
    sloBinding: text('sloBinding'),
    defaultAppUrl: text('defaultAppUrl'),
    errorUrl: text('errorUrl'),
    hostname: text('hostname'),
    tokenBinding: text('tokenBinding') || 'post',
    redirectUris: text('redirectUris'),
    postLogoutRedirectUris: text('postLogoutRedirectUris'),
    refreshTokens: checked(form, 'refreshTokens'),
    pkceRequired: checked(form, 'pkceRequired'),
    allowPlainPkce: checked(form, 'allowPlainPkce'),
    tokenEndpointAuthMethod: text('tokenEndpointAuthMethod') || 'client_secret_basic',
    accessTokenLifetimeMinutes: text('accessTokenLifetimeMinutes'),
  };
}

type ParsedAttributes = { ok: true; attributes: { name: string; required: boolean }[]; lines: number[] } | { ok: false; message: string };

/** Parses the Required attributes textarea; the line numbers map service errors back to lines. */
export function parseRequiredAttributes(text: string): ParsedAttributes {
  const attributes: { name: string; required: boolean }[] = [];
  const lines: number[] = [];
  for (const { line, text: entry } of linesOf(text)) {
    const comma = entry.indexOf(',');
    const name = (comma < 0 ? entry : entry.slice(0, comma)).trim();
    const marker = comma < 0 ? '' : entry.slice(comma + 1).trim().toLowerCase();
    if (marker !== '' && marker !== 'optional' && marker !== 'required') {
      return { ok: false, message: `line ${line}: after the comma write "optional" or "required", not "${marker}"` };
    }
    attributes.push({ name, required: marker !== 'optional' });
    lines.push(line);
  }
  return { ok: true, attributes, lines };
}

const optional = (value: string) => (value.trim() === '' ? undefined : value.trim());

/** A one-URL-per-line textarea as its URLs, with the line each came from. */
function urlLines(text: string): { urls: string[]; lines: number[] } {
  const entries = linesOf(text);
  return { urls: entries.map((e) => e.text), lines: entries.map((e) => e.line) };
}

/** Minutes as typed: empty takes the default; anything not a number is left for the schema to name. */
function minutesOf(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text.trim());
}

/** Textarea line numbers of list fields, so that `redirectUris.1` is shown as the line it came from. */
export type FieldLines = Record<string, number[]>;

/** The service input for a form, or errors found before the service is asked (a malformed textarea line). */
export function applicationInputOf(values: ApplicationFormValues): { ok: true; input: ApplicationInput; lines: FieldLines } | { ok: false; fields: Record<string, string> } {
  const parsed = parseRequiredAttributes(values.requiredAttributes);
  if (!parsed.ok) return { ok: false, fields: { requiredAttributes: parsed.message } };
  const common = { name: values.name, enabled: values.enabled, requiredAttributes: parsed.attributes };
  if (values.kind === 'oidc') {
    const redirects = urlLines(values.redirectUris);
    const postLogout = urlLines(values.postLogoutRedirectUris);
    return {
      ok: true,
      lines: { requiredAttributes: parsed.lines, redirectUris: redirects.lines, postLogoutRedirectUris: postLogout.lines },
      input: {
        kind: 'oidc',
        ...common,
        redirectUris: redirects.urls,
        postLogoutRedirectUris: postLogout.urls,
        refreshTokens: values.refreshTokens,
        pkceRequired: values.pkceRequired,
        allowPlainPkce: values.allowPlainPkce,
        tokenEndpointAuthMethod: values.tokenEndpointAuthMethod as 'client_secret_basic' | 'client_secret_post',
        accessTokenLifetimeMinutes: minutesOf(values.accessTokenLifetimeMinutes),
      },
    };
  }
  if (values.kind === 'saml') {
    return {
      ok: true,
      lines: { requiredAttributes: parsed.lines },
      input: {
        kind: 'saml',
        ...common,
        acsUrl: values.acsUrl.trim(),
        spEntityId: values.spEntityId,
        multiplexed: values.multiplexed,
        customEntityId: optional(values.customEntityId),
        signingKeyId: optional(values.signingKeyId),
        encryptAssertions: values.encryptAssertions,
        encryptionCertificate: optional(values.encryptionCertificate),
        sloUrl: optional(values.sloUrl),
        sloBinding: optional(values.sloBinding) as 'redirect' | 'post' | undefined,
      },
    };
  }
  return {
    ok: true,
    lines: { requiredAttributes: parsed.lines },
    input: {
      kind: 'rest',
      ...common,
      defaultAppUrl: values.defaultAppUrl.trim(),
      errorUrl: values.errorUrl.trim(),
      hostname: values.hostname.trim(),
      tokenBinding: values.tokenBinding as 'post' | 'query',
    },
  };
}

/** Service field errors onto the form's fields; `requiredAttributes.2.name` or `redirectUris.0` names its textarea line. */
export function applicationFieldErrors(fields: Record<string, string>, lines: FieldLines): Record<string, string> {
  return groupFieldErrors(fields, (field, index) => `line ${lines[field]?.[index] ?? index + 1}`);
}

/** The form after "Fill from metadata": what the metadata says replaces what it covers. */
export function fillFromSpMetadata(values: ApplicationFormValues, metadata: SpMetadata): ApplicationFormValues {
  return {
    ...values,
    name: values.name.trim() === '' && metadata.suggestedName ? metadata.suggestedName : values.name,
    spEntityId: metadata.entityId,
    acsUrl: metadata.acsUrl,
    sloUrl: metadata.slo?.url ?? '',
    sloBinding: metadata.slo?.binding ?? '',
    encryptionCertificate: metadata.encryptionCertificate ?? values.encryptionCertificate,
    encryptAssertions: metadata.wantsEncryption || values.encryptAssertions,
    requiredAttributes: metadata.requiredAttributes.length > 0 ? formatRequiredAttributes(metadata.requiredAttributes) : values.requiredAttributes,
  };
}
