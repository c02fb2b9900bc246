// Delivers one signed webhook with retries: network errors, 5xx and 429 are retried with
// exponential backoff and jitter; any other answer is final. Every attempt goes to the delivery log.

import { randomId } from '../../shared/ids';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_VERSION, signWebhook, type Notice, type WebhookBody } from './webhook-payload';

export interface DeliveryAttempt {
  deliveryId: string;
  channelId: string;
  event: string;
  attempt: number;
  at: number;
  /** HTTP status, or null when no answer came. */
  status: number | null;
  error: string | null;
}

export interface DeliveryResult {
  ok: boolean;
  deliveryId: string;
  attempts: number;
  status: number | null;
  error: string | null;
}

export interface WebhookSenderOptions {
  /** Attempts in total, the first included. */
  maxAttempts?: number;
  /** Backoff before the second attempt; doubles each time, with ±25 % jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onAttempt?: (a: DeliveryAttempt) => void;
}

const retryable = (status: number): boolean => status >= 500 || status === 429 || status === 408;

export class WebhookSender {
  private readonly o: Required<WebhookSenderOptions>;

  constructor(opts: WebhookSenderOptions = {}) {
    this.o = {
      maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000, timeoutMs: 10_000, now: Date.now,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)), onAttempt: () => {}, ...opts,
    };
  }

  /** `maxAttempts` overrides the sender's for this one notice ("Send test" makes a single attempt). */
  async deliver(channel: { id: string; url: string; secret: string }, notice: Notice, opts: { maxAttempts?: number } = {}): Promise<DeliveryResult> {
    const maxAttempts = opts.maxAttempts ?? this.o.maxAttempts;
    const deliveryId = randomId('dlv_').slice(0, 28);
    const payload: WebhookBody = { version: WEBHOOK_VERSION, deliveryId, ...notice };
    const body = JSON.stringify(payload);
    let status: number | null = null;
    let error: string | null = null;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      // Signed per attempt: a receiver's freshness window holds for retries hours later too.
      const ts = Math.floor(this.o.now() / 1000);
      try {
        const res = await fetch(channel.url, {
          method: 'POST',
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(this.o.timeoutMs),
          headers: {
            'content-type': 'application/json', 'user-agent': 'netgoat-webhook',
            [SIGNATURE_HEADER]: signWebhook(channel.secret, ts, body), [TIMESTAMP_HEADER]: String(ts),
            [EVENT_HEADER]: notice.event, [DELIVERY_HEADER]: deliveryId,
          },
        });
        await res.arrayBuffer().catch(() => undefined);
        status = res.status;
        error = res.ok ? null : `receiver answered ${res.status}`;
      } catch (e) {
        status = null;
        error = e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e);
      }
      this.o.onAttempt({ deliveryId, channelId: channel.id, event: notice.event, attempt, at: this.o.now(), status, error });
      if (status !== null && status >= 200 && status < 300) return { ok: true, deliveryId, attempts: attempt, status, error: null };
      if (status !== null && !retryable(status)) return { ok: false, deliveryId, attempts: attempt, status, error };
      if (attempt < maxAttempts) await this.o.sleep(this.backoff(attempt));
    }
    return { ok: false, deliveryId, attempts: maxAttempts, status, error };
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }
}
