// channels.*: where a team's incident notices go. A webhook's signing secret is generated here,
// sealed before it is stored, and shown to the admin in the create (or rotate) answer only.

import { randomBytes } from 'node:crypto';
import { NgError } from '../../../shared/errors';
import { randomId } from '../../../shared/ids';
import { channelSecretContext } from '../../notify/dispatcher';
import type { Stored } from '../../db/store';
import type { Handlers, HandlerContext, NotificationServices } from '../context';
import { ownedDoc } from '../views';

const channelView = (c: Stored<'notification_channels'>) => ({
  id: c.id, version: c.version, teamId: c.teamId, kind: c.kind, name: c.name, url: c.url, enabled: c.enabled, hasSecret: c.secret !== null,
});

function services(ctx: HandlerContext): NotificationServices {
  if (!ctx.notifications) throw new NgError('NG_UNAVAILABLE', 'this node runs without notification delivery, so it cannot manage channels');
  return ctx.notifications;
}

/** A new signing secret: 32 random bytes, prefixed so people recognise it in their receiver's config. */
const newSecret = (): string => `ngwh_${randomBytes(32).toString('base64url')}`;

export const channelHandlers: Handlers<'channels.list' | 'channels.create' | 'channels.update' | 'channels.delete' | 'channels.test' | 'channels.deliveries'> = {
  'channels.list': (input, ctx) => {
    services(ctx);
    return { channels: ctx.store.list('notification_channels', { team: input.teamId }).filter((c) => c.teamId === input.teamId).sort((a, b) => a.name.localeCompare(b.name)).map(channelView) };
  },

  'channels.create': (input, ctx) => {
    const { sealer } = services(ctx);
    if (input.kind === 'webhook' && input.url === undefined) throw new NgError('NG_VALIDATION', 'url: a webhook channel needs the URL to POST to', { path: ['url'] });
    if (input.kind === 'desktop' && input.url !== undefined) throw new NgError('NG_VALIDATION', 'url: a desktop channel has no URL', { path: ['url'] });
    const id = randomId('chn_').slice(0, 28);
    const secret = input.kind === 'webhook' ? newSecret() : null;
    const channel = ctx.store.write('notification_channels', id, {
      teamId: input.teamId, kind: input.kind, name: input.name, url: input.url ?? null, enabled: input.enabled,
      secret: secret === null ? null : sealer.seal(secret, channelSecretContext(id)),
    }, { actor: ctx.actor, expectedVersion: null });
    return { channel: channelView(channel), secret };
  },

  'channels.update': (input, ctx) => {
    const { sealer } = services(ctx);
    return ctx.store.transaction(() => {
      const held = ownedDoc(ctx.store, 'notification_channels', input.channelId, input.teamId, 'channel');
      if (held.kind === 'desktop' && (input.url !== undefined || input.rotateSecret)) {
        throw new NgError('NG_VALIDATION', `${input.url !== undefined ? 'url' : 'rotateSecret'}: a desktop channel has no URL or secret`, { path: [input.url !== undefined ? 'url' : 'rotateSecret'] });
      }
      const secret = input.rotateSecret ? newSecret() : null;
      const set: Partial<Stored<'notification_channels'>> = {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        ...(secret !== null ? { secret: sealer.seal(secret, channelSecretContext(held.id)) } : {}),
      };
      if (Object.keys(set).length === 0) return { channel: channelView(held), secret: null };
      const channel = ctx.store.write('notification_channels', held.id, set, { actor: ctx.actor, ...(input.expectedVersion !== undefined ? { expectedVersion: input.expectedVersion } : {}) });
      return { channel: channelView(channel), secret };
    });
  },

  'channels.delete': (input, ctx) => {
    services(ctx);
    const held = ownedDoc(ctx.store, 'notification_channels', input.channelId, input.teamId, 'channel');
    ctx.store.delete('notification_channels', held.id, { actor: ctx.actor });
    return { ok: true as const };
  },

  'channels.test': async (input, ctx) => {
    const { dispatcher } = services(ctx);
    ownedDoc(ctx.store, 'notification_channels', input.channelId, input.teamId, 'channel');
    return { result: await dispatcher.sendTest(input.teamId, input.channelId, ctx.now(), { maxAttempts: 1 }) };
  },

  'channels.deliveries': (input, ctx) => {
    const { dispatcher } = services(ctx);
    const held = ownedDoc(ctx.store, 'notification_channels', input.channelId, input.teamId, 'channel');
    return { deliveries: dispatcher.deliveries(held.id, input.limit) };
  },
};
