import type { FastifyRequest } from 'fastify';
import { type AppError, isAppError } from '../../errors.js';

/** A urlencoded form as single string values (the first, if a field repeats). */
export function formOf(request: FastifyRequest): Record<string, string> {
  const body = request.body;
  if (typeof body !== 'object' || body === null) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[key] = first;
  }
  return out;
}

/** An optional text field: empty means "not given". */
export function optionalField(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export type FormOutcome<T> = { ok: true; value: T } | { ok: false; code: string; message: string; fields: Record<string, string>; status: number };

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
    return { ok: false, code: error.code, message, fields, status: error.status };
  }
}

function isFixableByUser(error: AppError): boolean {
  return error.kind === 'validation' || error.kind === 'conflict' || error.kind === 'rate_limited' || error.code === 'INVALID_SIGN_IN' || error.code === 'SETUP_TOKEN_INVALID' || error.code === 'INVALID_MFA_CODE' || error.code === 'ADMIN_INVITATION_INVALID';
}

/** Every value of a repeated field (checkbox groups), in form order. */
export function formValues(request: FastifyRequest, name: string): string[] {
  const body = request.body;
  if (typeof body !== 'object' || body === null) return [];
  const value = (body as Record<string, unknown>)[name];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

/** A checkbox: present (with its value) when ticked, absent when not. */
export function checked(form: Record<string, string>, name: string): boolean {
  return form[name] === 'true';
}

/**
 * Moves errors on list items (`certificates.1`, `requiredAttributes.0.name`) onto the form field
 * that holds the list, naming the item, so the message appears next to the textarea.
 */
export function groupFieldErrors(fields: Record<string, string>, itemLabel: (field: string, index: number) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(fields)) {
    const [head = path, index] = path.split('.');
    const text = index !== undefined && /^\d+$/.test(index) ? `${itemLabel(head, Number(index))}: ${message}` : message;
    out[head] = out[head] ? `${out[head]}; ${text}` : text;
  }
  return out;
}

/** Non-empty lines of a textarea, each with its 1-based line number. */
export function linesOf(text: string | undefined): { line: number; text: string }[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((t, i) => ({ line: i + 1, text: t.trim() }))
    .filter((l) => l.text !== '');
}
