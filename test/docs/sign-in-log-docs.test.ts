import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_NAME_SHOWN_LENGTH, SENT_ATTRIBUTE_NAMES_SHOWN } from '../../src/domain/sso/missing-attribute-detail.js';

/** Markdown as read: emphasis marks gone, line breaks and indentation as single spaces. */
const prose = (file: string) => fs.readFileSync(file, 'utf8').replace(/[*_]/g, '').replace(/\s+/g, ' ');

describe('the docs state the sign-in log limits the code applies', () => {
  it('gives the bounds on attribute names in a missing-attribute entry', () => {
    const limit = `${SENT_ATTRIBUTE_NAMES_SHOWN} names, each cut to ${ATTRIBUTE_NAME_SHOWN_LENGTH} characters`;
    expect(prose('docs/limits.md')).toContain(`| Attribute names in a missing-attribute entry of the sign-in log | ${limit}`);
    expect(prose('docs/sso.md')).toContain(`at most ${SENT_ATTRIBUTE_NAMES_SHOWN} names, each cut to ${ATTRIBUTE_NAME_SHOWN_LENGTH} characters; names only, never values`);
  });
});
