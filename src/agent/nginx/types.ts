// What the agent's nginx pipeline takes and reports: files in, a timed apply report out, and the
// events the control link forwards (apply timeline, nginx up/down, drift).

import type { ErrorCode } from '../../shared/errors';

/** One configuration file, path relative to the configuration tree (e.g. `sites/<domainId>.conf`). */
/**
 * A file of a tree: its text, or, for a file the caller knows has not changed, its SHA-256 and a
 * way to produce the text again (called only when the copy on disk cannot be reused, e.g. after
 * drift). The second form spares the agent holding and re-rendering the text of every site.
 */
export type NginxFile = { path: string; content: string } | { path: string; sha256: string; render: () => string };

/** Which desired state a set of files is. */
export interface ApplyMeta {
  version: number;
  checksum: string;
  /** Domain ids served by this tree, used to name the domain nginx blames. */
  domains: readonly string[];
}

export type ApplyPhase = 'staged' | 'tested' | 'swapped' | 'reloaded' | 'verified' | 'failed' | 'rolling_back' | 'rolled_back';

export interface PhaseMark {
  phase: ApplyPhase;
  /** Wall clock (ms since epoch) when the phase was reached. */
  at: number;
  /** How long the step that reached it took. */
  ms: number;
}

export type ApplyErrorCode = Extract<ErrorCode, 'NG_NGINX_INVALID' | 'NG_NGINX_RELOAD_FAILED' | 'NG_NGINX_DOWN' | 'NG_APPLY_SUPERSEDED' | 'NG_INTERNAL'>;

export interface ApplyError {
  code: ApplyErrorCode;
  /** nginx's own words (the [emerg]/[alert] lines) or what the agent saw. */
  message: string;
  /** The domain whose file nginx pointed at. */
  domainId?: string;
  /** That file, relative to the configuration tree. */
  file?: string;
  line?: number;
}

export interface NginxApplyReport {
  ok: boolean;
  version: number;
  checksum: string;
  /** The tree generation nginx serves after this apply (the previous one after a rollback). */
  generation: number | null;
  timeline: PhaseMark[];
  durationMs: number;
  rolledBack: boolean;
  error?: ApplyError;
}

export interface NginxProcessStatus {
  running: boolean;
  masterPid: number | null;
  workerPids: number[];
  /** The tree generation the live link points at. */
  generation: number | null;
}

export interface DriftReport {
  changed: string[];
  added: string[];
  removed: string[];
}

export type NginxEvent =
  | { type: 'apply_phase'; version: number; phase: ApplyPhase; at: number; ms: number; error?: ApplyError }
  | { type: 'apply_done'; report: NginxApplyReport }
  | { type: 'nginx_up'; masterPid: number; at: number }
  | { type: 'nginx_down'; masterPid: number | null; at: number }
  | { type: 'nginx_restart_failed'; attempt: number; message: string; retryInMs: number; at: number }
  | ({ type: 'drift_found'; at: number } & DriftReport)
  | { type: 'drift_restored'; at: number; report: NginxApplyReport };

export type NginxEventListener = (event: NginxEvent) => void;
