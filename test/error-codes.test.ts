import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError, errorCodes, type ErrorCode } from '../src/errors.js';

describe('docs/errors.md', () => {
  const rows = [...fs.readFileSync('docs/errors.md', 'utf8').matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => ({ code: m[1]!, status: Number(m[2]) }));

  it('lists every error code, and no code that does not exist', () => {
    expect(rows.map((r) => r.code).sort()).toEqual(Object.keys(errorCodes).sort());
  });

  it('gives each code the HTTP status the server answers with', () => {
    for (const row of rows) {
      expect(new AppError(row.code as ErrorCode, 'x').status, row.code).toBe(row.status);
    }
  });
});
