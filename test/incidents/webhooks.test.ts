// Webhook delivery against a real local receiver: signature, retries with backoff on 5xx and
// network errors, no retry on a 4xx, the delivery log, and "Send test".

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/db/store';
import { channelSecretContext, NotificationDispatcher, notifyMigrations } from '../../src/main/notify/dispatcher';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook, type Notice, type WebhookBody } from '../../src/main/notify/webhook-payload';
import { WebhookSender } from '../../src/main/notify/webhook-sender';
import { SecretSealer, staticSealKeys } from '../../src/main/remote/secret-sealer';
import { freePort } from '../support/nginx';

const notice: Notice = { event: 'incident.opened', teamId: 't1', at: 1, text: 'Opened: 502s', incident: { id: 'inc_1', teamId: 't1', kind: 'upstream_502_streak', status: 'open', title: '502s', agentId: 'ag1', domainId: 'd1', openedAt: 1, resolvedAt: null } };

describe('webhooks', () => {
  let server: Server;
  let url = '';
  const hits: { path: string; body: string; headers: IncomingHttpHeaders }[] = [];
  /** Statuses to answer with, in turn, per path; 204 once they run out. */
  const script = new Map<string, number[]>();
  const sleeps: number[] = [];
  const fastSender = (o = {}) => new WebhookSender({ baseDelayMs: 10, maxAttempts: 4, sleep: async (ms) => void sleeps.push(ms), ...o });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        hits.push({ path: req.url!, body, headers: req.headers });
        res.writeHead(script.get(req.url!)?.shift() ?? 204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('signs the body so the receiver can verify sender and freshness', async () => {
    const r = await fastSender().deliver({ id: 'c1', url: `${url}/signed`, secret: 's3cret' }, notice);
    expect(r).toMatchObject({ ok: true, attempts: 1, status: 204 });
    const hit = hits.find((h) => h.path === '/signed')!;
    const headers = { signature: hit.headers[SIGNATURE_HEADER] as string, timestamp: hit.headers[TIMESTAMP_HEADER] as string };
    const nowS = Math.floor(Date.now() / 1000);
    expect(verifyWebhook('s3cret', headers, hit.body, nowS)).toBe(true);
    expect(verifyWebhook('s3cret', headers, hit.body.replace('502s', '503s'), nowS)).toBe(false);
    expect(verifyWebhook('s3cret', headers, hit.body, nowS + 3_600)).toBe(false);
    const body = JSON.parse(hit.body) as WebhookBody;
    expect(body).toMatchObject({ version: 1, deliveryId: r.deliveryId, event: 'incident.opened', incident: { id: 'inc_1' } });
  });

  it('retries 5xx with growing backoff until it is accepted, and gives up on a 4xx at once', async () => {
    script.set('/flaky', [503, 500]);
    sleeps.length = 0;
    const r = await fastSender().deliver({ id: 'c1', url: `${url}/flaky`, secret: 'k' }, notice);
    expect(r).toMatchObject({ ok: true, attempts: 3 });
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]!).toBeGreaterThan(sleeps[0]!);
    const ids = hits.filter((h) => h.path === '/flaky').map((h) => (JSON.parse(h.body) as WebhookBody).deliveryId);
    expect(new Set(ids).size).toBe(1);

    script.set('/gone', [410]);
    expect(await fastSender().deliver({ id: 'c1', url: `${url}/gone`, secret: 'k' }, notice)).toMatchObject({ ok: false, attempts: 1, status: 410 });
  });

  it('retries when nothing answers, then reports the last error', async () => {
    const port = await freePort();
    const r = await fastSender({ maxAttempts: 3 }).deliver({ id: 'c1', url: `http://127.0.0.1:${port}/`, secret: 'k' }, notice);
    expect(r).toMatchObject({ ok: false, attempts: 3, status: null });
    expect(r.error).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('sends a test to one channel of the team and logs every attempt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ng-notify-'));
    const store = Store.open({ path: join(dir, 'node.db'), migrations: notifyMigrations });
    try {
      const sealer = new SecretSealer(staticSealKeys(randomBytes(32)));
      store.write('notification_channels', 'chn_1', { teamId: 't1', kind: 'webhook', name: 'ops', url: `${url}/test-button`, secret: sealer.seal('hook-key', channelSecretContext('chn_1')), enabled: true }, { actor: 'test' });
      script.set('/test-button', [502]);
      const dispatcher = new NotificationDispatcher({ store, openSecret: (s, c) => sealer.open(s, c), sender: { baseDelayMs: 5 } });
      const r = await dispatcher.sendTest('t1', 'chn_1', Date.now());
      expect(r).toMatchObject({ ok: true, attempts: 2 });
      const hit = hits.filter((h) => h.path === '/test-button').at(-1)!;
      expect((JSON.parse(hit.body) as WebhookBody).event).toBe('test');
      expect(verifyWebhook('hook-key', { signature: hit.headers[SIGNATURE_HEADER] as string, timestamp: hit.headers[TIMESTAMP_HEADER] as string }, hit.body, Math.floor(Date.now() / 1000))).toBe(true);
      expect(dispatcher.deliveries('chn_1').map((a) => [a.attempt, a.status])).toEqual([[2, 204], [1, 502]]);
      await expect(dispatcher.sendTest('t2', 'chn_1', Date.now())).rejects.toMatchObject({ code: 'NG_NOT_FOUND' });
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
