import { z } from 'zod';
import { customSecretSchema } from './secrets.js';

export const DESCRIPTION_MAX_LENGTH = 200;

export const descriptionSchema = z
  .string({ error: 'must be a string' })
  .max(DESCRIPTION_MAX_LENGTH, `must be at most ${DESCRIPTION_MAX_LENGTH} characters long`)
  .refine((s) => !/[\p{Cc}]/u.test(s), 'must not contain control characters')
  .transform((s) => s.trim());

export const createConnectionApiCredentialInput = z.strictObject({
  description: descriptionSchema.default(''),
  /** Replaces the generated secret when given. */
  clientSecret: customSecretSchema.optional(),
});
export type CreateConnectionApiCredentialInput = z.input<typeof createConnectionApiCredentialInput>;

export const updateConnectionApiCredentialInput = z
  .strictObject({
    description: descriptionSchema.optional(),
    clientSecret: customSecretSchema.optional(),
    /** Replace the secret with a newly generated one. */
    generateSecret: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .refine((v) => !(v.clientSecret !== undefined && v.generateSecret), {
    message: 'give either a new client secret or ask for a generated one, not both',
    path: ['clientSecret'],
  });
export type UpdateConnectionApiCredentialInput = z.input<typeof updateConnectionApiCredentialInput>;

export const updateGlobalCredentialInput = z.strictObject({
  clientSecret: customSecretSchema.optional(),
  enabled: z.boolean({ error: 'must be true or false' }).optional(),
});
export type UpdateGlobalCredentialInput = z.input<typeof updateGlobalCredentialInput>;
