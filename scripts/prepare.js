// npm's "prepare" script, run by `npm ci` and `npm install`: builds dist/ with the TypeScript
// compiler, a development dependency. A production install (`npm ci --omit=dev`, or NODE_ENV=
// production) has no compiler: it keeps a dist/ built beforehand (by `npm ci` in a build step,
// then copied in) and stops with instructions when there is none, rather than installing a
// server that cannot start.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

function resolveCompiler() {
  try {
    return createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return null;
  }
}

const tsc = resolveCompiler();
if (tsc) {
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  process.exit(build.status ?? 1);
}
if (fs.existsSync(path.join(root, 'dist', 'cli.js'))) {
  process.stdout.write('ssobridge: TypeScript is not installed (production install): using the dist/ already built.\n');
  process.exit(0);
}
process.stderr.write(
  'ssobridge: dist/ is missing and TypeScript (a development dependency) is not installed to build it.\n' +
    'Either install with the development dependencies (`npm ci`), or build dist/ first (`npm ci && npm run build`\n' +
    'in a build step) and copy it in before `npm ci --omit=dev`. See docs/operations.md.\n',
);
process.exit(1);
