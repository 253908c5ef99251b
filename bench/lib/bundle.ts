import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Bundle {
  /** The bundled CLI, to run as `node <entry> serve`. */
  entry: string;
  remove(): void;
}

/**
 * Compiles src/cli.ts ahead of time with esbuild (present as tsx's own dependency) into a temporary
 * folder, dependencies left external: what a build step would ship instead of running the
 * TypeScript sources through tsx. `public` and `node_modules` are linked next to it so that the
 * paths src/ resolves from its own location still work. Only for comparison; nothing ships this.
 */
export async function bundleCli(root: string): Promise<Bundle> {
  const esbuild = await import('esbuild');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-bench-bundle-'));
  try {
    fs.symlinkSync(path.join(root, 'public'), path.join(dir, 'public'));
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    const entry = path.join(dir, 'dist', 'cli.mjs');
    await esbuild.build({
      entryPoints: [path.join(root, 'src', 'cli.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile: entry,
      logLevel: 'silent',
    });
    return { entry, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
