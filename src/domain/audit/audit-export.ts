import { z } from 'zod';
import { validationError } from '../../errors.js';
import type { AuditFilters, AuditPosition } from '../../db/repositories/audit-repository.js';
import type { AuditEvent } from './audit-log.js';

/**
 * The audit log as it leaves ssobridge: one JSON shape for the API (`auditLog`), the console's
 * JSON Lines download and `ssobridge audit export`, and the filters all three take.
 */

const isoTime = z
  .iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone, such as 2026-01-31T09:00:00Z' })
  .transform((value) => Date.parse(value));

/** Filters as they arrive (query string, form, command line); times as ISO 8601 strings. */
export const auditFilterShape = {
  from: isoTime.optional().describe('Events at or after this ISO 8601 time'),
  to: isoTime.optional().describe('Events before this ISO 8601 time'),
  actor: z.string().min(1, 'must not be empty').max(320, 'must be at most 320 characters long').optional().describe("The actor's id (admin id, client ID, OS user) or label (email address, credential description), exactly"),
  action: z
    .string()
    .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*\.?$/, 'must be an action such as customer.created, or a prefix ending in a dot such as customer.')
    .max(100, 'must be at most 100 characters long')
    .optional()
    .describe('An action (`customer.created`), or every action under a prefix that ends with a dot (`customer.`)'),
};

/** `to` must come after `from`: a window the other way round matches nothing, surely a mistake. */
export function checkTimeOrder(value: { from?: number | undefined; to?: number | undefined }, ctx: z.RefinementCtx): void {
  if (value.from !== undefined && value.to !== undefined && value.to <= value.from) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be later than from' });
  }
}

export const auditFiltersInput = z.strictObject(auditFilterShape).superRefine(checkTimeOrder);
export type AuditFiltersInput = z.input<typeof auditFiltersInput>;
export type { AuditFilters };

/** The API's page size bounds. */
export const AUDIT_PAGE_DEFAULT = 100;
export const AUDIT_PAGE_MAX = 1000;

/** Opaque to clients: base64url JSON of the last position read. */
export function encodeAuditCursor(position: AuditPosition): string {
  return Buffer.from(JSON.stringify({ x: position.writerXid, i: position.id })).toString('base64url');
}

export function decodeAuditCursor(cursor: string): AuditPosition {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null && 'x' in value && 'i' in value && Number.isSafeInteger(value.x) && Number.isSafeInteger(value.i)) {
      return { writerXid: Number(value.x), id: Number(value.i) };
    }
  } catch {
    // not one of ours: answered below
  }
  throw validationError([{ field: 'cursor', message: 'is not a cursor returned by this API' }]);
}

export const START_POSITION: AuditPosition = { writerXid: 0, id: 0 };

/** One exported event. Never a secret: the log records none (AuditEntry.details). */
export interface AuditEventJson {
  id: number;
  at: string;
  actor: { kind: string; id: string; label: string };
  action: string;
  target: { kind: string; id: string };
  sourceIp: string;
  details: AuditEvent['details'];
}

export function auditEventJson(e: AuditEvent): AuditEventJson {
  return {
    id: e.id,
    at: new Date(e.at).toISOString(),
    actor: { kind: e.actorKind, id: e.actorId, label: e.actorLabel },
    action: e.action,
    target: { kind: e.targetKind, id: e.targetId },
    sourceIp: e.sourceIp,
    details: e.details,
  };
}
