// The agent's identity on disk: id, node addresses and session keys, in one JSON file readable by
// its owner only (0600). Written atomically so a crash never leaves half a key behind.

import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { NgError } from '../shared/errors';

export const credentialsSchema = z.strictObject({
  agentId: z.string().min(1).max(64),
  teamId: z.string().min(1).max(64),
  /** ws:// or wss:// gateway URLs of the nodes, tried in turn. */
  nodeUrls: z.array(z.string().regex(/^wss?:\/\//)).min(1).max(32),
  /** SHA-256 fingerprints of the node certificates its wss:// URLs may present (absent: the usual CA check). */
  nodeFingerprints: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(64).optional(),
  /** Primary first; the previous key is kept until the node confirms the new one. */
  keys: z.array(z.strictObject({ kid: z.string(), secret: z.string() })).min(1).max(2),
});
export type Credentials = z.infer<typeof credentialsSchema>;

export const CREDENTIALS_MODE = 0o600;

export function readCredentials(path: string): Credentials {
  if (!existsSync(path)) throw new NgError('NG_NOT_FOUND', `no credentials at ${path}: run "netgoat-agent enroll --url … --token …" first`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new NgError('NG_VALIDATION', `${path} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = credentialsSchema.safeParse(raw);
  if (!parsed.success) throw new NgError('NG_VALIDATION', `${path}: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export function writeCredentials(path: string, creds: Credentials): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(creds, null, 2)}\n`, { mode: CREDENTIALS_MODE });
  chmodSync(tmp, CREDENTIALS_MODE);
  renameSync(tmp, path);
}
