import { z } from 'zod';
import { attributeRecord } from '../../saml/assertion-reading.js';

/**
 * Attribute mapping of one customer connection (idpId): the IdP's attribute names to the names
 * the applications ask for (their required attributes), and optionally the NameID to one of
 * them. Per customer rather than per customer × app: the names are the IdP's (Entra always says
 * `…/claims/emailaddress`), the same for every app the customer uses through one IdP
 * configuration, as WorkOS maps per connection; each app's own names are already its
 * required attributes.
 */

export const ATTRIBUTE_NAME_MAX_LENGTH = 256;
export const MAX_ATTRIBUTE_RULES = 50;

export const attributeNameSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(ATTRIBUTE_NAME_MAX_LENGTH, `must be at most ${ATTRIBUTE_NAME_MAX_LENGTH} characters long`)
  .refine((s) => !/[\p{Cc}\p{Cf}]/u.test(s), 'must not contain control characters');

export const attributeRuleSchema = z.strictObject({
  idpAttribute: attributeNameSchema.describe('The attribute name as the IdP sends it'),
  appAttribute: attributeNameSchema.describe('The name the applications receive it under'),
});
export type AttributeRule = z.output<typeof attributeRuleSchema>;

/** As stored with the IdP settings and returned. */
export const attributeMappingSchema = z.object({
  /** The preset the rules were filled from (shown in the console); the rules are what applies. */
  preset: z.string().nullable(),
  rules: z.array(attributeRuleSchema),
  /** The app attribute that receives the NameID, if any. */
  nameIdAttribute: z.string().nullable(),
});
export type AttributeMapping = z.output<typeof attributeMappingSchema>;

export const NO_ATTRIBUTE_MAPPING: AttributeMapping = Object.freeze({ preset: null, rules: [], nameIdAttribute: null });

/** A mapping applied to one assertion: what the apps can pick from, and where each mapped name came from. */
export interface MappedAttributes {
  attributes: Record<string, string[]>;
  /** App attribute name → the IdP name it is mapped from (NameID shown as "NameID"). */
  mappedFrom: Map<string, string>;
}

export const NAME_ID_SOURCE = 'NameID';

/**
 * The attributes under the apps' names. Names the IdP sends that no rule maps pass through
 * unchanged (an IdP already sending `email` needs no rule); a rule or the NameID, when they have
 * a value, take precedence over a passed-through attribute of the same name.
 */
export function mapAttributes(mapping: AttributeMapping, assertion: { nameId: string; attributes: Record<string, string[]> }): MappedAttributes {
  const attributes = Object.assign(attributeRecord<string[]>(), assertion.attributes);
  const mappedFrom = new Map<string, string>();
  for (const rule of mapping.rules) {
    mappedFrom.set(rule.appAttribute, rule.idpAttribute);
    const values = Object.hasOwn(assertion.attributes, rule.idpAttribute) ? assertion.attributes[rule.idpAttribute] : undefined;
    if (values && values.length > 0) attributes[rule.appAttribute] = values;
  }
  if (mapping.nameIdAttribute !== null) {
    mappedFrom.set(mapping.nameIdAttribute, NAME_ID_SOURCE);
    if (assertion.nameId !== '') attributes[mapping.nameIdAttribute] = [assertion.nameId];
  }
  return { attributes, mappedFrom };
}
