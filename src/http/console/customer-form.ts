import type { Application, CustomerView } from '../../domain/model.js';
import type { PutCustomerInput } from '../../domain/connections/customer-schemas.js';
import { attributeMappingInputOf, attributeMappingProblems, mappingRowsFrom, type AttributeMappingFormValues } from '../views/attribute-mapping-form.js';
import { checked, groupFieldErrors } from './forms.js';

export type IdpSource = 'fields' | 'metadataXml' | 'metadataUrl';

export interface ConnectionChoice {
  saasid: string;
  connected: boolean;
  multiplexed: boolean;
}

/** A customer connection form as the admin typed it, for re-rendering. */
export interface CustomerFormValues extends AttributeMappingFormValues {
  idpId: string;
  source: IdpSource;
  entityId: string;
  ssoUrl: string;
  ssoBinding: string;
  certificates: string;
  sloUrl: string;
  sloResponseUrl: string;
  sloBinding: string;
  metadataXml: string;
  metadataUrl: string;
  contactEmail: string;
  emailDomains: string;
  enabled: boolean;
  idpInitiatedLogin: boolean;
  connections: ConnectionChoice[];
}

/** A new customer: connected to every enabled application, multiplexed (the API's defaults). */
export function emptyCustomerForm(applications: Application[]): CustomerFormValues {
  return {
    idpId: '',
    source: 'fields',
    entityId: '',
    ssoUrl: '',
    ssoBinding: 'redirect',
    certificates: '',
    sloUrl: '',
    sloResponseUrl: '',
    sloBinding: '',
    metadataXml: '',
    metadataUrl: '',
    contactEmail: '',
    emailDomains: '',
    enabled: true,
    idpInitiatedLogin: true,
    connections: applications.map((a) => ({ saasid: a.saasid, connected: a.enabled, multiplexed: true })),
    mappingPreset: '',
    mappingRows: [],
    nameIdAttribute: '',
  };
}

export function customerFormOf(customer: CustomerView, applications: Application[]): CustomerFormValues {
  const connected = new Map(customer.applications.map((a) => [a.saasid, a]));
  return {
    idpId: customer.idpId,
    source: customer.metadataUrl ? 'metadataUrl' : 'fields',
    entityId: customer.entityId,
    ssoUrl: customer.ssoUrl,
    ssoBinding: customer.ssoBinding,
    certificates: customer.certificates.map((c) => c.pem.trim()).join('\n'),
    sloUrl: customer.slo?.url ?? '',
    sloResponseUrl: customer.slo?.responseUrl ?? '',
    sloBinding: customer.slo?.binding ?? '',
    metadataXml: '',
    metadataUrl: customer.metadataUrl ?? '',
    contactEmail: customer.contactEmail ?? '',
    emailDomains: customer.emailDomains.join('\n'),
    enabled: customer.enabled,
    idpInitiatedLogin: customer.idpInitiatedLogin,
    connections: applications.map((a) => ({ saasid: a.saasid, connected: connected.has(a.saasid), multiplexed: connected.get(a.saasid)?.multiplexed ?? true })),
    mappingPreset: customer.attributeMapping.preset ?? '',
    mappingRows: customer.attributeMapping.rules.map((r) => ({ ...r })),
    nameIdAttribute: customer.attributeMapping.nameIdAttribute ?? '',
  };
}

