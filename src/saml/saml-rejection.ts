import { SsoFailure } from '../errors.js';
import type { SamlRejectReason } from './saml-reasons.js';

/** Refuses a SAML message: an SsoFailure carrying the reason and the rule the check enforces. */
export function reject(reason: SamlRejectReason, message: string, rule: string): never {
  throw new SsoFailure(reason, message, { rule });
}
