import { SsoFailure } from '../errors.js';
import type { SamlCheck } from './saml-checks.js';

/** The refusal a failed check gives: an SsoFailure carrying the check's reason and the rule it enforces. */
export function refusal(check: SamlCheck<never>, message: string): SsoFailure {
  return new SsoFailure(check.reason, message, { rule: check.rule });
}

/** The first of `checks` that fails on `subject`, as its refusal; undefined when all hold. */
export function firstFailure<Subject>(checks: readonly SamlCheck<Subject>[], subject: Subject): SsoFailure | undefined {
  for (const check of checks) {
    const problem = check.run(subject);
    if (problem !== undefined) return refusal(check, problem);
  }
  return undefined;
}

/** Runs `checks` in order on `subject`; the first that fails throws its refusal. */
export function runChecks<Subject>(checks: readonly SamlCheck<Subject>[], subject: Subject): void {
  const failure = firstFailure(checks, subject);
  if (failure) throw failure;
}
