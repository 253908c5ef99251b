import { AppError } from '../../errors.js';
import type { Application } from '../model.js';

/** REST and OIDC apps have no SAML identity of their own toward the app, so they are always multiplexed (as in PingOne). */
export function isMultiplexedApplication(app: Application): boolean {
  return app.kind !== 'saml' || app.multiplexed;
}

/**
 * SPEC §2: a non-multiplexed connection to a non-multiplexed application is not allowed (the
 * app would have no single identity to receive assertions from). The one place this rule lives.
 */
export function checkConnectionMultiplexing(app: Application, connectionMultiplexed: boolean, field: string): void {
  if (!connectionMultiplexed && !isMultiplexedApplication(app)) {
    throw new AppError('MULTIPLEXING_NOT_ALLOWED', `Application "${app.name}" is not multiplexed, so its connections must be multiplexed.`, {
      fields: [{ field, message: 'must be true for a non-multiplexed application' }],
    });
  }
}
