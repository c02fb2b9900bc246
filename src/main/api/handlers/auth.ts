// First-run setup, password sign-in and sign-out, and "who am I".

import { NgError } from '../../../shared/errors';
import { membershipId, randomId, userIdForEmail } from '../../../shared/ids';
import { hashPassword, verifyPassword } from '../../auth/password';
import type { Handlers } from '../context';
import { teamView, userView } from '../views';

export const authHandlers: Handlers<'auth.status' | 'auth.setup' | 'auth.login' | 'auth.logout' | 'auth.me'> = {
  'auth.status': (_input, { store }) => ({ setupRequired: store.list('users').length === 0, nodeId: store.nodeId }),

  'auth.setup': async (input, ctx) => {
    const { store } = ctx;
    const passwordHash = await hashPassword(input.password);
    // Checked again inside the transaction: two racing setups cannot both create an owner.
    const created = store.transaction(() => {
      if (store.list('users').length > 0) throw new NgError('NG_FORBIDDEN', 'setup is already done: sign in instead');
      const userId = userIdForEmail(input.email);
      const teamId = randomId('team_').slice(0, 21);
      const now = ctx.now();
      const ctxw = { actor: userId, expectedVersion: null };
      const user = store.write('users', userId, { email: input.email, displayName: input.displayName, passwordHash, owner: true, disabled: false, createdAt: now }, ctxw);
      const team = store.write('teams', teamId, { name: input.teamName, createdAt: now }, ctxw);
      store.write('memberships', membershipId(userId, teamId), { userId, teamId, role: 'admin' }, ctxw);
      return { user, team };
    });
    ctx.session.start = ctx.auth.sessions.start(created.user.id);
    return { user: userView(created.user), team: teamView(created.team) };
  },

  'auth.login': async (input, ctx) => {
    const { throttle } = ctx.auth;
    const wait = throttle.retryAfterMs(ctx.clientIp, input.email);
    if (wait > 0) throw new NgError('NG_RATE_LIMITED', `too many failed sign-ins; retry in ${Math.ceil(wait / 1000)} s`, { details: { retryAfterMs: wait } });
    const user = ctx.store.get('users', userIdForEmail(input.email));
    const good = await verifyPassword(input.password, user && user.email === input.email ? user.passwordHash : null);
    if (!good || !user || user.disabled) {
      throttle.recordFailure(ctx.clientIp, input.email);
      throw new NgError('NG_UNAUTHENTICATED', 'wrong e-mail or password');
    }
    throttle.recordSuccess(ctx.clientIp, input.email);
    ctx.session.start = ctx.auth.sessions.start(user.id);
    return { user: userView(user) };
  },

  'auth.logout': (_input, ctx) => {
    if (ctx.caller.kind === 'user' && ctx.caller.via === 'session') ctx.auth.sessions.end(ctx.caller.sessionIdHash);
    ctx.session.end = true;
    return { ok: true as const };
  },

  'auth.me': (_input, { store, caller }) => {
    if (caller.kind !== 'user') throw new NgError('NG_UNAUTHENTICATED', 'sign in first');
    const memberships = store.list('memberships')
      .filter((m) => m.userId === caller.user.id && (caller.via !== 'token' || m.teamId === caller.token.teamId))
      .flatMap((m) => {
        const team = store.get('teams', m.teamId);
        return team ? [{ teamId: m.teamId, teamName: team.name, role: m.role }] : [];
      });
    return {
      user: userView(caller.user),
      memberships,
      via: caller.via,
      token: caller.via === 'token' ? { id: caller.token.id, scope: caller.token.scope, teamId: caller.token.teamId } : null,
    };
  },
};
