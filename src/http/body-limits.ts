import { MAX_METADATA_BYTES } from '../saml/idp-metadata.js';

/** Any request body, unless its route allows more (Fastify's `bodyLimit`). */
export const DEFAULT_BODY_LIMIT = 256 * 1024;

/**
 * `PUT …/spManaged/{idpId}`: the largest IdP metadata accepted inline (`metadataXml`), plus the
 * default limit for the other fields and the JSON escaping of the XML.
 */
export const CUSTOMER_PUT_BODY_LIMIT = MAX_METADATA_BYTES + DEFAULT_BODY_LIMIT;

/** A byte count as the docs write it: "256 KiB", "1 MiB", "1.25 MiB". */
export function formatBytes(bytes: number): string {
  const [value, unit] = bytes >= 1024 * 1024 ? [bytes / (1024 * 1024), 'MiB'] : [bytes / 1024, 'KiB'];
  return `${Number(value.toFixed(2))} ${unit}`;
}
