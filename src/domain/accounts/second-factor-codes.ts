import { createHash, randomInt } from 'node:crypto';
import * as OTPAuth from 'otpauth';

/**
 * TOTP as every authenticator app reads it (RFC 6238 defaults: HMAC-SHA1, 6 digits, 30-second
 * steps, 160-bit secret), accepted one step either side of the server's clock (RFC 6238 §5.2:
 * "at most one time step" of network delay and clock drift).
 */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
export const TOTP_WINDOW_STEPS = 1;
export const TOTP_ISSUER = 'ssobridge';

/** 10 codes of 10 characters, from an alphabet without look-alikes (no 0/o, 1/l/i). About 49 bits each. */
export const RECOVERY_CODE_COUNT = 10;
const RECOVERY_CODE_LENGTH = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export function newTotpSecret(): string {
  return new OTPAuth.Secret({ size: 20 }).base32;
}

function totpOf(secretBase32: string, label: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: OTPAuth.Secret.fromBase32(secretBase32),
  });
}

/** The `otpauth://totp/…` URI an authenticator app scans (or takes pasted). */
export function totpUri(secretBase32: string, label: string): string {
  return totpOf(secretBase32, label).toString();
}

/** The time step of a moment. */
export function totpStepAt(timestampMs: number): number {
  return Math.floor(timestampMs / 1000 / TOTP_PERIOD_SECONDS);
}

/**
 * The time step whose code `code` is, within the window around `now`, or undefined. The caller
 * must still refuse a step at or before the last one accepted (replay).
 */
export function matchTotpStep(secretBase32: string, code: string, now: number): number | undefined {
  const delta = totpOf(secretBase32, 'check').validate({ token: code, timestamp: now, window: TOTP_WINDOW_STEPS });
  return delta === null ? undefined : totpStepAt(now) + delta;
}

/** Whether the input looks like a TOTP code (digits only, spaces allowed as apps show "123 456"). */
export function asTotpCode(input: string): string | undefined {
  const digits = input.replace(/\s+/g, '');
  return new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(digits) ? digits : undefined;
}

/** Fresh recovery codes as shown once: `abcde-fghjk`. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: RECOVERY_CODE_LENGTH }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** A recovery code as typed (any case, with or without the dash or spaces), normalized; undefined when it cannot be one. */
export function asRecoveryCode(input: string): string | undefined {
  const normalized = input.toLowerCase().replace(/[\s-]+/g, '');
  return normalized.length === RECOVERY_CODE_LENGTH && [...normalized].every((c) => RECOVERY_ALPHABET.includes(c)) ? normalized : undefined;
}

/** What is stored of a recovery code: high-entropy and throttled, so a plain SHA-256 suffices (as for session tokens). */
export function hashRecoveryCode(normalized: string): string {
  return createHash('sha256').update(`ssobridge-recovery\0${normalized}`).digest('hex');
}
