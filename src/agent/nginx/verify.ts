// After a reload: did nginx take the new tree? New workers must come up, the error log must stay
// free of [emerg]/[alert] since the reload, and a local HTTP probe must answer 200.

import { promises as fs, statSync } from 'node:fs';
import { request } from 'node:http';
import type { NginxController } from './controller';
import { seriousLines } from './nginx-messages';
import { childrenCreatedSince, isActiveWorker, parentOf, processState } from './processes';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Where the error log ends now: the window of a reload starts here. */
export async function logSize(path: string): Promise<number> {
  return (await fs.stat(path).catch(() => null))?.size ?? 0;
}

/** Serious lines written to the log since offset (from the start if the log was rotated). */
export async function seriousSince(path: string, offset: number): Promise<string[]> {
  const fh = await fs.open(path, 'r').catch(() => null);
  if (!fh) return [];
  try {
    const { size } = await fh.stat();
    const from = size < offset ? 0 : offset;
    if (size === from) return [];
    const buf = Buffer.alloc(size - from);
    await fh.read(buf, 0, buf.length, from);
    return seriousLines(buf.toString('utf8'));
  } finally {
    await fh.close();
  }
}

/** One GET with a short timeout; resolves with the status, or an explanation. */
export function probe(url: string, timeoutMs = 2_000): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ok: res.statusCode === 200, detail: `local probe ${url} answered ${res.statusCode}` }));
    });
    req.on('error', (e) => resolve({ ok: false, detail: `local probe ${url} failed: ${e.message}` }));
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.end();
  });
}

export interface ReloadWindow {
  masterPid: number;
  workersBefore: ReadonlySet<number>;
  /** lastCreatedPid() just before the reload signal: the new workers get later pids. */
  pidMark: number;
  /** Where the error log ended at the reload; null when the log is not to be judged. */
  logOffset: number | null;
}

export type VerifyResult = { ok: true } | { ok: false; message: string; nginxLines: string[] };

/**
 * The master tells the old workers to quit gracefully 100 ms after forking the new ones; until
 * then they still accept connections with the old tree. Sending that same SIGQUIT now means that
 * once an apply is verified, every new connection meets the new tree. In-flight requests finish.
 */
function retireOldWorkers(window: ReloadWindow): void {
  for (const pid of window.workersBefore) {
    // Still the master's child, so not a pid reused by some other process.
    if (parentOf(pid) !== window.masterPid) continue;
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      /* already gone */
    }
  }
}

/** Serious lines since the reload; the log is read only when it grew (a stat per poll, not a read). */
async function logComplaints(path: string, offset: number | null): Promise<string[]> {
  if (offset === null) return [];
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  return size === offset ? [] : seriousSince(path, offset);
}

export async function verifyReload(controller: NginxController, window: ReloadWindow, probeUrl: string, timeoutMs: number): Promise<VerifyResult> {
  const deadline = Date.now() + timeoutMs;
  // Pids created since the reload that are not the master's: not read again.
  const others = new Set<number>();
  for (;;) {
    const lines = await logComplaints(controller.errorLog, window.logOffset);
    if (lines.length > 0) return { ok: false, message: lines.join('\n'), nginxLines: lines };
    if (processState(window.masterPid) !== 'running') return { ok: false, message: `nginx master ${window.masterPid} exited during the reload`, nginxLines: [] };
    // The master forks the new workers right after it has read the tree and bound its sockets;
    // a fresh child carries the master's title until it has renamed itself a worker.
    const fresh = childrenCreatedSince(window.masterPid, window.pidMark, others).filter((c) => !window.workersBefore.has(c.pid));
    if (fresh.some((c) => isActiveWorker(c.title))) {
      retireOldWorkers(window);
      break;
    }
    if (Date.now() > deadline) return { ok: false, message: `nginx started no new workers within ${timeoutMs} ms of the reload`, nginxLines: [] };
    await sleep(3);
  }
  const late = await logComplaints(controller.errorLog, window.logOffset);
  if (late.length > 0) return { ok: false, message: late.join('\n'), nginxLines: late };
  const answer = await probe(probeUrl);
  return answer.ok ? { ok: true } : { ok: false, message: answer.detail, nginxLines: [] };
}
