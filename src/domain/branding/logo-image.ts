/**
 * What an uploaded logo really is, read from its bytes (never from the file name or the type the
 * browser declared): PNG and JPEG are accepted, with their pixel size read from the header (PNG's
 * IHDR chunk, JPEG's start-of-frame segment). Other formats are recognised only to name them in
 * the refusal. SVG is refused on purpose: it is a document that can carry script and external
 * references, which an <img> would ignore but a browser opening the logo's URL directly would not.
 */

export type LogoContentType = 'image/png' | 'image/jpeg';

export type ImageCheck =
  | { ok: true; contentType: LogoContentType; width: number; height: number }
  /** `found` completes "this file is …". */
  | { ok: false; found: string };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const startsWith = (bytes: Uint8Array, prefix: number[], at = 0) => prefix.every((b, i) => bytes[at + i] === b);
const ascii = (bytes: Uint8Array, from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
const u16 = (bytes: Uint8Array, at: number) => (bytes[at]! << 8) | bytes[at + 1]!;
const u32 = (bytes: Uint8Array, at: number) => ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;

/** PNG: the signature, then IHDR first (PNG spec §5.6) with width and height. */
function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || u32(bytes, 8) !== 13 || ascii(bytes, 12, 16) !== 'IHDR') return undefined;
  return { width: u32(bytes, 16), height: u32(bytes, 20) };
}

/** JPEG: walks the marker segments to the first start-of-frame (ITU T.81 §B.2). */
function jpegSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  let at = 2;
  while (at + 3 < bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image or scan before any frame
    const length = u16(bytes, at + 2);
    const startOfFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (startOfFrame) return at + 9 <= bytes.length ? { height: u16(bytes, at + 5), width: u16(bytes, at + 7) } : undefined;
    at += 2 + length;
  }
  return undefined;
}

/** Names a format we do not accept, for the message. */
function otherFormat(bytes: Uint8Array): string | undefined {
  if (ascii(bytes, 0, 4) === 'GIF8') return 'a GIF image';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'a WebP image';
  if (ascii(bytes, 4, 8) === 'ftyp') return 'an AVIF or HEIC image';
  if (ascii(bytes, 0, 2) === 'BM') return 'a BMP image';
  if (startsWith(bytes, [0, 0, 1, 0])) return 'an ICO image';
  if (ascii(bytes, 0, 5) === '%PDF-') return 'a PDF document';
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 4096)).toLowerCase();
  if (text.includes('<svg')) return 'an SVG image (SVG can carry scripts, so it is not accepted: export the logo as PNG)';
  return undefined;
}

export function identifyImage(bytes: Uint8Array, declaredType: string | undefined): ImageCheck {
  if (startsWith(bytes, PNG_SIGNATURE)) {
    const size = pngSize(bytes);
    return size ? { ok: true, contentType: 'image/png', ...size } : { ok: false, found: 'a damaged PNG image (no image header)' };
  }
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) {
    const size = jpegSize(bytes);
    return size ? { ok: true, contentType: 'image/jpeg', ...size } : { ok: false, found: 'a damaged JPEG image (no frame header)' };
  }
  const other = otherFormat(bytes);
  if (other) return { ok: false, found: other };
  // The declared type only ever appears in the message, and only when it looks like a media type.
  const declared = declaredType && /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/i.test(declaredType) ? ` (sent as ${declaredType})` : '';
  return { ok: false, found: `not an image we recognise${declared}` };
}
