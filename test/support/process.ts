// Spawning real Netgoat processes in tests: output captured, lines awaited, and every process
// stopped afterwards (SIGTERM, then SIGKILL) so a failing test cannot leak one.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProcessHandle {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match in stdout or stderr; rejects if the process exits or the wait runs out first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<Exit>;
  /** Sends `signal`; resolves with the exit. Used to observe a shutdown, so it never escalates. */
  signal(signal: NodeJS.Signals): Promise<Exit>;
  /** Stops the process whatever it is doing: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<Exit>;
}

const running = new Set<ProcessHandle>();

export function spawnProcess(command: string, args: readonly string[], opts: SpawnOptions = {}): ProcessHandle {
  const child = spawn(command, args, { cwd: REPO_ROOT, ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    notify();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    notify();
  });
  let done = false;
  const exited = new Promise<Exit>((resolveExit) => {
    child.once('close', (code, signal) => {
      done = true;
      running.delete(handle);
      notify();
      resolveExit({ code, signal });
    });
  });

  const describe = () => `${command} ${args.join(' ')}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`;

  const handle: ProcessHandle = {
    child,
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise((resolveMatch, reject) => {
        const check = () => {
          const m = out.match(pattern) ?? err.match(pattern);
          if (m) return finish(() => resolveMatch(m));
          if (done) return finish(() => reject(new Error(`process exited before printing ${pattern}:\n${describe()}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${describe()}`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      }),
    signal: (signal) => {
      if (!done) child.kill(signal);
      return exited;
    },
    stop: async (graceMs = 5000) => {
      if (done) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
  running.add(handle);
  return handle;
}

/** Runs a TypeScript entry point of this repo with tsx, as `node --import tsx FILE ARGS`. */
export const spawnTs = (entry: string, args: readonly string[], opts: SpawnOptions = {}): ProcessHandle =>
  spawnProcess(process.execPath, ['--import', 'tsx', resolve(REPO_ROOT, entry), ...args], opts);

export interface ServeOptions {
  dataDir: string;
  /** Extra flags after --data-dir/--port; the port defaults to 0 (any free one). */
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/** Starts `netgoat serve` on a free loopback port and waits until it prints its console URL. */
export async function startServe(opts: ServeOptions): Promise<{ proc: ProcessHandle; url: string }> {
  const given = opts.args ?? [];
  // On the machine's own interfaces: no mDNS, and no fixed peer port for parallel tests to fight over.
  const args = ['--data-dir', opts.dataDir, ...given, ...(given.includes('--port') ? [] : ['--port', '0']), ...(given.includes('--peer-port') ? [] : ['--peer-port', '0']), '--no-discovery'];
  const proc = spawnTs('src/main/serve.ts', args, { env: { ...process.env, ...opts.env } });
  const [, url] = await proc.waitFor(/^Netgoat console: (http:\/\/\S+)$/m);
  return { proc, url: url! };
}

/** Stops every process this module started and that is still running (for afterEach). */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}
