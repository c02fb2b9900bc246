// Sends each incident notice to the team's enabled channels (webhooks, desktop) and keeps a
// node-local delivery log. Webhook secrets are opened only in memory, per delivery.

import type Database from 'better-sqlite3';
import { NgError } from '../../shared/errors';
import { randomId } from '../../shared/ids';
import type { Store, Stored } from '../db/store';
import type { Migration } from '../db/migrations';
import type { Logger } from '../log';
import type { DesktopNotifier } from './desktop';
import type { Notice } from './webhook-payload';
import { WebhookSender, type DeliveryAttempt, type DeliveryResult } from './webhook-sender';

export const notifyMigrations: readonly Migration[] = [{
  name: 'notify_deliveries_1',
  up: (db) => db.exec(`CREATE TABLE notify_deliveries (
      delivery_id TEXT NOT NULL, attempt INTEGER NOT NULL, channel_id TEXT NOT NULL, event TEXT NOT NULL,
      at INTEGER NOT NULL, status INTEGER, error TEXT, PRIMARY KEY (delivery_id, attempt)) STRICT;
    CREATE INDEX notify_deliveries_channel ON notify_deliveries (channel_id, at);`),
}];

/** Where a channel's sealed secret lives: the additional data it was sealed with. */
export const channelSecretContext = (channelId: string): string => `notification_channels/${channelId}/secret`;

export interface NotificationDispatcherOptions {
  store: Store;
  /** Opens a sealed channel secret (SecretSealer.open). */
  openSecret: (sealed: NonNullable<Stored<'notification_channels'>['secret']>, context: string) => string;
  desktop?: DesktopNotifier | null;
  logger?: Logger;
  /** Retry timing for webhooks (tests shorten it). */
  sender?: ConstructorParameters<typeof WebhookSender>[0];
}

export class NotificationDispatcher {
  private readonly store: Store;
  private readonly sender: WebhookSender;
  private readonly logAttempt: (a: DeliveryAttempt) => void;
  private readonly recent: Database.Statement;

  constructor(private readonly opts: NotificationDispatcherOptions) {
    this.store = opts.store;
    const insert = opts.store.db.prepare('INSERT OR REPLACE INTO notify_deliveries (delivery_id, attempt, channel_id, event, at, status, error) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.recent = opts.store.db.prepare('SELECT delivery_id AS deliveryId, attempt, channel_id AS channelId, event, at, status, error FROM notify_deliveries WHERE channel_id = ? ORDER BY at DESC, attempt DESC LIMIT ?');
    this.logAttempt = (a) => {
      insert.run(a.deliveryId, a.attempt, a.channelId, a.event, a.at, a.status, a.error);
      if (a.error) opts.logger?.warn({ channelId: a.channelId, attempt: a.attempt, status: a.status, err: a.error }, 'webhook delivery attempt failed');
    };
    this.sender = new WebhookSender({ ...opts.sender, onAttempt: this.logAttempt });
  }

  /** Tells every enabled channel of the notice's team; resolves when all webhooks are done (delivered or given up). */
  async notify(notice: Notice): Promise<DeliveryResult[]> {
    const channels = this.store.list('notification_channels', { team: notice.teamId }).filter((c) => c.enabled && c.teamId === notice.teamId);
    return Promise.all(channels.map((c) => this.send(c, notice)));
  }

  /** The "Send test" button: one test notice to one channel, with its result (`maxAttempts: 1` for an answer at once). */
  async sendTest(teamId: string, channelId: string, at: number, opts: { maxAttempts?: number } = {}): Promise<DeliveryResult> {
    const channel = this.store.get('notification_channels', channelId);
    if (!channel || channel.teamId !== teamId) throw new NgError('NG_NOT_FOUND', `notification channel ${channelId} does not exist`, { path: ['channelId'] });
    return this.send(channel, { event: 'test', teamId, at, incident: null, text: `Test notification from Netgoat to "${channel.name}"` }, opts);
  }

  /** The latest delivery attempts of a channel, newest first. */
  deliveries(channelId: string, limit = 50): DeliveryAttempt[] {
    return this.recent.all(channelId, limit) as DeliveryAttempt[];
  }

  private async send(channel: Stored<'notification_channels'>, notice: Notice, opts: { maxAttempts?: number } = {}): Promise<DeliveryResult> {
    if (channel.kind === 'desktop') {
      const shown = this.opts.desktop ? (this.opts.desktop.show(notice.incident?.title ?? 'Netgoat', notice.text), true) : false;
      const deliveryId = randomId('dlv_').slice(0, 28);
      const error = shown ? null : 'no desktop notification service on this node';
      this.logAttempt({ deliveryId, channelId: channel.id, event: notice.event, attempt: 1, at: notice.at, status: null, error });
      return { ok: shown, deliveryId, attempts: 1, status: null, error };
    }
    if (!channel.url || !channel.secret) {
      const error = `webhook channel "${channel.name}" has no ${channel.url ? 'secret' : 'URL'}`;
      this.logAttempt({ deliveryId: '-', channelId: channel.id, event: notice.event, attempt: 1, at: notice.at, status: null, error });
      return { ok: false, deliveryId: '-', attempts: 0, status: null, error };
    }
    const secret = this.opts.openSecret(channel.secret, channelSecretContext(channel.id));
    return this.sender.deliver({ id: channel.id, url: channel.url, secret }, notice, opts);
  }
}
