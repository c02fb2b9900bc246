// agents.*: the team's edge agents with the status this node's gateway sees, bootstrap tokens for
// enrolling new ones, and revoking or re-keying an agent. Without a gateway (API tests) the status
// words honestly say Unknown and revocation still takes effect through the store.

import type { Stored } from '../../db/store';
import { agentView, createEnrollmentToken, revokeAgent, revokeEnrollmentToken, rotateAgentKey, type AgentView } from '../../gateway/agents-admin';
import type { Handlers } from '../context';
import { ownedDoc } from '../views';

const MINUTE_MS = 60_000;

function shown(doc: Stored<'agents'>, v: AgentView) {
  return {
    id: doc.id, version: doc.version, teamId: doc.teamId, name: doc.name, labels: doc.labels, revoked: doc.revoked, createdAt: doc.createdAt,
    status: v.status, sync: v.sync, desiredVersion: v.desiredVersion, appliedVersion: v.appliedVersion,
    lastAttempt: v.lastAttempt, lastSuccess: v.lastSuccess, lastError: v.lastError,
    lastHeartbeat: v.heartbeat ? { at: v.heartbeat.at, nginxUp: v.heartbeat.nginx.up, activeConnections: v.heartbeat.nginx.active } : null,
    keyIds: v.keyIds,
  };
}

export const agentHandlers: Handlers<'agents.list' | 'agents.createEnrollmentToken' | 'agents.revokeEnrollmentToken' | 'agents.revoke' | 'agents.rotateKey'> = {
  'agents.list': (input, { store, fleet, now }) => {
    const views = new Map((fleet?.listAgents(input.teamId) ?? []).map((v) => [v.id, v]));
    return {
      agents: store.list('agents', { team: input.teamId }).filter((a) => a.teamId === input.teamId)
        .map((a) => shown(a, views.get(a.id) ?? agentView(a, undefined, false, now()))),
    };
  },

  'agents.createEnrollmentToken': (input, ctx) => {
    const t = createEnrollmentToken(ctx.store, { teamId: input.teamId, name: input.name, labels: input.labels, ttlMs: input.ttlMinutes * MINUTE_MS, createdBy: ctx.actor, now: ctx.now() });
    return { token: t.token, tokenId: t.tokenId, expiresAt: t.expiresAt, agentUrl: ctx.fleet?.agentUrl() ?? null };
  },

  'agents.revokeEnrollmentToken': (input, ctx) => {
    const t = ownedDoc(ctx.store, 'agent_tokens', input.tokenId, input.teamId, 'token');
    revokeEnrollmentToken(ctx.store, t.id, ctx.actor);
    return { ok: true as const };
  },

  'agents.revoke': (input, ctx) => {
    const a = ownedDoc(ctx.store, 'agents', input.agentId, input.teamId, 'agent');
    if (ctx.fleet) ctx.fleet.revokeAgent(a.id, ctx.actor);
    else revokeAgent(ctx.store, a.id, ctx.actor);
    return { ok: true as const };
  },

  'agents.rotateKey': (input, ctx) => {
    const a = ownedDoc(ctx.store, 'agents', input.agentId, input.teamId, 'agent');
    return ctx.fleet ? ctx.fleet.rotateAgentKey(a.id, ctx.actor) : rotateAgentKey(ctx.store, a.id, ctx.actor, ctx.now());
  },
};
