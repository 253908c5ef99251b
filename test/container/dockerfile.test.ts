/**
 * The container image's conventions, read from the Dockerfile, .dockerignore and compose.yaml
 * themselves: CI has no container engine, so these checks are what keeps them from drifting
 * (the image was built and run with an engine when it was written: docs/operations.md, Container).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Instructions in order, continuation lines joined and comments dropped, split into stages. */
function readDockerfile(file = 'Dockerfile'): { args: Instruction[]; stages: Stage[] } {
  const logical = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const args: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') {
      const [from = '', as, name] = rest;
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      args.push(instruction);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { args, stages };
}

const { args, stages } = readDockerfile();
const build = stages[0]!;
const runtime = stages.at(-1)!;
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const baseImage = args.find((a) => a.keyword === 'ARG' && a.args.startsWith('NODE_IMAGE='))?.args.split('=')[1];

describe('Dockerfile', () => {
  it('builds in one stage and runs from a second on the same Node 20 base', () => {
    expect(baseImage).toMatch(/^node:20-bookworm-slim$/);
    expect(stages.map((s) => s.from)).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}']);
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    // The runtime stage installs nothing and takes only built files from the build stage.
    expect(all(runtime, 'RUN').map((r) => r.args)).toEqual(['mkdir -p /data && chown node:node /data']);
    for (const copy of all(runtime, 'COPY')) expect(copy.args).toMatch(/^--from=build /);
  });

  it('runs the CI commands in the build stage: npm ci, npm run build, then npm prune --omit=dev', () => {
    const ci = fs.readFileSync('scripts/test.sh', 'utf8');
    const run = all(build, 'RUN').map((r) => r.args);
    expect(run[0]).toMatch(/apt-get install -y --no-install-recommends python3 make g\+\+/);
    const commands = run[1]!.split('&&').map((c) => c.trim());
    expect(commands).toEqual(['npm ci --no-audit --no-fund', 'npm run build', 'npm prune --omit=dev --no-audit --no-fund']);
    // The very install command CI runs.
    expect(ci).toContain(`\n  ${commands[0]}\n`);
    expect(JSON.parse(fs.readFileSync('package.json', 'utf8')).scripts.build).toBe('tsc -p tsconfig.build.json');
  });

  it('runs as the unprivileged node user with /data as its volume, configured only by environment', () => {
    expect(all(runtime, 'USER').map((u) => u.args)).toEqual(['node']);
    expect(all(runtime, 'VOLUME').map((v) => v.args)).toEqual(['/data']);
    expect(all(runtime, 'EXPOSE').map((v) => v.args)).toEqual(['8080']);
    const env = all(runtime, 'ENV').map((e) => e.args).join(' ');
    expect(env).toContain('DATA_DIR=/data');
    expect(env).toContain('HOST=0.0.0.0');
    // Nothing secret, and no database, key or address chosen for the operator.
    expect(fs.readFileSync('Dockerfile', 'utf8')).not.toMatch(/KEY_ENCRYPTION_KEY=|DATABASE_URL=|PUBLIC_URL=|PASSWORD|SECRET/i);
    expect(all(runtime, 'ENTRYPOINT').map((e) => e.args)).toEqual(['["node", "bin/ssobridge.js"]']);
    expect(all(runtime, 'CMD').map((e) => e.args)).toEqual(['["serve"]']);
  });

  it('checks health on /healthz with node itself', () => {
    const [healthcheck] = all(runtime, 'HEALTHCHECK');
    expect(healthcheck?.args).toMatch(/CMD \["node", "-e", ".*\/healthz.*"\]$/);
    expect(healthcheck?.args).not.toMatch(/curl|wget/);
  });

  it('leaves the data folder, local builds and secrets out of the build context', () => {
    const ignored = fs.readFileSync('.dockerignore', 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', 'data', '.git', '.env', '*.env']) expect(ignored).toContain(entry);
  });
});

describe('compose.yaml', () => {
  const compose = fs.readFileSync('compose.yaml', 'utf8');
  it('runs the image with PostgreSQL 15, started once PostgreSQL is healthy, secrets from an env file', () => {
    expect(compose).toMatch(/image: postgres:15/);
    expect(compose).toMatch(/pg_isready/);
    expect(compose).toMatch(/depends_on:\n\s+postgres:\n\s+condition: service_healthy/);
    expect(compose).toMatch(/env_file: ssobridge\.env/);
    expect(compose).toMatch(/init: true/);
    expect(compose).toMatch(/- ssobridge-data:\/data/);
    expect(compose.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n')).not.toMatch(/KEY_ENCRYPTION_KEY|DATABASE_URL|PASSWORD/);
  });
});
