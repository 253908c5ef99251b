import type { z } from 'zod';
import { validationError, type FieldError } from '../errors.js';

/** Converts zod issues into field errors that name the field and the rule that failed. */
export function fieldErrorsFrom(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const field = issue.path.join('.') || '(body)';
    if (issue.code === 'unrecognized_keys') {
      return { field: issue.keys.join(', '), message: `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}` };
    }
    return { field, message: issue.message };
  });
}

/** Validates input at a service boundary; throws VALIDATION_FAILED with per-field messages. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationError(fieldErrorsFrom(result.error));
  return result.data;
}
