/**
 * No import cycle among the modules of src/, counting `import type` and re-exports: in a cycle one
 * module can run before the module it reads from (its exports still undefined), and the layers
 * stop being separable (domain must not need http, a model module must not need its service).
 * dpdm resolves each specifier with the TypeScript compiler and tsconfig.json, as tsc does.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCircular, parseDependencyTree, type DependencyTree } from 'dpdm';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const srcDir = path.join(root, 'src') + path.sep;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** src/'s import graph: each module (a path from the repository root) and what it imports. */
async function srcImportGraph(): Promise<DependencyTree> {
  return parseDependencyTree('src/**/*.ts', {
    context: root,
    tsconfig: path.join(root, 'tsconfig.json'),
    // Keep type-only imports: a cycle of types still ties the modules' layers together.
    transform: false,
    skipDynamicImports: false,
    // Follow only src/; packages and node: builtins are leaves.
    include: new RegExp(`^${escapeRegExp(srcDir)}`),
  });
}

describe('src/ module structure', () => {
  let graph: DependencyTree;
  beforeAll(async () => {
    graph = await srcImportGraph();
  });

  it('resolves every relative import (an unresolved one could hide a cycle)', () => {
    const unresolved = Object.values(graph)
      .flatMap((dependencies) => dependencies ?? [])
      .filter((dependency) => dependency.request.startsWith('.') && dependency.id === null)
      .map((dependency) => `${dependency.issuer}: ${dependency.request}`);
    expect(unresolved).toEqual([]);
    expect(Object.keys(graph)).toContain('src/main.ts');
  });

  it('has no import cycle, type-only imports included', () => {
    const cycles = parseCircular(graph).map((cycle) => [...cycle, cycle[0]].join(' → '));
    expect(cycles, `import cycles in src/ (break each by moving the shared part into its own module):\n${cycles.join('\n')}`).toEqual([]);
  });
});
