// API tokens of a team: list, create (the secret is returned once), revoke.

import { NgError } from '../../../shared/errors';
import type { Handlers } from '../context';
import { apiTokenView } from '../views';

export const apiTokenHandlers: Handlers<'apiTokens.list' | 'apiTokens.create' | 'apiTokens.revoke'> = {
  'apiTokens.list': (input, { auth }) => ({ tokens: auth.tokens.listForTeam(input.teamId).map(apiTokenView) }),

  'apiTokens.create': (input, { auth, actor }) => {
    const { secret, token } = auth.tokens.create({ teamId: input.teamId, userId: actor, name: input.name, scope: input.scope, expiresInDays: input.expiresInDays });
    auth.localAudit.record({ teamId: input.teamId, actor, collection: 'api_tokens', id: token.id, before: {}, after: { name: token.name, scope: token.scope, expiresAt: token.expiresAt } });
    return { token: secret, info: apiTokenView(token) };
  },

  'apiTokens.revoke': (input, { auth, actor }) => {
    const token = auth.tokens.get(input.tokenId);
    if (!token || token.teamId !== input.teamId) throw new NgError('NG_NOT_FOUND', `token ${input.tokenId} not found in this team`, { path: ['tokenId'] });
    if (auth.tokens.revoke(token.id)) {
      auth.localAudit.record({ teamId: input.teamId, actor, collection: 'api_tokens', id: token.id, before: { revokedAt: null }, after: { revokedAt: auth.tokens.get(token.id)?.revokedAt ?? null } });
    }
    return { ok: true as const };
  },
};
