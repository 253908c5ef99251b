import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const scriptsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'wrk');
export const REPORT_SCRIPT = path.join(scriptsDir, 'report.lua');
export const FLOOD_SCRIPT = path.join(scriptsDir, 'flood.lua');

export interface WrkOptions {
  url: string;
  connections: number;
  threads: number;
  durationSeconds: number;
  headers?: Record<string, string>;
  /** Lua script printing `WRK_JSON {...}`; defaults to report.lua. */
  script?: string;
  scriptArgs?: string[];
}

export interface WrkResult {
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** Responses with status >= 400. */
  statusErrors: number;
  /** Connect, read, write errors and timeouts. */
  socketErrors: number;
  statuses?: Record<string, number>;
}

interface WrkJson {
  requests: number;
  duration_us: number;
  status_errors: number;
  connect_errors: number;
  read_errors: number;
  write_errors: number;
  timeouts: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  max_us: number;
  mean_us: number;
  statuses?: Record<string, number>;
}

/** Fails with the Debian package name when wrk is not installed. */
export function requireWrk(): string {
  const found = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (found.error) {
    throw new Error('wrk (HTTP load generator) is not installed: install the Debian package `wrk` (apt-get install wrk).');
  }
  // e.g. "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer" → "wrk debian/4.1.0-3+b2 [epoll]"
  return (`${found.stdout}${found.stderr}`.split('\n')[0] ?? 'wrk').replace(/\s*Copyright.*$/, '').trim();
}

/** Runs wrk once, bounded in time (killed if it overruns), and parses its JSON summary. */
export function runWrk(options: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.durationSeconds}s`,
    '--timeout',
    '5s',
    '-s',
    options.script ?? REPORT_SCRIPT,
  ];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  args.push(options.url);
  if (options.scriptArgs?.length) args.push('--', ...options.scriptArgs);

  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), (options.durationSeconds + 20) * 1000);
    child.on('error', (error) => {
      clearTimeout(killer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
      if (code !== 0 || !line) {
        reject(new Error(`wrk ${args.join(' ')} failed (code ${code}, signal ${signal}): ${stderr.trim() || stdout.trim()}`));
        return;
      }
      const raw = JSON.parse(line.slice('WRK_JSON '.length)) as WrkJson;
      const durationSeconds = raw.duration_us / 1e6;
      resolve({
        requests: raw.requests,
        durationSeconds,
        requestsPerSecond: raw.requests / durationSeconds,
        p50Ms: raw.p50_us / 1000,
        p90Ms: raw.p90_us / 1000,
        p99Ms: raw.p99_us / 1000,
        maxMs: raw.max_us / 1000,
        meanMs: raw.mean_us / 1000,
        statusErrors: raw.status_errors,
        socketErrors: raw.connect_errors + raw.read_errors + raw.write_errors + raw.timeouts,
        ...(raw.statuses && { statuses: raw.statuses }),
      });
    });
  });
}

/** Merges runs of the same load: totals for counts, request-weighted means for latency percentiles. */
export function combineRuns(parts: WrkResult[]): WrkResult {
  const sum = (f: (r: WrkResult) => number) => parts.reduce((total, r) => total + f(r), 0);
  const requests = sum((r) => r.requests);
  const durationSeconds = sum((r) => r.durationSeconds);
  const weighted = (f: (r: WrkResult) => number) => (requests > 0 ? sum((r) => f(r) * r.requests) / requests : 0);
  const statuses: Record<string, number> = {};
  for (const part of parts) for (const [code, n] of Object.entries(part.statuses ?? {})) statuses[code] = (statuses[code] ?? 0) + n;
  return {
    requests,
    durationSeconds,
    requestsPerSecond: durationSeconds > 0 ? requests / durationSeconds : 0,
    p50Ms: weighted((r) => r.p50Ms),
    p90Ms: weighted((r) => r.p90Ms),
    p99Ms: weighted((r) => r.p99Ms),
    maxMs: Math.max(0, ...parts.map((r) => r.maxMs)),
    meanMs: weighted((r) => r.meanMs),
    statusErrors: sum((r) => r.statusErrors),
    socketErrors: sum((r) => r.socketErrors),
    ...(parts.some((r) => r.statuses) && { statuses }),
  };
}
