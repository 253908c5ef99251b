import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { fieldErrorsFrom } from '../domain/validation.js';
import { validationError } from '../errors.js';

/**
 * Validates route input with its zod schema and fails with the domain's own VALIDATION_FAILED
 * error, so a bad query or body reads exactly like a rule broken inside a service: each field
 * named with the rule it broke (unknown fields included).
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const result = schema.safeParse(data);
    return result.success ? { value: result.data } : { error: validationError(fieldErrorsFrom(result.error)) };
  };
