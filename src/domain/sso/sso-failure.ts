import type { SsoFailureReason } from './sso-reasons.js';

/**
 * A login that cannot go on. `reason` is machine-readable (sent to the app's error URL and kept
 * in the SSO log); `message` is for the person; `errorUrl` is where to send them, and is only ever
 * a URL the application configured or one that matched its host rule.
 */
export class SsoFailure extends Error {
  constructor(
    /** A closed list (sso-reasons.ts), so the sign-in log can describe every reason. */
    readonly reason: SsoFailureReason,
    message: string,
    readonly errorUrl: string | null,
    /** The HTTP status of the error page shown when there is no error URL. */
    readonly status = 400,
  ) {
    super(message);
    this.name = 'SsoFailure';
  }
}
