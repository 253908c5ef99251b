import type { FastifyBaseLogger } from 'fastify';
import type { BrandingService } from '../../domain/branding/branding-service.js';
import { logoPath, type PageBranding } from '../views/end-user-layout.js';

/** Reads the branding an end-user page shows for an account; see endUserLayout. */
export type PageBrandingLoader = (accountId: string | undefined) => Promise<PageBranding | undefined>;

/**
 * Read only when a page is rendered (never for a plain redirect). A page whose account is
 * unknown, or whose branding cannot be read (the database is down while we explain a failure),
 * is shown neutral rather than not at all.
 */
export function pageBrandingLoader(branding: BrandingService, log: FastifyBaseLogger): PageBrandingLoader {
  return async (accountId) => {
    if (accountId === undefined) return undefined;
    try {
      const b = await branding.getBranding(accountId);
      return { displayName: b.displayName, accentColor: b.accentColor, logo: b.logo && { url: logoPath(b.logo.sha256), width: b.logo.width, height: b.logo.height } };
    } catch (error) {
      log.warn({ err: error, accountId }, 'could not read the account branding; showing a neutral page');
      return undefined;
    }
  };
}
