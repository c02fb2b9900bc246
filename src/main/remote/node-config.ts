// The node's JSON config file (`netgoat serve --config FILE`), as far as remote peers go:
// `remoteAuth` (who may open a remote link to this node) and `initialRemotePeers` (read by
// initial-peers.ts). Other keys belong to other parts of the node and are left alone here.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { NgError } from '../../shared/errors';
import { parseOrThrow } from '../../shared/validation';
import { checkAuthorityUrl } from './oidc-discovery';

export const remoteAuthConfig = z.strictObject({
  /** The OIDC issuer whose tokens this node trusts. */
  issuer: z.string().url().max(2048),
  /** This node as the provider names it in `aud`: usually the address leaders dial (wss://host:port). */
  audience: z.string().min(1).max(2048),
  /** The scope that grants replication, e.g. "netgoat:replicate". */
  requiredScope: z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/),
});
export type RemoteAuthConfig = z.infer<typeof remoteAuthConfig>;

export interface RemotePeersConfig {
  /** Null: this node refuses every remote link (NG_UNAUTHENTICATED, "no remoteAuth"). */
  remoteAuth: RemoteAuthConfig | null;
  hasInitialRemotePeers: boolean;
}

export function readRemotePeersConfig(path: string): RemotePeersConfig {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new NgError('NG_VALIDATION', `config file ${path} is not readable JSON: ${(e as Error).message}`, { path: [path] });
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new NgError('NG_VALIDATION', `config file ${path} must hold a JSON object`, { path: [path] });
  const raw = config as Record<string, unknown>;
  const remoteAuth = raw.remoteAuth === undefined ? null : parseOrThrow(remoteAuthConfig, raw.remoteAuth, ['remoteAuth']);
  if (remoteAuth) checkAuthorityUrl(remoteAuth.issuer, 'remoteAuth.issuer');
  return { remoteAuth, hasInitialRemotePeers: raw.initialRemotePeers !== undefined };
}
