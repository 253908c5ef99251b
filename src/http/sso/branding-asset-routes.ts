import type { FastifyInstance } from 'fastify';
import { contrastRatio, readableTextOn } from '../../domain/branding/accent-color.js';
import type { Services } from '../../services.js';

/** Both URLs name their content (the colour, the logo's SHA-256): what they answer never changes. */
const FOREVER = 'public, max-age=31536000, immutable';

/** The stylesheet of one accent colour: its two custom properties, read by public/end-user.css. */
export function accentStylesheet(accentColor: string): string {
  const text = readableTextOn(accentColor);
  return `/* Accent ${accentColor}; text on it ${text} (contrast ${contrastRatio(accentColor, text).toFixed(2)}:1, WCAG AA needs 4.5:1). */
:root { --brand-accent: ${accentColor}; --brand-on-accent: ${text}; }
`;
}

/**
 * The account branding's assets, from our own origin: end users' browsers fetch nothing from
 * anywhere else (a logo URL on another host would tell that host who signs in, and when).
 */
export async function brandingAssetRoutes(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const { services } = options;

  app.get<{ Params: { file: string } }>('/sso/branding/accent/:file', async (request, reply) => {
    const color = /^([0-9a-f]{6})\.css$/.exec(request.params.file)?.[1];
    if (!color) return reply.callNotFound();
    return reply.header('Cache-Control', FOREVER).type('text/css; charset=utf-8').send(accentStylesheet(`#${color}`));
  });

  app.get<{ Params: { sha256: string } }>('/sso/branding/logo/:sha256', async (request, reply) => {
    const logo = await services.branding.findLogo(request.params.sha256);
    if (!logo) return reply.callNotFound();
    return (
      reply
        .header('Cache-Control', FOREVER)
        // Only PNG or JPEG is ever stored (checked from its bytes), and is sent as exactly that;
        // opened on its own, the response may run nothing and load nothing.
        .header('Content-Security-Policy', "default-src 'none'; sandbox")
        .header('X-Content-Type-Options', 'nosniff')
        .type(logo.contentType)
        .send(logo.bytes)
    );
  });
}
