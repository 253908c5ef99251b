import type { SsoFailureReason } from './sso-reasons.js';

/**
 * A login that cannot go on. `reason` is machine-readable (sent to the app's error URL and kept
 * in the SSO log); `message` is for the person; `errorUrl` is where to send them, and is only ever
 * a URL the application configured or one that matched its host rule.
 */
export class SsoFailure extends Error {
  /**
   * The account whose sign-in failed, once the login has been traced to one (the SSO service sets
   * it): its error page carries that account's branding. Undefined for a post that names no
   * account we know, which gets a neutral page.
   */
  accountId: string | undefined = undefined;

  constructor(
    /** A closed list (sso-reasons.ts), so the sign-in log can describe every reason. */
    readonly reason: SsoFailureReason,
    message: string,
    readonly errorUrl: string | null,
    /** The HTTP status of the error page shown when there is no error URL. */
    readonly status = 400,
    /** For the sign-in log beside the reason (never sent to the app or shown to the user); no user data. */
    readonly detail: string | null = null,
  ) {
    super(message);
    this.name = 'SsoFailure';
  }
}
