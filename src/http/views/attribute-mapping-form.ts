import { ATTRIBUTE_NAME_MAX_LENGTH } from '../../domain/connections/attribute-mapping.js';
import type { AttributeMappingInput } from '../../domain/connections/attribute-mapping-input.js';
import { ATTRIBUTE_MAPPING_PRESETS, attributeMappingPreset } from '../../domain/connections/attribute-mapping-presets.js';
import { html, type SafeHtml } from './html.js';
import { fieldError, scrollingTable } from './layout.js';

/**
 * The attribute mapping form, shared by the console's customer form and the self-service portal:
 * a preset, rows of IdP attribute name → application attribute name, and the NameID's name.
 * "Fill rows from preset" is a submit button, so it works without JavaScript.
 */
export interface MappingRow {
  idpAttribute: string;
  appAttribute: string;
}

export interface AttributeMappingFormValues {
  /** The preset chosen ('' for none). */
  mappingPreset: string;
  /** IdP name → app name rows as typed (blank rows are ignored). */
  mappingRows: MappingRow[];
  nameIdAttribute: string;
}

/** Empty mapping rows offered below the filled ones: room to add without JavaScript. */
export const BLANK_MAPPING_ROWS = 3;

/** The submit button's name: pressing it re-renders the form with the preset's rows, saving nothing. */
export const FILL_PRESET_BUTTON = 'fillPreset';

/** The typed rows of a form's `mapIdp`/`mapApp` lists, blank rows dropped. */
export function mappingRowsFrom(mapIdp: string[], mapApp: string[]): MappingRow[] {
  return mapIdp.map((idpAttribute, i) => ({ idpAttribute: idpAttribute.trim(), appAttribute: (mapApp[i] ?? '').trim() })).filter((r) => r.idpAttribute !== '' || r.appAttribute !== '');
}

/** "Fill rows from preset": the chosen preset's rows in place of the typed ones. */
export function withPresetRows<T extends AttributeMappingFormValues>(v: T): T {
  return { ...v, mappingRows: attributeMappingPreset(v.mappingPreset)?.rules.map((r) => ({ ...r })) ?? [] };
}

/** The form as the `attributeMapping` of a customer PUT: a preset with no rows typed lets the service fill the preset's rows. */
export function attributeMappingInputOf(v: AttributeMappingFormValues): AttributeMappingInput {
  const nameId = v.nameIdAttribute.trim();
  return {
    ...(v.mappingPreset !== '' && { preset: v.mappingPreset }),
    ...((v.mappingPreset === '' || v.mappingRows.length > 0) && { rules: v.mappingRows }),
    nameIdAttribute: nameId === '' ? null : nameId,
  };
}

/**
 * The service's `attributeMapping.…` field errors as one sentence in the order of the form
 * (preset, rows top to bottom, NameID); undefined when none of `fields` is about the mapping.
 */
export function attributeMappingProblems(fields: Record<string, string>): string | undefined {
  const problems: { order: number; text: string }[] = [];
  for (const [path, message] of Object.entries(fields)) {
    const mapping = /^attributeMapping\.(?:rules\.(\d+)\.(idpAttribute|appAttribute)|(preset|nameIdAttribute))/.exec(path);
    if (mapping?.[1] !== undefined) {
      const row = Number(mapping[1]);
      problems.push({ order: row * 2 + (mapping[2] === 'appAttribute' ? 1 : 0), text: `Row ${row + 1}, ${mapping[2] === 'idpAttribute' ? 'IdP attribute' : 'application attribute'}: ${message}` });
    } else if (mapping) problems.push({ order: mapping[3] === 'preset' ? -2 : Number.MAX_SAFE_INTEGER, text: `${mapping[3] === 'preset' ? 'Preset' : 'NameID attribute'}: ${message}` });
  }
  return problems.length === 0 ? undefined : problems.sort((a, b) => a.order - b.order).map((p) => p.text).join('; ');
}

