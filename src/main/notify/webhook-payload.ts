// The webhook's JSON and its signature (documented in docs/webhooks.md). The signature is
// HMAC-SHA256 over "<timestamp>.<body>" with the channel's secret, so a receiver can check both
// who sent it and that it is fresh.

import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_VERSION = 1;
export const SIGNATURE_HEADER = 'x-netgoat-signature';
export const TIMESTAMP_HEADER = 'x-netgoat-timestamp';
export const EVENT_HEADER = 'x-netgoat-event';
export const DELIVERY_HEADER = 'x-netgoat-delivery';

export type NoticeEvent = 'incident.opened' | 'incident.acknowledged' | 'incident.resolved' | 'test';

export interface IncidentSummary {
  id: string;
  teamId: string;
  kind: string;
  status: 'open' | 'acknowledged' | 'resolved';
  title: string;
  agentId: string | null;
  domainId: string | null;
  openedAt: number;
  resolvedAt: number | null;
}

/** What every channel is told. */
export interface Notice {
  event: NoticeEvent;
  teamId: string;
  /** Epoch ms of the change. */
  at: number;
  /** Null only for the "Send test" notice. */
  incident: IncidentSummary | null;
  /** One line for people (the desktop notification body, a chat message). */
  text: string;
}

export interface WebhookBody extends Notice {
  version: typeof WEBHOOK_VERSION;
  deliveryId: string;
}

export const signWebhook = (secret: string, timestampS: number, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex')}`;

/** For receivers (and tests): the signature matches and the timestamp is within `toleranceS` of `nowS`. */
export function verifyWebhook(secret: string, headers: { signature: string | undefined; timestamp: string | undefined }, body: string, nowS: number, toleranceS = 300): boolean {
  const ts = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(ts) || Math.abs(nowS - ts) > toleranceS) return false;
  const want = Buffer.from(signWebhook(secret, ts, body));
  const got = Buffer.from(headers.signature);
  return want.length === got.length && timingSafeEqual(want, got);
}