export function customerFormFrom(
  form: Record<string, string>,
  lists: { connect: string[]; multiplexed: string[]; mapIdp: string[]; mapApp: string[] },
  applications: Application[],
  idpId: string,
): CustomerFormValues {
  const text = (name: string) => form[name] ?? '';
  const source = text('source');
  return {
    idpId,
    source: source === 'metadataXml' || source === 'metadataUrl' ? source : 'fields',
    entityId: text('entityId'),
    ssoUrl: text('ssoUrl'),
    ssoBinding: text('ssoBinding') || 'redirect',
    certificates: text('certificates'),
    sloUrl: text('sloUrl'),
    sloResponseUrl: text('sloResponseUrl'),
    sloBinding: text('sloBinding'),
    metadataXml: text('metadataXml'),
    metadataUrl: text('metadataUrl'),
    contactEmail: text('contactEmail'),
    emailDomains: text('emailDomains'),
    enabled: checked(form, 'enabled'),
    idpInitiatedLogin: checked(form, 'idpInitiatedLogin'),
    connections: applications.map((a) => ({ saasid: a.saasid, connected: lists.connect.includes(a.saasid), multiplexed: lists.multiplexed.includes(a.saasid) })),
    mappingPreset: text('mappingPreset'),
    mappingRows: mappingRowsFrom(lists.mapIdp, lists.mapApp),
    nameIdAttribute: text('nameIdAttribute'),
  };
}

/**
 * Certificates pasted into one textarea: every PEM block; without PEM armour, base64 DER
 * certificates separated by blank lines.
 */
export function splitCertificates(text: string): string[] {
  const pem = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (pem) return pem;
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function splitEmailDomains(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((d) => d.trim())
    .filter(Boolean);
}

const optional = (value: string) => (value.trim() === '' ? undefined : value.trim());

export interface PreparedCustomer {
  input: PutCustomerInput;
  certificates: string[];
  emailDomains: string[];
  /** saasids in the order of `input.applications`, to map `applications.N` errors back to rows. */
  connected: string[];
}

export function customerInputOf(v: CustomerFormValues): PreparedCustomer {
  const certificates = splitCertificates(v.certificates);
  const emailDomains = splitEmailDomains(v.emailDomains);
  const chosen = v.connections.filter((c) => c.connected);
  const idp: Partial<PutCustomerInput> =
    v.source === 'metadataXml'
      ? { metadataXml: v.metadataXml }
      : v.source === 'metadataUrl'
        ? { metadataUrl: v.metadataUrl.trim() }
        : {
            entityId: optional(v.entityId),
            ssoUrl: optional(v.ssoUrl),
            ssoBinding: (optional(v.ssoBinding) ?? 'redirect') as 'redirect' | 'post',
            certificates: certificates.length > 0 ? certificates : undefined,
            sloUrl: optional(v.sloUrl),
            sloResponseUrl: optional(v.sloResponseUrl),
            sloBinding: optional(v.sloBinding) as 'redirect' | 'post' | undefined,
          };
  return {
    input: {
      ...idp,
      contactEmail: optional(v.contactEmail),
      emailDomains,
      enabled: v.enabled,
      idpInitiatedLogin: v.idpInitiatedLogin,
      applications: chosen.map((c) => ({ saasid: c.saasid, multiplexed: c.multiplexed })),
      attributeMapping: attributeMappingInputOf(v),
    },
    certificates,
    emailDomains,
    connected: chosen.map((c) => c.saasid),
  };
}

/**
 * Service field errors onto the form: list items name their entry ("certificate 2", the domain),
 * and `applications.N…` errors go to that application's row as `app:<saasid>`.
 */
export function customerFieldErrors(fields: Record<string, string>, prepared: PreparedCustomer): Record<string, string> {
  const rows: Record<string, string> = {};
  const rest: Record<string, string> = {};
  for (const [path, message] of Object.entries(fields)) {
    const match = /^applications\.(\d+)/.exec(path);
    const saasid = match ? prepared.connected[Number(match[1])] : undefined;
    if (saasid) rows[`app:${saasid}`] = message;
    else if (!path.startsWith('attributeMapping.')) rest[path] = message;
  }
  const mapping = attributeMappingProblems(fields);
  if (mapping !== undefined) rows.attributeMapping = mapping;
  const grouped = groupFieldErrors(rest, (field, index) =>
    field === 'certificates' ? `certificate ${index + 1}` : field === 'emailDomains' ? `"${prepared.emailDomains[index] ?? index + 1}"` : `item ${index + 1}`,
  );
  return { ...grouped, ...rows };
}
