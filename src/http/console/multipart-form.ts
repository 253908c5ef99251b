import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';

/** A file from a form's file input. */
export interface UploadedFile {
  bytes: Uint8Array;
  /** What the browser declared (from the file name); never trusted for anything but a message. */
  type: string;
  name: string;
}

export type MultipartBody = Record<string, string | UploadedFile>;

export function isUploadedFile(value: unknown): value is UploadedFile {
  return typeof value === 'object' && value !== null && 'bytes' in value && value.bytes instanceof Uint8Array;
}

/**
 * Lets the routes of one plugin scope read `multipart/form-data` (a form with a file input, which
 * keeps working without JavaScript). The body, at most `bodyLimit` bytes, is parsed by the
 * parser built into Node (undici's, behind the Fetch standard's `Response.formData()`), so no
 * multipart code of our own. Each field becomes a string or an UploadedFile; a repeated field
 * keeps its first value, as the console's urlencoded forms do. A file input with no file chosen
 * (sent with an empty file name) arrives as an empty string.
 */
export function acceptMultipartForms(scope: FastifyInstance, bodyLimit: number): void {
  scope.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit }, async (request: FastifyRequest, body: Buffer) => {
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(body), { headers: { 'content-type': request.headers['content-type'] ?? '' } }).formData();
    } catch (error) {
      throw new AppError('MALFORMED_REQUEST', 'The form could not be read (malformed multipart/form-data).', { cause: error });
    }
    // No prototype: a part named __proto__ must stay an ordinary field.
    const out: MultipartBody = Object.create(null) as MultipartBody;
    for (const [name, value] of form) {
      if (Object.hasOwn(out, name)) continue;
      if (typeof value === 'string') out[name] = value;
      else out[name] = { bytes: new Uint8Array(await value.arrayBuffer()), type: value.type, name: value.name };
    }
    return out;
  });
}
