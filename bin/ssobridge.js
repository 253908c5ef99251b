#!/usr/bin/env node
// Runs the compiled server from dist/ (built by scripts/prepare.js, which `npm ci` runs, when
// TypeScript is installed). In a development checkout, where tsx is installed, the TypeScript
// sources run instead whenever one is newer than dist/, so an edit is never shadowed by a stale
// build. A production install (`npm ci --omit=dev`) has no tsx: it always runs dist/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const compiled = path.join(root, 'dist', 'cli.js');
const sources = path.join(root, 'src');

function newestSourceTime(dir) {
  if (!fs.existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceTime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** tsx's loader, or null when tsx is not installed (a production install). */
async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch (error) {
    if (error && typeof error === 'object' && 'code' in error && (error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'MODULE_NOT_FOUND')) return null;
    throw error;
  }
}

const hasCompiled = fs.existsSync(compiled);
const compiledIsCurrent = hasCompiled && fs.statSync(compiled).mtimeMs >= newestSourceTime(sources);
const tsx = compiledIsCurrent ? null : await loadTsx();

if (tsx && fs.existsSync(path.join(sources, 'cli.ts'))) {
  tsx.register();
  await import(pathToFileURL(path.join(sources, 'cli.ts')).href);
} else if (hasCompiled) {
  if (!compiledIsCurrent) {
    process.stderr.write('ssobridge: dist/ is older than src/ and tsx is not installed to run the sources; running dist/ as built. Run `npm run build` to rebuild it.\n');
  }
  await import(pathToFileURL(compiled).href);
} else {
  process.stderr.write(
    'ssobridge: cannot start: dist/cli.js is missing and tsx is not installed to run the TypeScript sources.\n' +
      'Install with the development dependencies (`npm ci`, which builds dist/), or build dist/ elsewhere\n' +
      '(`npm ci && npm run build`) and copy it here before `npm ci --omit=dev`. See docs/operations.md.\n',
  );
  process.exitCode = 1;
}
