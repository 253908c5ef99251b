import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

const children = new Set<ChildProcess>();

/** Remembers a child so that `killChildren` can stop it if the bench fails half-way. */
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Stops every child this bench started (by its own pid, never by name). */
export function killChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Resolves with the rest of the first stdout line starting with `marker`; rejects on exit or timeout. */
export function waitForLine(child: ChildProcess, marker: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let stderr = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const line = buffer.split('\n').find((l) => l.startsWith(marker));
      if (line !== undefined) {
        finish();
        resolve(line.slice(marker.length).trim());
      }
    };
    const onStderr = (chunk: Buffer) => (stderr += chunk.toString('utf8'));
    const onExit = (code: number | null) => {
      finish();
      reject(new Error(`process exited (code ${code}) before "${marker}": ${stderr.trim()}`));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`no "${marker}" within ${timeoutMs} ms: ${stderr.trim()}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onStderr);
      child.off('exit', onExit);
      // Keep draining so a chatty child never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onStderr);
    child.once('exit', onExit);
  });
}

export interface MemoryStatus {
  /** Resident set size now, MiB. */
  rssMb: number;
  /** Peak resident set size, MiB. */
  peakRssMb: number;
}

export function readMemory(pid: number): MemoryStatus {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(match[1]) / 1024;
  };
  return { rssMb: kb('VmRSS'), peakRssMb: kb('VmHWM') };
}

let clockTicks: number | undefined;
/** User + system CPU time consumed by a process so far, in seconds. */
export function cpuSeconds(pid: number): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** A TCP port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 1000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers, timeout: timeoutMs, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.once('timeout', () => request.destroy(new Error('timeout')));
    request.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until the port accepts a TCP connection and then until `GET /healthz` answers 200.
 * Returns both times in ms, measured from `startedAt` (performance.now()).
 */
export async function waitUntilServing(port: number, startedAt: number, child: ChildProcess, timeoutMs: number): Promise<{ portMs: number; healthzMs: number }> {
  const deadline = startedAt + timeoutMs;
  const alive = () => child.exitCode === null && child.signalCode === null;
  let portMs: number | undefined;
  while (performance.now() < deadline && alive()) {
    if (await tryConnect(port)) {
      portMs = performance.now() - startedAt;
      break;
    }
    await sleep(5);
  }
  while (portMs !== undefined && performance.now() < deadline && alive()) {
    try {
      const { status } = await httpGet(`http://127.0.0.1:${port}/healthz`, {}, 500);
      if (status === 200) return { portMs, healthzMs: performance.now() - startedAt };
    } catch {
      // not yet
    }
    await sleep(5);
  }
  throw new Error(alive() ? `the server did not answer /healthz on port ${port} within ${timeoutMs} ms` : `the server exited (code ${child.exitCode}) before serving`);
}

/** A server process started by `startServing`, with how long it took to open its port and to answer /healthz. */
export interface ServingProcess {
  child: ChildProcess;
  port: number;
  portMs: number;
  healthzMs: number;
}

/**
 * Starts `node <args>` (e.g. `bin/ssobridge.js serve`) on a free loopback port and resolves once it
 * serves. stdout is discarded and stderr drained, so log lines cost what they cost an operator
 * without a full pipe ever stalling the process.
 */
export async function startServing(args: string[], env: NodeJS.ProcessEnv, options: { cwd: string; timeoutMs: number }): Promise<ServingProcess> {
  const port = await freePort();
  const startedAt = performance.now();
  const child = track(
    spawn(process.execPath, args, {
      cwd: options.cwd,
      env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  child.stderr?.resume();
  const times = await waitUntilServing(port, startedAt, child, options.timeoutMs);
  return { child, port, ...times };
}

/** CPU seconds the whole machine spent busy (user, nice, system, irq, softirq, steal) since boot. */
export function machineBusySeconds(): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / clockTicks;
}

/** CPU seconds of this process plus its children that have exited and been reaped (each wrk run). */
export function selfAndReapedChildrenSeconds(): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / clockTicks;
}

/** CPU seconds used so far by every live process whose command is `postgres` (server and backends). */
export function postgresSeconds(): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name !== 'postgres') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return total / clockTicks;
}
