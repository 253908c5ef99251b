import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCENT_COLOR } from '../../src/domain/branding/accent-color.js';
import { MAX_DISPLAY_NAME_LENGTH, MAX_LOGO_BYTES, MAX_LOGO_SIDE_PIXELS } from '../../src/domain/branding/branding-schemas.js';

/** Markdown as read: emphasis marks gone, line breaks and indentation as single spaces. */
const prose = (file: string) => fs.readFileSync(file, 'utf8').replace(/[*_]/g, '').replace(/\s+/g, ' ');

describe('the docs state the branding limits the code applies', () => {
  const logo = `at most ${MAX_LOGO_BYTES / 1024} KiB and ${MAX_LOGO_SIDE_PIXELS} × ${MAX_LOGO_SIDE_PIXELS} pixels`;

  it('lists the display name and logo limits in docs/limits.md', () => {
    expect(prose('docs/limits.md')).toContain(`| Branding display name | 1–${MAX_DISPLAY_NAME_LENGTH} characters, no control characters |`);
    expect(prose('docs/limits.md')).toContain(`| Branding logo | PNG or JPEG (read from the bytes; SVG refused), ${logo} |`);
  });

  it('describes Account › Branding with the same limits and default in docs/sso.md, linked from the README', () => {
    const sso = prose('docs/sso.md');
    expect(sso).toContain(`| Display name | 1–${MAX_DISPLAY_NAME_LENGTH} characters`);
    expect(sso).toContain(`| Accent colour | \`#rrggbb\`;`);
    expect(sso).toContain(`\`${DEFAULT_ACCENT_COLOR}\` |`);
    expect(sso).toContain(`| Logo (optional) | PNG or JPEG, ${logo}`);
    expect(prose('README.md')).toContain('(docs/sso.md#branding-the-pages-your-users-see)');
  });
});
