/**
 * What a production install (`npm ci --omit=dev`: no tsx, no TypeScript) gets from bin/ssobridge.js
 * and from the "prepare" script (scripts/prepare.js), against a development checkout. Each case
 * copies the real script into a temporary folder laid out like the project, with a stub dist/cli.js
 * and src/cli.ts that say which one ran, and runs it with node.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const project = fileURLToPath(new URL('..', import.meta.url));
const folders: string[] = [];
afterEach(() => {
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

interface Layout {
  /** dist/cli.js exists, with this modification time relative to src/ (older or newer). */
  dist?: 'older' | 'newer';
  /** node_modules/tsx is installed (a development checkout). */
  tsx?: boolean;
}

function projectCopy(layout: Layout): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssobridge-install-'));
  folders.push(dir);
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  write('package.json', JSON.stringify({ name: 'ssobridge', type: 'module' }));
  write('bin/ssobridge.js', fs.readFileSync(path.join(project, 'bin/ssobridge.js'), 'utf8'));
  write('scripts/prepare.js', fs.readFileSync(path.join(project, 'scripts/prepare.js'), 'utf8'));
  write('src/cli.ts', "const ran: string = 'ran src/cli.ts through tsx';\nconsole.log(ran);\n");
  const now = Date.now() / 1000;
  fs.utimesSync(path.join(dir, 'src/cli.ts'), now - 60, now - 60);
  if (layout.dist) {
    write('dist/cli.js', "console.log('ran dist/cli.js');\n");
    const at = layout.dist === 'newer' ? now : now - 120;
    fs.utimesSync(path.join(dir, 'dist/cli.js'), at, at);
  }
  if (layout.tsx) {
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(path.join(project, 'node_modules/tsx'), path.join(dir, 'node_modules/tsx'), 'dir');
  }
  return dir;
}

function run(dir: string, script: string) {
  const result = spawnSync(process.execPath, [path.join(dir, script)], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

describe('bin/ssobridge.js', () => {
  it('runs dist/ in a production install when it is current', () => {
    expect(run(projectCopy({ dist: 'newer' }), 'bin/ssobridge.js')).toEqual({ status: 0, stdout: 'ran dist/cli.js', stderr: '' });
  });

  it('runs dist/ in a production install even when src/ is newer (no tsx to run it), and says so', () => {
    const result = run(projectCopy({ dist: 'older' }), 'bin/ssobridge.js');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('ran dist/cli.js');
    expect(result.stderr).toContain('dist/ is older than src/ and tsx is not installed');
    expect(result.stderr).toContain('npm run build');
  });

  it('stops with a clear message, not a stack trace, when there is neither dist/ nor tsx', () => {
    const result = run(projectCopy({}), 'bin/ssobridge.js');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ssobridge: cannot start: dist\/cli\.js is missing and tsx is not installed/);
    expect(result.stderr).toContain('npm ci');
    expect(result.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|\n\s+at /);
  });

  it('runs the sources through tsx in a development checkout when they are newer than dist/', () => {
    expect(run(projectCopy({ dist: 'older', tsx: true }), 'bin/ssobridge.js')).toEqual({ status: 0, stdout: 'ran src/cli.ts through tsx', stderr: '' });
  });

  it('runs the sources through tsx in a development checkout that was never built', () => {
    expect(run(projectCopy({ tsx: true }), 'bin/ssobridge.js')).toEqual({ status: 0, stdout: 'ran src/cli.ts through tsx', stderr: '' });
  });

  it('runs dist/ in a development checkout when it is current', () => {
    expect(run(projectCopy({ dist: 'newer', tsx: true }), 'bin/ssobridge.js')).toEqual({ status: 0, stdout: 'ran dist/cli.js', stderr: '' });
  });
});

describe('scripts/prepare.js without TypeScript (npm ci --omit=dev)', () => {
  it('keeps a dist/ built beforehand', () => {
    const result = run(projectCopy({ dist: 'newer' }), 'scripts/prepare.js');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('using the dist/ already built');
  });

  it('fails the install with instructions when there is no dist/', () => {
    const result = run(projectCopy({}), 'scripts/prepare.js');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('dist/ is missing and TypeScript (a development dependency) is not installed');
    expect(result.stderr).toContain('npm ci && npm run build');
  });
});
