import { z } from 'zod';
import type { SsoFailure } from '../../errors.js';
import type { ValidatedAssertion } from '../../saml/response-validation.js';
import { mapAttributes, type AttributeMapping } from '../connections/attribute-mapping.js';
import type { Application } from '../model.js';
import { describeSsoReason } from './sso-reasons.js';

/**
 * A test sign-in from the setup portal: a real SP-initiated sign-in through the customer's IdP
 * and our ACS, whose validated response is kept as the setup link's result (shown to the
 * customer's IT admin) instead of being delivered to the application.
 */

/** Where the ACS sends the browser after a test sign-in; the portal finds its way back from there. */
export const TEST_RESULT_PATH = '/setup/test-result';

/** What is kept of a test: what the IdP sent (the admin's own test user), or why it failed. */
export const storedTestResultSchema = z.discriminatedUnion('passed', [
  z.object({
    passed: z.literal(true),
    at: z.number(),
    nameId: z.string(),
    nameIdFormat: z.string().nullable(),
    /** As the IdP sent them, before the connection's attribute mapping. */
    attributes: z.record(z.string(), z.array(z.string())),
  }),
  z.object({ passed: z.literal(false), at: z.number(), reason: z.string(), description: z.string(), detail: z.string().nullable() }),
]);
export type StoredTestResult = z.output<typeof storedTestResultSchema>;

/** Whether one application would get each attribute it asks for, once the connection's mapping is applied. */
export interface ApplicationAttributeCheck {
  application: string;
  attributes: { name: string; required: boolean; present: boolean }[];
}

/** A test as the portal shows it: a passed one with each application's attributes checked. */
export type TestSignInResult = Extract<StoredTestResult, { passed: false }> | (Extract<StoredTestResult, { passed: true }> & { applications: ApplicationAttributeCheck[] });

export function passedTestResult(assertion: ValidatedAssertion, at: number): StoredTestResult {
  return { passed: true, at, nameId: assertion.nameId, nameIdFormat: assertion.nameIdFormat ?? null, attributes: assertion.attributes };
}

/** The reason code and its plain-words description (sso-reasons.ts). */
export function failedTestResult(failure: SsoFailure, at: number): StoredTestResult {
  return { passed: false, at, reason: failure.reason, description: describeSsoReason(failure.reason), detail: failure.detail ?? null };
}

/** Each application's attributes, present or missing in what the test received, as deliveries map them. */
export function checkApplicationAttributes(result: StoredTestResult, applications: readonly Application[], mapping: AttributeMapping): TestSignInResult {
  if (!result.passed) return result;
  const mapped = mapAttributes(mapping, result).attributes;
  return {
    ...result,
    applications: applications.map((app) => ({
      application: app.name,
      attributes: app.requiredAttributes.map((a) => ({ name: a.name, required: a.required, present: (mapped[a.name]?.length ?? 0) > 0 })),
    })),
  };
}

/** What the sign-in log says beside a test sign-in's reason. */
export function testSignInLogDetail(linkId: string, detail: string | null): string {
  return [`Test sign-in from setup link ${linkId}: nothing was delivered to the application.`, detail].filter(Boolean).join(' ');
}
