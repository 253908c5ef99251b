import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARGON2_CONCURRENCY } from '../../src/domain/credentials/hashing-slots.js';
import { CUSTOMER_PUT_BODY_LIMIT, DEFAULT_BODY_LIMIT, formatBytes } from '../../src/http/body-limits.js';
import { MAX_METADATA_BYTES } from '../../src/saml/idp-metadata.js';

const read = (file: string) => fs.readFileSync(file, 'utf8');
/** The row of a Markdown table whose first cell starts with `first`. */
function row(file: string, first: string): string {
  const line = read(file)
    .split('\n')
    .find((l) => l.startsWith(`| ${first}`));
  if (!line) throw new Error(`${file} has no table row starting with "${first}"`);
  return line;
}

describe('limits the docs state, read from the code', () => {
  const customerPut = formatBytes(CUSTOMER_PUT_BODY_LIMIT);
  const other = formatBytes(DEFAULT_BODY_LIMIT);

  it('formats byte counts as the docs write them', () => {
    expect([formatBytes(256 * 1024), formatBytes(1024 * 1024), formatBytes(1024 * 1024 + 256 * 1024)]).toEqual(['256 KiB', '1 MiB', '1.25 MiB']);
  });

  it('gives the same API body limits in errors.md, api.md and limits.md', () => {
    for (const line of [row('docs/errors.md', '`BODY_TOO_LARGE`'), row('docs/api.md', '413')]) {
      expect(line).toContain(`${customerPut} for \`PUT …/spManaged/{idpId}\``);
      expect(line).toContain(`${other} for any other`);
    }
    expect(row('docs/limits.md', 'Customer Connection API body')).toContain(customerPut);
    expect(row('docs/limits.md', 'Other JSON request bodies')).toContain(other);
  });

  it('gives how many argon2id computations run at once', () => {
    expect(row('docs/limits.md', 'argon2id computations at once')).toContain(`| ${ARGON2_CONCURRENCY} per process, 19 MiB each`);
  });

  it('gives the metadata limit the parser and the fetcher enforce', () => {
    const metadata = formatBytes(MAX_METADATA_BYTES);
    expect(row('docs/limits.md', 'IdP metadata')).toContain(metadata);
    expect(row('docs/limits.md', 'Metadata URL fetch')).toContain(metadata);
    expect(row('docs/limits.md', 'Customer Connection API body')).toContain(`${metadata} of metadata`);
  });
});
