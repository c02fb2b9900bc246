// What operators do to agents (through the UI, API or CLI): mint a bootstrap token, enroll with it,
// revoke an agent, rotate its key, list agents with their status. Plain functions over the store.

import type { Store, Stored } from '../db/store';
import { NgError } from '../../shared/errors';
import { derivedId, randomId } from '../../shared/ids';
import { labels as labelsSchema } from '../../shared/schemas/common';
import { parseOrThrow } from '../../shared/validation';
import type { AgentKey } from '../../shared/schemas/agents';
import { hashToken, newBootstrapToken, newKeyId, newSessionSecret } from './crypto';
import { LinkTable, type LinkRecord } from './link-table';
import { agentStatusWord, syncWord, type AgentStatusWord, type SyncWord } from './status';

export const DEFAULT_TOKEN_TTL_MS = 60 * 60 * 1000;
const MAX_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const tokenIdFor = (tokenHash: string): string => derivedId('tok', tokenHash);

export interface NewEnrollmentToken {
  /** Shown once: only its hash is stored. */
  token: string;
  tokenId: string;
  expiresAt: number;
}

export function createEnrollmentToken(
  store: Store,
  input: { teamId: string; name: string; labels?: string[]; ttlMs?: number; createdBy: string; now?: number },
): NewEnrollmentToken {
  const ttl = input.ttlMs ?? DEFAULT_TOKEN_TTL_MS;
  if (!Number.isInteger(ttl) || ttl < 1000 || ttl > MAX_TOKEN_TTL_MS) {
    throw new NgError('NG_VALIDATION', `ttlMs: a token lives between 1 s and 7 days (got ${ttl})`, { path: ['ttlMs'] });
  }
  const token = newBootstrapToken();
  const tokenHash = hashToken(token);
  const expiresAt = (input.now ?? Date.now()) + ttl;
  const tokenId = tokenIdFor(tokenHash);
  store.write('agent_tokens', tokenId, {
    teamId: input.teamId, tokenHash, name: input.name, labels: parseOrThrow(labelsSchema, input.labels ?? [], ['labels']),
    expiresAt, usedBy: null, revoked: false, createdBy: input.createdBy,
  }, { actor: input.createdBy, expectedVersion: null });
  return { token, tokenId, expiresAt };
}

export interface Enrollment {
  agentId: string;
  teamId: string;
  kid: string;
  key: string;
}

/**
 * Trades a bootstrap token for an agent id and session key, once. A used, revoked, expired or
 * unknown token is refused with NG_REVOKED or NG_UNAUTHENTICATED and the same vague message.
 */
export function enrollWithToken(store: Store, token: string, now = Date.now()): Enrollment {
  const tokenHash = hashToken(token);
  const tokenId = tokenIdFor(tokenHash);
  return store.transaction(() => {
    const t = store.get('agent_tokens', tokenId);
    if (!t || t.tokenHash !== tokenHash) throw new NgError('NG_UNAUTHENTICATED', 'the bootstrap token is not valid');
    if (t.revoked || t.usedBy !== null || t.expiresAt <= now) throw new NgError('NG_REVOKED', 'the bootstrap token was already used, revoked or has expired');
    const agentId = randomId('agt_');
    const key: AgentKey = { kid: newKeyId(), secret: newSessionSecret(), createdAt: now };
    store.write('agents', agentId, { teamId: t.teamId, name: t.name, labels: t.labels, keys: [key], revoked: false, createdAt: now }, { actor: `agent:${agentId}`, expectedVersion: null });
    store.write('agent_tokens', tokenId, { usedBy: agentId }, { actor: `agent:${agentId}` });
    return { agentId, teamId: t.teamId, kid: key.kid, key: key.secret };
  });
}

function liveAgent(store: Store, agentId: string): Stored<'agents'> {
  const a = store.get('agents', agentId);
  if (!a) throw new NgError('NG_NOT_FOUND', `agent ${agentId} does not exist`);
  return a;
}

/** Revokes an agent: its keys stop verifying and every node drops its link at once. */
export function revokeAgent(store: Store, agentId: string, actor: string): void {
  const a = liveAgent(store, agentId);
  if (a.revoked) return;
  store.write('agents', agentId, { revoked: true, keys: [] }, { actor });
}

/** A new primary key; the previous primary stays valid as secondary until the next rotation. */
export function rotateAgentKey(store: Store, agentId: string, actor: string, now = Date.now()): { kid: string } {
  const a = liveAgent(store, agentId);
  if (a.revoked) throw new NgError('NG_REVOKED', `agent ${agentId} is revoked`);
  const key: AgentKey = { kid: newKeyId(), secret: newSessionSecret(), createdAt: now };
  store.write('agents', agentId, { keys: [key, ...a.keys.slice(0, 1)] }, { actor });
  return { kid: key.kid };
}

/** Revokes an unused bootstrap token. */
export function revokeEnrollmentToken(store: Store, tokenId: string, actor: string): void {
  if (!store.get('agent_tokens', tokenId)) throw new NgError('NG_NOT_FOUND', `token ${tokenId} does not exist`);
  store.write('agent_tokens', tokenId, { revoked: true }, { actor });
}

export interface AgentView {
  id: string;
  teamId: string;
  name: string;
  labels: string[];
  revoked: boolean;
  /** Key ids only: secrets never leave the node through the API. */
  keyIds: string[];
  status: AgentStatusWord;
  sync: SyncWord;
  desiredVersion: number;
  appliedVersion: number;
  lastAttempt: number | null;
  lastSuccess: number | null;
  lastError: LinkRecord['lastError'];
  heartbeat: LinkRecord['heartbeat'];
}

export function agentView(a: Stored<'agents'>, link: LinkRecord | undefined, connected: boolean, now: number): AgentView {
  return {
    id: a.id, teamId: a.teamId, name: a.name, labels: a.labels, revoked: a.revoked, keyIds: a.keys.map((k) => k.kid),
    status: a.revoked ? 'Unavailable' : agentStatusWord(link, connected, now), sync: syncWord(link),
    desiredVersion: link?.desiredVersion ?? 0, appliedVersion: link?.appliedVersion ?? 0,
    lastAttempt: link?.lastAttempt ?? null, lastSuccess: link?.lastSuccess ?? null, lastError: link?.lastError ?? null, heartbeat: link?.heartbeat ?? null,
  };
}

/** Agents of a team with status as this node sees them (from its link table; `connected` from the gateway). */
export function listAgentsWithStatus(store: Store, teamId: string, connected: (agentId: string) => boolean = () => false, now = Date.now()): AgentView[] {
  const table = new LinkTable(store.db);
  return store.list('agents', { team: teamId }).map((a) => agentView(a, table.get(a.id), connected(a.id), now));
}
