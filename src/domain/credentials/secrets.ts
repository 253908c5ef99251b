import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';
import { argon2Slots } from './hashing-slots.js';

/**
 * Generated secrets: 256 random bits, base64url (URL-safe), behind a prefix that secret scanners
 * can match: `ssbs_` + 43 characters. Client IDs are UUIDs, so the two never look alike.
 */
export const GENERATED_SECRET_PREFIX = 'ssbs_';
export const GENERATED_SECRET_PATTERN = /^ssbs_[A-Za-z0-9_-]{43}$/;

export function generateSecret(): string {
  return GENERATED_SECRET_PREFIX + randomBytes(32).toString('base64url');
}

/** Rules for a secret an admin types; docs/credentials.md states them. */
export const CUSTOM_SECRET_MIN_LENGTH = 16;
export const CUSTOM_SECRET_MAX_LENGTH = 256;

export const customSecretSchema = z
  .string({ error: 'must be a string' })
  .min(CUSTOM_SECRET_MIN_LENGTH, `must be at least ${CUSTOM_SECRET_MIN_LENGTH} characters long`)
  .max(CUSTOM_SECRET_MAX_LENGTH, `must be at most ${CUSTOM_SECRET_MAX_LENGTH} characters long`)
  .refine((s) => !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(s), 'must not contain control or invisible formatting characters')
  .refine((s) => s.trim() === s, 'must not start or end with a space')
  .refine((s) => s.normalize('NFC') === s, 'must be in Unicode normalization form C (NFC), as typed');

/**
 * What stays visible after the secret itself is gone. A generated secret shows its last four
 * characters (24 of its 256 bits); a typed one shows none, since it may be short or guessable.
 */
export function secretHint(secret: string): string {
  return GENERATED_SECRET_PATTERN.test(secret) ? `${GENERATED_SECRET_PREFIX}…${secret.slice(-4)}` : 'custom secret';
}

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): slow enough that a stolen database does
// not make a weak custom secret cheap to recover, fast enough (~20 ms) for a cache miss.
const argon2Options = { algorithm: 2 /* Algorithm.Argon2id: a const enum, not importable as a value */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

// Both go through argon2Slots: at most ARGON2_CONCURRENCY computations hold their memory at once.
export function hashSecret(secret: string): Promise<string> {
  return argon2Slots.run(() => hash(secret, argon2Options));
}

export async function verifySecret(storedHash: string, secret: string): Promise<boolean> {
  try {
    return await argon2Slots.run(() => verify(storedHash, secret));
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;
/** Spends the same time as a real check, so an unknown client ID is not told apart by timing. */
export async function verifyAgainstDummy(secret: string): Promise<false> {
  dummyHash ??= hashSecret(randomBytes(32).toString('base64url'));
  await verifySecret(await dummyHash, secret);
  return false;
}

/** A fast keyed digest for the in-memory cache of verified secrets; the key never leaves the process. */
export function createSecretDigester(): { digest(secret: string): Buffer; equal(a: Buffer, b: Buffer): boolean } {
  const key = randomBytes(32);
  return {
    digest: (secret) => createHmac('sha256', key).update(secret, 'utf8').digest(),
    equal: (a, b) => a.length === b.length && timingSafeEqual(a, b),
  };
}
