import type { FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../errors.js';

/** A urlencoded form as single string values (the first, if a field repeats). */
export function formOf(request: FastifyRequest): Record<string, string> {
  const body = request.body;
  if (typeof body !== 'object' || body === null) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[key] = first;
  }
  return out;
}

/** An optional text field: empty means "not given". */
export function optionalField(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export type FormOutcome<T> = { ok: true; value: T } | { ok: false; message: string; fields: Record<string, string>; status: number };

/**
 * Runs a service call for a form. Errors a person can fix (validation, conflicts, throttling) come
 * back to re-render the form with messages next to their fields; anything else propagates.
 */
export async function submitForm<T>(action: () => Promise<T>): Promise<FormOutcome<T>> {
  try {
    return { ok: true, value: await action() };
  } catch (error) {
    if (!isAppError(error) || !isFixableByUser(error)) throw error;
    const fields = Object.fromEntries((error.fields ?? []).map((f) => [f.field, f.message]));
    const message = error.kind === 'rate_limited' ? `${error.message} (about ${error.retryAfterSeconds ?? 60} seconds)` : error.message;
    return { ok: false, message, fields, status: error.status };
  }
}

function isFixableByUser(error: AppError): boolean {
  return error.kind === 'validation' || error.kind === 'conflict' || error.kind === 'rate_limited' || error.code === 'INVALID_SIGN_IN' || error.code === 'SETUP_TOKEN_INVALID';
}