export interface AttributeMappingFieldsetOptions {
  /** Column headings: the console says "IdP attribute name", the portal "Your IdP's attribute name". */
  idpLabel: string;
  appLabel: string;
  /** Application attribute names offered in the app column (the applications' required attributes). */
  appAttributes?: readonly string[];
  /** The combined mapping error (see attributeMappingProblems). */
  error?: string | undefined;
  nameIdError?: string | undefined;
}

/** The attribute mapping fieldset: a preset, rows of IdP name → app name, and the NameID's app name. */
export function attributeMappingFieldset(v: AttributeMappingFormValues, o: AttributeMappingFieldsetOptions): SafeHtml {
  const rows = [...v.mappingRows, ...Array.from({ length: BLANK_MAPPING_ROWS }, () => ({ idpAttribute: '', appAttribute: '' }))];
  const suggestions = o.appAttributes && o.appAttributes.length > 0 ? o.appAttributes : undefined;
  const option = (value: string, label: string, selected: boolean) => html`<option value="${value}" ${selected ? 'selected' : ''}>${label}</option>`;
  const nameIdDescribed = [o.nameIdError ? 'customer-nameIdAttribute-error' : '', 'customer-nameIdAttribute-hint'].filter(Boolean).join(' ');
  return html`<fieldset class="attribute-mapping" ${o.error ? html`aria-describedby="customer-attributeMapping-error"` : ''}>
    <legend>Attribute mapping</legend>
    <p class="hint">Rename the attributes this IdP sends to the names your applications ask for. Names no row maps reach the applications unchanged.</p>
    ${fieldError(o.error, 'customer-attributeMapping-error')}
    <label for="customer-mappingPreset">Preset</label>
    <select id="customer-mappingPreset" name="mappingPreset" aria-describedby="customer-mappingPreset-hint">
      ${option('', 'None', v.mappingPreset === '')}
      ${ATTRIBUTE_MAPPING_PRESETS.map((preset) => option(preset.id, preset.label, preset.id === v.mappingPreset))}
    </select>
    <p class="hint" id="customer-mappingPreset-hint">With no rows filled in, saving uses the preset's rows. "Fill rows from preset" shows them here to edit first.</p>
    <button type="submit" name="${FILL_PRESET_BUTTON}" value="true">Fill rows from preset</button>
    ${suggestions ? html`<datalist id="app-attribute-names">${suggestions.map((name) => html`<option value="${name}"></option>`)}</datalist>` : ''}
    ${scrollingTable(
      'Attribute mapping rows',
      html`<table class="data mapping-rows" aria-label="Attribute mapping rows">
      <thead><tr><th scope="col">${o.idpLabel}</th><th scope="col">${o.appLabel}</th></tr></thead>
      <tbody>${rows.map(
        (r, i) => html`<tr>
        <td><label class="visually-hidden" for="map-idp-${i}">${o.idpLabel}, row ${i + 1}</label><input id="map-idp-${i}" name="mapIdp" value="${r.idpAttribute}" maxlength="${ATTRIBUTE_NAME_MAX_LENGTH}" class="mono"></td>
        <td><label class="visually-hidden" for="map-app-${i}">${o.appLabel}, row ${i + 1}</label><input id="map-app-${i}" name="mapApp" value="${r.appAttribute}" maxlength="${ATTRIBUTE_NAME_MAX_LENGTH}" class="mono" ${suggestions ? html`list="app-attribute-names"` : ''}></td>
      </tr>`,
      )}</tbody>
    </table>`,
    )}
    <label for="customer-nameIdAttribute">Also deliver the NameID as <span class="muted">(optional)</span></label>
<input id="customer-nameIdAttribute" name="nameIdAttribute" type="text" value="${v.nameIdAttribute}" aria-describedby="${nameIdDescribed}" ${o.nameIdError ? html`aria-invalid="true"` : ''}>
<p class="hint" id="customer-nameIdAttribute-hint">An application attribute name, e.g. userId.</p>
${fieldError(o.nameIdError, 'customer-nameIdAttribute-error')}
  </fieldset>`;
}
