/**
 * Colour arithmetic for an account's accent colour, after WCAG 2.2: relative luminance
 * (https://www.w3.org/TR/WCAG22/#dfn-relative-luminance) and contrast ratio
 * (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio). Colours are `#rrggbb`.
 */

export const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

/** The console's own blue, used by an account that has not chosen a colour. */
export const DEFAULT_ACCENT_COLOR = '#1f5fbf';

export type TextColor = '#000000' | '#ffffff';

function channel(hex: string, offset: number): number {
  const c = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function relativeLuminance(color: string): number {
  if (!HEX_COLOR.test(color)) throw new Error(`not a #rrggbb colour: ${color}`);
  return 0.2126 * channel(color, 1) + 0.7152 * channel(color, 3) + 0.0722 * channel(color, 5);
}

/** From 1 (no contrast) to 21 (black on white). */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/**
 * The text colour for text on the accent: black or white, whichever contrasts more. One of the
 * two always reaches at least 4.58:1 (they cross at a luminance of about 0.18), so text on any
 * accent meets WCAG AA for normal text (4.5:1, success criterion 1.4.3).
 */
export function readableTextOn(accent: string): TextColor {
  return contrastRatio(accent, '#000000') > contrastRatio(accent, '#ffffff') ? '#000000' : '#ffffff';
}
