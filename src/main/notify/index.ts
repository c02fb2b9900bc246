// Notifications: signed webhooks with retries, desktop notifications, and the dispatcher.

export { NotificationDispatcher, notifyMigrations, channelSecretContext } from './dispatcher';
export type { NotificationDispatcherOptions } from './dispatcher';
export { WebhookSender } from './webhook-sender';
export type { DeliveryAttempt, DeliveryResult, WebhookSenderOptions } from './webhook-sender';
export { loadDesktopNotifier } from './desktop';
export type { DesktopNotifier } from './desktop';
export { signWebhook, verifyWebhook, WEBHOOK_VERSION, SIGNATURE_HEADER, TIMESTAMP_HEADER, EVENT_HEADER, DELIVERY_HEADER } from './webhook-payload';
export type { IncidentSummary, Notice, NoticeEvent, WebhookBody } from './webhook-payload';
