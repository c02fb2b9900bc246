// The one place where access is decided: every procedure call passes through `authorize` before
// its handler runs. The rules are those of src/shared/api/roles.ts; docs/API.md states them.

import { NgError } from '../../shared/errors';
import { membershipId } from '../../shared/ids';
import { roleAtLeast, TOKEN_ROLE_CAP, type Role } from '../../shared/api/roles';
import type { ProcedureDef } from '../../shared/api/contract';
import type { Store } from '../db/store';
import type { Caller, UserCaller } from './caller';

export interface Authorized {
  caller: Caller;
  /** The caller's effective role in `input.teamId` (after a token's cap), when the procedure is team-scoped. */
  role: Role | null;
}

/** The caller's own role in a team: an instance owner is admin of every existing team. */
export function roleInTeam(store: Store, caller: UserCaller, teamId: string): Role | null {
  const m = store.get('memberships', membershipId(caller.user.id, teamId));
  const own = m && m.teamId === teamId && m.userId === caller.user.id ? m.role : null;
  const role = caller.user.owner && store.get('teams', teamId) ? 'admin' : own;
  if (role === null || caller.via !== 'token') return role;
  const cap = TOKEN_ROLE_CAP[caller.token.scope];
  return roleAtLeast(role, cap) ? cap : role;
}

/** Step 1, before the input is parsed: is anyone signed in where that is needed? */
export function requireAuthentication(def: ProcedureDef, caller: Caller): void {
  if (def.access.kind !== 'public' && caller.kind === 'anonymous') {
    throw new NgError('NG_UNAUTHENTICATED', 'sign in first (session cookie or Authorization: Bearer ngt_... token)');
  }
}

/** Step 2, with the parsed input: role, team and token scope. Throws NG_FORBIDDEN when refused. */
export function authorize(store: Store, name: string, def: ProcedureDef, caller: Caller, input: { teamId?: string }): Authorized {
  const access = def.access;
  if (access.kind === 'public') return { caller, role: null };
  if (caller.kind === 'anonymous') throw new NgError('NG_UNAUTHENTICATED', 'sign in first');

  if (caller.via === 'token') {
    const t = caller.token;
    if (access.kind === 'owner') throw new NgError('NG_FORBIDDEN', `${name} needs the instance owner; API tokens never carry owner powers`);
    if (def.effect === 'write' && (t.scope === 'read' || access.kind !== 'team')) {
      throw new NgError('NG_FORBIDDEN', `${name} changes state; this token's scope is "${t.scope}"`);
    }
    if (access.kind === 'team') {
      if (!roleAtLeast(TOKEN_ROLE_CAP[t.scope], access.minRole)) {
        throw new NgError('NG_FORBIDDEN', `${name} needs the ${access.minRole} role; API tokens of scope "${t.scope}" act at most as ${TOKEN_ROLE_CAP[t.scope]}`);
      }
      if (input.teamId !== t.teamId) throw new NgError('NG_FORBIDDEN', `this API token is bound to team ${t.teamId}`, { path: ['teamId'] });
    }
  }

  switch (access.kind) {
    case 'authenticated':
      return { caller, role: null };
    case 'owner':
      if (!caller.user.owner) throw new NgError('NG_FORBIDDEN', `${name} is for the instance owner only`);
      return { caller, role: null };
    case 'team': {
      if (input.teamId === undefined) {
        if (access.ownerWithoutTeam && caller.user.owner && caller.via !== 'token') return { caller, role: null };
        throw new NgError(access.ownerWithoutTeam ? 'NG_FORBIDDEN' : 'NG_VALIDATION', access.ownerWithoutTeam ? `${name} without teamId is for the instance owner only` : 'teamId: required', { path: ['teamId'] });
      }
      const role = roleInTeam(store, caller, input.teamId);
      if (role === null) throw new NgError('NG_FORBIDDEN', `you are not a member of team ${input.teamId}`, { path: ['teamId'] });
      if (!roleAtLeast(role, access.minRole)) throw new NgError('NG_FORBIDDEN', `${name} needs the ${access.minRole} role in this team; you have ${role}`);
      return { caller, role };
    }
  }
}
