// Teams, their members, and user accounts.

import { NgError } from '../../../shared/errors';
import { membershipId, randomId, userIdForEmail } from '../../../shared/ids';
import { hashPassword } from '../../auth/password';
import { roleInTeam } from '../authorize';
import type { Handlers } from '../context';
import { memberView, teamView, userView } from '../views';

export const teamHandlers: Handlers<'teams.list' | 'teams.create' | 'members.list' | 'members.set' | 'members.remove' | 'users.list' | 'users.create'> = {
  'teams.list': (_input, { store, caller }) => {
    if (caller.kind !== 'user') throw new NgError('NG_UNAUTHENTICATED', 'sign in first');
    const teams = store.list('teams')
      .map((t) => ({ ...teamView(t), role: roleInTeam(store, caller, t.id) }))
      .filter((t) => t.role !== null && (caller.via !== 'token' || t.id === caller.token.teamId));
    return { teams: teams.sort((a, b) => a.name.localeCompare(b.name)) };
  },

  'teams.create': (input, { store, actor, now }) => {
    const teamId = randomId('team_').slice(0, 21);
    const team = store.transaction(() => {
      const t = store.write('teams', teamId, { name: input.name, createdAt: now() }, { actor, expectedVersion: null });
      store.write('memberships', membershipId(actor, teamId), { userId: actor, teamId, role: 'admin' }, { actor });
      return t;
    });
    return { team: teamView(team) };
  },

  'members.list': (input, { store }) => ({
    members: store.list('memberships', { team: input.teamId }).filter((m) => m.teamId === input.teamId).map((m) => memberView(store, m)),
  }),

  'members.set': (input, { store, actor }) => {
    const user = store.get('users', userIdForEmail(input.email));
    if (!user) throw new NgError('NG_NOT_FOUND', `no user with e-mail ${input.email}; create the user first`, { path: ['email'] });
    const m = store.write('memberships', membershipId(user.id, input.teamId), { userId: user.id, teamId: input.teamId, role: input.role }, { actor });
    return { member: memberView(store, m) };
  },

  'members.remove': (input, { store, actor }) => {
    const id = membershipId(input.userId, input.teamId);
    const m = store.get('memberships', id);
    if (!m || m.teamId !== input.teamId) throw new NgError('NG_NOT_FOUND', `user ${input.userId} is not a member of this team`, { path: ['userId'] });
    const admins = store.list('memberships', { team: input.teamId }).filter((x) => x.role === 'admin');
    if (m.role === 'admin' && admins.length === 1) throw new NgError('NG_CONFLICT', 'this is the team\'s last admin; make someone else admin first', { path: ['userId'] });
    store.delete('memberships', id, { actor });
    return { ok: true as const };
  },

  'users.list': (_input, { store }) => ({ users: store.list('users').map(userView).sort((a, b) => a.email.localeCompare(b.email)) }),

  'users.create': async (input, { store, actor, now }) => {
    const userId = userIdForEmail(input.email);
    if (store.get('users', userId)) throw new NgError('NG_CONFLICT', `a user with e-mail ${input.email} already exists; add them with members.set`, { path: ['email'] });
    const passwordHash = await hashPassword(input.password);
    const { user, m } = store.transaction(() => ({
      user: store.write('users', userId, { email: input.email, displayName: input.displayName, passwordHash, owner: false, disabled: false, createdAt: now() }, { actor, expectedVersion: null }),
      m: store.write('memberships', membershipId(userId, input.teamId), { userId, teamId: input.teamId, role: input.role }, { actor }),
    }));
    return { user: userView(user), member: memberView(store, m) };
  },
};
