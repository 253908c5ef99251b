import { describe, expect, it } from 'vitest';
import { describePostgresUrl } from '../../src/db/database-faults.js';

describe('describePostgresUrl', () => {
  it('names the server and database without the password', () => {
    expect(describePostgresUrl('postgres://app:s3cret@db.example:5432/ssobridge?sslpassword=x')).toBe('PostgreSQL postgres://app@db.example:5432/ssobridge');
  });

  it('never prints a password that contains a slash (the parser ends the authority early)', () => {
    const described = describePostgresUrl('postgres://app:5432/Xq9Lk@db.invalid/app');
    expect(described).not.toContain('Xq9Lk');
    expect(described).toBe('PostgreSQL (DATABASE_URL)');
  });
});
