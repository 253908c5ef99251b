import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../bench/lib/processes.js';
import { withTestKeyEncryptionKey } from './key-encryption.js';

/** A real `ssobridge serve` process, as an operator starts it. */
export interface ServerProcess {
  child: ChildProcess;
  baseUrl: string;
  /** Everything the process wrote to stdout and stderr so far (its log lines included). */
  output(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  /** Runs the server through another command (e.g. `unshare`), given node's path and arguments. */
  wrap?: (node: string, args: string[]) => [string, string[]];
  /** Runs it as another user (the test must run as root). */
  uid?: number;
  gid?: number;
  timeoutMs?: number;
}

/** Starts `bin/ssobridge.js serve` with `env` and resolves once it prints that it is running. */
export async function startServerProcess(env: Record<string, string>, options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const timeoutMs = options.timeoutMs ?? 90_000;
  const port = await freePort();
  const nodeArgs = [path.resolve('bin/ssobridge.js'), 'serve'];
  const [command, args] = options.wrap ? options.wrap(process.execPath, nodeArgs) : [process.execPath, nodeArgs];
  const child = spawn(command, args, {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...withTestKeyEncryptionKey(env) },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined && { uid: options.uid }),
    ...(options.gid !== undefined && { gid: options.gid }),
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const server: ServerProcess = {
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server.alive()) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      void server.stop();
      reject(new Error(`the server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = () => {
      if (!output.includes('ssobridge is running')) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      resolve();
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (code ${code}) before it was running:\n${output}`));
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
  return server;
}
