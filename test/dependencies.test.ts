/**
 * package.json's runtime `dependencies` are exactly the packages the shipped code (src/, bin/)
 * imports at runtime: a production install (`npm ci --omit=dev`) must have everything the server
 * loads, and nothing else. Imports are found with regular expressions, which is enough for this
 * code base (one statement per import, semicolons, no computed specifiers).
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
const dependencies = Object.keys(manifest.dependencies ?? {});
const devDependencies = Object.keys(manifest.devDependencies ?? {});

/** Development dependencies that shipped code may load, each only when it is installed, and why. */
const OPTIONAL_AT_RUNTIME: Record<string, string> = {
  tsx: 'bin/ssobridge.js runs the TypeScript sources through it when it is installed (a development checkout), and dist/ otherwise',
};

interface Import {
  file: string;
  specifier: string;
  typeOnly: boolean;
}

/** Every module specifier in one file: static imports and re-exports (noting `import type`), side-effect imports, import() and require(). */
function findImports(file: string, source: string): Import[] {
  const found: Import[] = [];
  for (const match of source.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^'";]*?\bfrom\s+['"]([^'"]+)['"]/gm)) found.push({ file, specifier: match[2]!, typeOnly: match[1] !== undefined });
  for (const match of source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push({ file, specifier: match[1]!, typeOnly: false });
  for (const match of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ file, specifier: match[1]!, typeOnly: false });
  for (const match of source.matchAll(/\brequire(?:\.resolve)?\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ file, specifier: match[1]!, typeOnly: false });
  return found;
}

/** The npm package a specifier loads, or null for relative paths and Node's own modules. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || specifier.startsWith('file:')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return builtinModules.includes(name) ? null : name;
}

function filesUnder(dir: string, extension: RegExp): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(file, extension);
    return entry.isFile() && extension.test(entry.name) ? [file] : [];
  });
}

const shipped = [...filesUnder('src', /\.ts$/), ...filesUnder('bin', /\.[cm]?js$/)];
const imports = shipped.flatMap((file) => findImports(file, fs.readFileSync(path.join(root, file), 'utf8')));
const runtimeImports = imports.filter((i) => !i.typeOnly);

describe('findImports and packageOf', () => {
  it('finds every import form and names the package it loads', () => {
    const source = [
      "import fs from 'node:fs';",
      "import { z } from 'zod';",
      "import type { FastifyInstance } from 'fastify';",
      'import {\n  a,\n  type B,\n} from "@scope/pkg/sub/path";',
      "import 'reflect-metadata';",
      "export { x } from './local.js';",
      "export type { Y } from 'some-types';",
      "const { register } = await import('tsx/esm/api');",
      "const pg = require('pg');",
    ].join('\n');
    expect(findImports('f.ts', source).map((i) => [packageOf(i.specifier), i.typeOnly])).toEqual([
      [null, false],
      ['zod', false],
      ['fastify', true],
      ['@scope/pkg', false],
      [null, false],
      ['some-types', true],
      ['reflect-metadata', false],
      ['tsx', false],
      ['pg', false],
    ]);
    expect(['fs', 'path', 'crypto'].map(packageOf)).toEqual([null, null, null]);
  });
});

describe('runtime dependencies', () => {
  it('finds the shipped files', () => {
    expect(shipped).toContain(path.join('bin', 'ssobridge.js'));
    expect(shipped).toContain(path.join('src', 'main.ts'));
  });

  it('lists every package that src/ and bin/ import at runtime in dependencies', () => {
    const missing = runtimeImports
      .map((i) => ({ ...i, name: packageOf(i.specifier) }))
      .filter((i): i is Import & { name: string } => i.name !== null && !dependencies.includes(i.name) && !(i.name in OPTIONAL_AT_RUNTIME))
      .map((i) => `${i.name} (imported by ${i.file}${devDependencies.includes(i.name) ? '; it is only a devDependency' : ''})`);
    expect(missing, 'imported at runtime but not in package.json "dependencies"').toEqual([]);
  });

  it('imports every entry of dependencies somewhere in src/ or bin/ at runtime', () => {
    const used = new Set(runtimeImports.map((i) => packageOf(i.specifier)));
    expect(
      dependencies.filter((name) => !used.has(name)),
      'in package.json "dependencies" but never imported at runtime by src/ or bin/ (a devDependency, or unused?)',
    ).toEqual([]);
  });

  it('resolves every type-only import to a declared package', () => {
    const undeclared = imports
      .filter((i) => i.typeOnly)
      .map((i) => ({ ...i, name: packageOf(i.specifier) }))
      .filter((i) => i.name !== null && !dependencies.includes(i.name) && !devDependencies.includes(i.name))
      .map((i) => `${i.name} (${i.file})`);
    expect(undeclared).toEqual([]);
  });

  it('keeps the optional runtime loaders out of dependencies, and loads them only from bin/', () => {
    for (const name of Object.keys(OPTIONAL_AT_RUNTIME)) {
      expect(devDependencies, name).toContain(name);
      expect(dependencies, name).not.toContain(name);
      expect(runtimeImports.filter((i) => packageOf(i.specifier) === name).map((i) => i.file)).toEqual([path.join('bin', 'ssobridge.js')]);
    }
  });
});
