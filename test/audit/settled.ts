import { sql } from 'kysely';
import type { TestInstance } from '../helpers/test-app.js';

/**
 * On PostgreSQL the API shows an event once every write transaction that was running on the
 * server when it was written has ended; other test files (other databases too) share the server,
 * and a long transaction of theirs holds the horizon back. Waits until it has passed everything
 * written so far: a condition, not a time limit (the test's own timeout is the limit).
 */
export async function settled(instance: TestInstance): Promise<void> {
  if (instance.location.dialect !== 'postgres') return;
  for (;;) {
    const { rows } = await sql<{ settled: boolean }>`select coalesce(max(writer_xid), 0) < pg_snapshot_xmin(pg_current_snapshot())::text::bigint as settled from audit_events`.execute(instance.database.db);
    if (rows[0]?.settled) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
