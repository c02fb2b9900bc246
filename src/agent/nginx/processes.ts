// nginx's processes as Linux shows them: the master from its pid file, its workers from /proc,
// and a one-shot runner for `nginx -t` / starting the daemon.

import { spawn } from 'node:child_process';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';

export type ProcessState = 'running' | 'zombie' | 'gone';

/** Whether pid runs; a killed daemon can linger as a zombie where PID 1 does not reap. */
export function processState(pid: number): ProcessState {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z' ? 'zombie' : 'running';
  } catch {
    return 'gone';
  }
}

export async function readPidFile(path: string): Promise<number | null> {
  try {
    const pid = Number((await fs.readFile(path, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** A process's title as nginx sets it ("nginx: worker process"), or null when it is gone. */
export function processTitle(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+/g, ' ').trim();
  } catch {
    return null;
  }
}

/** The parent of pid, or null when pid is gone. */
export function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 4).split(' ', 1)[0]);
  } catch {
    return null;
  }
}

/** Children of ppid with their titles (a /proc scan: the kernel here has no children lists). */
export function childrenOf(ppid: number): { pid: number; title: string }[] {
  const out: { pid: number; title: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) > 57) continue;
    const pid = Number(entry);
    if (Number.isInteger(pid) && parentOf(pid) === ppid) out.push({ pid, title: processTitle(pid) ?? '' });
  }
  return out;
}

/** Beyond this many new pids, one scan of /proc is cheaper than reading each. */
const MAX_PIDS_TO_READ = 512;

/**
 * Children of ppid among the pids created after mark (a lastCreatedPid() reading): on a busy
 * host a full /proc scan costs milliseconds, reading the few pids created since costs microseconds.
 * Pids found to belong to another parent are added to others and not read again (a process
 * never becomes ppid's child later). When pids wrapped around, or very many were created, this
 * is the full scan and returns older children too: callers tell those apart by their pids.
 */
export function childrenCreatedSince(ppid: number, mark: number, others: Set<number>): { pid: number; title: string }[] {
  const newest = lastCreatedPid();
  if (newest < mark || newest - mark > MAX_PIDS_TO_READ) return childrenOf(ppid);
  const out: { pid: number; title: string }[] = [];
  for (let pid = mark + 1; pid <= newest; pid++) {
    if (others.has(pid)) continue;
    const parent = parentOf(pid);
    // Gone, or not yet in /proc (a pid is handed out a moment before its process is visible): ask again.
    if (parent === null) continue;
    if (parent !== ppid) others.add(pid);
    else out.push({ pid, title: processTitle(pid) ?? '' });
  }
  return out;
}

/** The pid most recently created on the host (/proc/loadavg): a cheap "has anything forked?" check. */
export function lastCreatedPid(): number {
  const text = readFileSync('/proc/loadavg', 'utf8');
  return Number(text.slice(text.lastIndexOf(' ') + 1));
}

/** A worker that accepts new connections: not one draining after a reload. */
export const isActiveWorker = (title: string): boolean => title.startsWith('nginx: worker process') && !title.includes('shutting down');

export function activeWorkers(masterPid: number): number[] {
  return childrenOf(masterPid)
    .filter((c) => isActiveWorker(c.title))
    .map((c) => c.pid)
    .sort((a, b) => a - b);
}

/**
 * The agent's glibc malloc tuning (set by bin/netgoat-agent.mjs) is for Node's heap only: inherited
 * by nginx, the fixed mmap threshold made `nginx -t` of 1000 server blocks hundreds of ms slower.
 */
const AGENT_ONLY_ENV = ['MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_THRESHOLD_'];

/**
 * nginx builds its whole configuration in many small allocations (about 32 kB per server block);
 * first touching that memory page by page was a quarter of `nginx -t` of 1000 server blocks.
 * glibc's hugetlb tunable backs the heap with transparent huge pages where the host allows them
 * (THP "madvise" or "always"; elsewhere it does nothing): −25% CPU per test, same memory. A host
 * whose memory is too fragmented for huge pages can opt out with GLIBC_TUNABLES=glibc.malloc.hugetlb=0.
 */
const HUGE_PAGES = 'glibc.malloc.hugetlb=1';

function nginxEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of AGENT_ONLY_ENV) delete env[name];
  const tunables = env['GLIBC_TUNABLES'];
  // An operator's own hugetlb setting wins.
  if (!tunables?.includes('glibc.malloc.hugetlb=')) env['GLIBC_TUNABLES'] = tunables ? `${tunables}:${HUGE_PAGES}` : HUGE_PAGES;
  return env;
}

/**
 * Runs the nginx binary once and resolves with its exit code and stderr. Resolves on exit, not on
 * stream close: a daemonizing nginx hands the pipe to its master, which keeps it open.
 */
export function runNginx(bin: string, args: readonly string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], env: nginxEnv() });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      // Give the pipe a moment to deliver what was written just before exit, then let go of it.
      setImmediate(() => {
        child.stderr.destroy();
        resolve({ code: code ?? (signal ? 128 : 1), stderr });
      });
    });
  });
}
