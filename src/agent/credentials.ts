// The agent's identity on disk: id, node addresses and session keys, in one JSON file readable by
// its owner only (0600). Written atomically so a crash never leaves half a key behind.

import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { NgError } from '../shared/errors';
import { describe, hex64, list, run, str, strict } from './wire-shape';

export interface Credentials {
  agentId: string;
  teamId: string;
  /** ws:// or wss:// gateway URLs of the nodes, tried in turn. */
  nodeUrls: string[];
  /** SHA-256 fingerprints of the node certificates its wss:// URLs may present (absent: the usual CA check). */
  nodeFingerprints?: string[] | undefined;
  /** Primary first; the previous key is kept until the node confirms the new one. */
  keys: { kid: string; secret: string }[];
}

const credentials = strict({
  agentId: str({ min: 1, max: 64 }),
  teamId: str({ min: 1, max: 64 }),
  nodeUrls: list(str({ pattern: /^wss?:\/\// }), { min: 1, max: 32 }),
  nodeFingerprints: list(hex64, { max: 64 }),
  keys: list(strict({ kid: str(), secret: str() }), { min: 1, max: 2 }),
}, { optional: ['nodeFingerprints'] });

export const CREDENTIALS_MODE = 0o600;

export function readCredentials(path: string): Credentials {
  if (!existsSync(path)) throw new NgError('NG_NOT_FOUND', `no credentials at ${path}: run "netgoat-agent enroll --url … --token …" first`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new NgError('NG_VALIDATION', `${path} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = run<Credentials>(credentials, raw);
  if (!parsed.ok) throw new NgError('NG_VALIDATION', `${path}: ${describe(parsed.problem)}`);
  return parsed.value;
}

export function writeCredentials(path: string, creds: Credentials): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(creds, null, 2)}\n`, { mode: CREDENTIALS_MODE });
  chmodSync(tmp, CREDENTIALS_MODE);
  renameSync(tmp, path);
}
