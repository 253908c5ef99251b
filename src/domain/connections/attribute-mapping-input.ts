import { z } from 'zod';
import { attributeNameSchema, attributeRuleSchema, MAX_ATTRIBUTE_RULES, type AttributeMapping } from './attribute-mapping.js';
import { ATTRIBUTE_MAPPING_PRESETS, attributeMappingPreset } from './attribute-mapping-presets.js';

const presetIds = ATTRIBUTE_MAPPING_PRESETS.map((p) => p.id);

/** The `attributeMapping` field of a customer PUT (API body and console form alike). */
export const attributeMappingInput = z
  .strictObject({
    preset: z
      .string({ error: 'must be a string' })
      .refine((id) => presetIds.includes(id), `must be one of ${presetIds.join(', ')}`)
      .optional()
      .describe(`Fills \`rules\` with this IdP's usual names when \`rules\` is omitted: ${presetIds.join(', ')}`),
    rules: z
      .array(attributeRuleSchema, { error: 'must be a list of { "idpAttribute", "appAttribute" }' })
      .max(MAX_ATTRIBUTE_RULES, `must have at most ${MAX_ATTRIBUTE_RULES} rules`)
      .optional()
      .describe('IdP attribute name → the name the applications receive. Names no rule maps pass through unchanged.'),
    nameIdAttribute: attributeNameSchema.nullable().optional().describe('Also deliver the NameID under this application attribute name'),
  })
  .superRefine((v, ctx) => {
    const targets = [...(v.rules ?? []).map((r) => r.appAttribute), ...(v.nameIdAttribute ? [v.nameIdAttribute] : [])];
    targets.forEach((name, i) => {
      if (targets.indexOf(name) === i) return;
      const path = i < (v.rules?.length ?? 0) ? ['rules', i, 'appAttribute'] : ['nameIdAttribute'];
      ctx.addIssue({ code: 'custom', path, message: `maps a second attribute to "${name}"` });
    });
  })
  .describe('Attribute mapping for this customer: when omitted on an update, unchanged; on create, none.');
export type AttributeMappingInput = z.output<typeof attributeMappingInput>;

/** The mapping to store: the rules given, else the preset's. */
export function resolveAttributeMapping(input: AttributeMappingInput): AttributeMapping {
  const preset = input.preset === undefined ? undefined : attributeMappingPreset(input.preset);
  return {
    preset: preset?.id ?? null,
    rules: input.rules ?? preset?.rules.map((r) => ({ ...r })) ?? [],
    nameIdAttribute: input.nameIdAttribute ?? null,
  };
}
