import { createHash } from 'node:crypto';
import { z } from 'zod';
import { HEX_COLOR } from './accent-color.js';
import { identifyImage, type LogoContentType } from './logo-image.js';

export const MAX_DISPLAY_NAME_LENGTH = 80;
export const MAX_LOGO_BYTES = 64 * 1024;
/** Per side: a small file can still declare a huge canvas, which every visitor's browser would decode. */
export const MAX_LOGO_SIDE_PIXELS = 2048;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export const displayNameSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_DISPLAY_NAME_LENGTH, `must be at most ${MAX_DISPLAY_NAME_LENGTH} characters long`)
  .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'must not contain control characters');

export const accentColorSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .regex(HEX_COLOR, 'must be a colour written #rrggbb, such as #1f5fbf')
  .transform((color) => color.toLowerCase());

/** A checked logo, ready to store: its bytes, what they are, and their SHA-256 (its public name). */
export interface CheckedLogo {
  bytes: Buffer;
  contentType: LogoContentType;
  sha256: string;
  width: number;
  height: number;
}

/** An uploaded file as the HTTP layer received it; only the bytes decide what it is. */
export const logoUploadSchema = z
  .object({ bytes: z.instanceof(Uint8Array, { error: 'must be a file' }), declaredType: z.string().optional() })
  .transform((upload, ctx): CheckedLogo => {
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (upload.bytes.length === 0) return fail('is an empty file');
    if (upload.bytes.length > MAX_LOGO_BYTES) return fail(`must be at most ${MAX_LOGO_BYTES / 1024} KiB; this file is ${kib(upload.bytes.length)}`);
    const image = identifyImage(upload.bytes, upload.declaredType);
    if (!image.ok) return fail(`must be a PNG or JPEG image; this file is ${image.found}`);
    if (image.width < 1 || image.height < 1 || image.width > MAX_LOGO_SIDE_PIXELS || image.height > MAX_LOGO_SIDE_PIXELS) {
      return fail(`must be at most ${MAX_LOGO_SIDE_PIXELS} × ${MAX_LOGO_SIDE_PIXELS} pixels; this image is ${image.width} × ${image.height}`);
    }
    const bytes = Buffer.from(upload.bytes);
    return { bytes, contentType: image.contentType, sha256: createHash('sha256').update(bytes).digest('hex'), width: image.width, height: image.height };
  });

/**
 * An account's branding as an admin saves it. `logo`: a new file replaces the logo, `null`
 * removes it, absent keeps it.
 */
export const brandingInputSchema = z.strictObject({
  displayName: displayNameSchema,
  accentColor: accentColorSchema,
  logo: logoUploadSchema.nullable().optional(),
});

export type BrandingInput = z.input<typeof brandingInputSchema>;
