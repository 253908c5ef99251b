import fs from 'node:fs';
import path from 'node:path';

/** The results file a bench script appends its section to: BENCH_OUTPUT, else docs/benchmarks.md. */
export const benchOutput = process.env.BENCH_OUTPUT ?? path.join('docs', 'benchmarks.md');

/** Appends a section (markdown lines) to the results file, prints it, and says on stderr where it went. */
export function appendSection(name: string, lines: string[]): void {
  fs.appendFileSync(benchOutput, lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stderr.write(`[bench] appended the ${name} section to ${benchOutput}\n`);
}

/** Runs a bench script's main; a failure prints its stack and exits 1 (so a caller or CI sees it). */
export function runBench(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
