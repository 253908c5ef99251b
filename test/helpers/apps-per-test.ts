import { afterEach } from 'vitest';
import type { Dialect } from '../../src/db/dialect.js';
import type { TestClock } from './test-clock.js';
import { startTestApp, type TestInstance } from './test-app.js';

/** Test servers that a test starts and that are closed after it, whatever it asserted. */
export interface AppsPerTest {
  /** Starts a server on a fresh database of this dialect. */
  start(options?: { clock?: TestClock; env?: Record<string, string> }): Promise<TestInstance>;
  /** Closes these after the test too: instances started another way (e.g. two on one database). */
  closeAfterTest(...instances: TestInstance[]): void;
  /** The instance this test started last (for tests that reach past their set-up function to it). */
  readonly current: TestInstance;
}

/**
 * Call in a describe (or at file level): registers the afterEach that closes what the test started.
 * Kept apart from test-app.ts because bench scripts import that one outside vitest.
 */
export function appsPerTest(dialect: Dialect): AppsPerTest {
  const started: TestInstance[] = [];
  afterEach(async () => {
    for (const instance of started.splice(0)) await instance.close();
  });
  return {
    async start(options = {}) {
      const instance = await startTestApp(dialect, options);
      started.push(instance);
      return instance;
    },
    closeAfterTest(...instances) {
      started.push(...instances);
    },
    get current() {
      const instance = started.at(-1);
      if (!instance) throw new Error('No test server started in this test yet: call start() first.');
      return instance;
    },
  };
}
