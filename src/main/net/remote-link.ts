// A remote link once its bearer token was verified: the same sync session as a member link, plus
// heartbeats, backpressure and the token's lifetime. The remote end closes the link when the token
// expires unless the leader presents a fresh one over the link first; election and key-rotation
// messages are not part of this mode (a remote peer is not a member).

import { SyncOutbox } from './sync-outbox';
import type WebSocket from 'ws';
import { isNgError, type ErrorCode } from '../../shared/errors';
import { PEER_WIRE_VERSION } from '../../shared/wire/peer';
import { remoteLinkMessage, type RemoteLinkMessage } from '../../shared/wire/remote-link';
import { SyncSession, type Replica, type SyncStep } from '../../core/sync/session';
import { encodeSyncMessage } from '../../core/sync/ops-frame';
import type { Logger } from '../log';
import { ANTI_ENTROPY_MS } from './peer-link';
import { CLOSE, HEARTBEAT_MS, LinkLiveness } from './link-liveness';

/** The leader presents a fresh token once this fraction of the current one's remaining life has passed. */
const REFRESH_AT_FRACTION = 0.8;
/** A peer that does not answer our close frame within this long is cut off (disable within 2 s). */
const CLOSE_GRACE_MS = 1000;

export interface RemoteSyncLinkOptions {
  ws: WebSocket;
  /** `leader` dialed with a token; `remote` verified it. */
  role: 'leader' | 'remote';
  peer: string;
  replica: Replica;
  /** Subscribes to local writes (to push them at once); returns the unsubscribe. */
  onLocalChange: (listener: () => void) => () => void;
  log: Logger;
  newSnapshotId: () => string;
  /** Epoch ms at which the verified token expires. */
  tokenExpiresAt: number;
  /** Leader: a fresh bearer token for this peer. */
  freshToken?: () => Promise<string>;
  /** Remote: verifies a fresh token; resolves its expiry (epoch ms) or rejects with a coded NgError. */
  reverify?: (token: string) => Promise<number>;
}

export class RemoteSyncLink {
  readonly closed: Promise<void>;
  lastError: { code: string; message: string } | null = null;
  private resolveClosed!: () => void;
  private state: 'up' | 'closed' = 'up';
  private readonly session: SyncSession;
  private readonly timers: NodeJS.Timeout[] = [];
  private tokenTimer: NodeJS.Timeout | null = null;
  private readonly outbox = new SyncOutbox(() => this.opts.ws.bufferedAmount, (msg) => this.writeText(encodeSyncMessage(msg)), () => this.state === 'up');
  private readonly liveness = new LinkLiveness({
    write: (msg) => this.write(msg),
    dropped: (code, message, strikes) => {
      this.lastError = { code, message };
      this.opts.log.warn({ peer: this.opts.peer, code, reason: message, strikes }, 'remote link message dropped');
    },
    fail: (code, message, closeCode, tell) => this.fail(code, message, closeCode, tell),
  });
  private readonly unsubscribe: () => void;

  constructor(private readonly opts: RemoteSyncLinkOptions) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const { ws } = opts;
    ws.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    ws.on('close', () => this.finish());
    ws.on('error', (e) => this.fail('NG_UNAVAILABLE', `socket error: ${e.message}`, CLOSE.normal, false));
    this.session = new SyncSession(opts.replica, { newSnapshotId: opts.newSnapshotId });
    this.unsubscribe = opts.onLocalChange(() => this.state === 'up' && this.runSync(this.session.localChanged()));
    this.timers.push(setInterval(() => this.liveness.beat(), HEARTBEAT_MS));
    this.timers.push(setInterval(() => this.runSync(this.session.tick()), ANTI_ENTROPY_MS));
    this.watchToken(opts.tokenExpiresAt);
    this.runSync(this.session.tick());
  }

  close(code: number = CLOSE.normal, reason = 'closing'): void {
    if (this.state === 'closed') return;
    this.opts.ws.close(code, reason.slice(0, 120));
    const { ws } = this.opts;
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
    this.finish();
  }

  /** Leader: refresh before expiry. Remote: close at expiry unless a fresh token came. */
  private watchToken(expiresAt: number): void {
    if (this.tokenTimer) clearTimeout(this.tokenTimer);
    const remaining = Math.max(0, expiresAt - Date.now());
    if (this.opts.role === 'remote') {
      this.tokenTimer = setTimeout(() => this.fail('NG_REVOKED', 'the bearer token expired and no fresh one was presented', CLOSE.revoked), remaining);
      return;
    }
    this.tokenTimer = setTimeout(() => void this.presentFreshToken(), remaining * REFRESH_AT_FRACTION);
  }

  private async presentFreshToken(): Promise<void> {
    try {
      const token = await this.opts.freshToken!();
      if (this.state === 'up') this.write({ type: 'remote-token', v: PEER_WIRE_VERSION, token });
    } catch (e) {
      // The remote closes the link at expiry; the manager redials (and retries the token) from there.
      this.lastError = { code: isNgError(e) ? e.code : 'NG_UNAVAILABLE', message: (e as Error).message };
      this.opts.log.warn({ peer: this.opts.peer, code: this.lastError.code, reason: this.lastError.message }, 'no fresh token for the remote link');
    }
  }

  private async onFreshToken(token: string): Promise<void> {
    try {
      const expiresAt = await this.opts.reverify!(token);
      if (this.state !== 'up') return;
      this.watchToken(expiresAt);
      this.write({ type: 'remote-token-accepted', v: PEER_WIRE_VERSION, tokenExpiresAt: expiresAt });
      this.opts.log.info({ peer: this.opts.peer, tokenExpiresAt: expiresAt }, 'remote link token renewed');
    } catch (e) {
      const code = (isNgError(e) ? e.code : 'NG_UNAUTHENTICATED') as ErrorCode;
      this.fail(code, `the fresh bearer token was refused: ${(e as Error).message}`, code === 'NG_REVOKED' ? CLOSE.revoked : CLOSE.unauthenticated);
    }
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (this.state === 'closed') return;
    const frame = this.liveness.heard(data, isBinary);
    if (!frame) return this.liveness.strike('NG_BAD_MESSAGE', 'frame is not a JSON text message');
    const parsed = remoteLinkMessage.safeParse(frame.value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return this.liveness.strike('NG_BAD_MESSAGE', `message fails its schema at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
    }
    try {
      this.onMessage(parsed.data);
    } catch (e) {
      // A bug while handling one message must not take the node down; the peer is not blamed.
      this.opts.log.error({ peer: this.opts.peer, err: e }, 'remote link message handling failed');
      this.lastError = { code: 'NG_INTERNAL', message: (e as Error).message };
    }
  }

  private onMessage(msg: RemoteLinkMessage): void {
    switch (msg.type) {
      case 'vector':
      case 'ops':
      case 'snapshot-chunk':
        return this.runSync(this.session.receive(msg));
      case 'heartbeat':
        return;
      case 'remote-token':
        if (this.opts.role !== 'remote') return this.liveness.strike('NG_BAD_MESSAGE', 'only the dialing leader presents tokens');
        return void this.onFreshToken(msg.token);
      case 'remote-token-accepted':
        if (this.opts.role !== 'leader') return this.liveness.strike('NG_BAD_MESSAGE', 'only the verifying node accepts tokens');
        return this.watchToken(msg.tokenExpiresAt);
      case 'error':
        this.lastError = { code: msg.code, message: `peer reports: ${msg.message}` };
        this.opts.log.warn({ peer: this.opts.peer, code: msg.code, reason: msg.message }, 'remote peer reported an error');
        return;
    }
  }

  private runSync(step: SyncStep): void {
    for (const e of step.events) {
      if (e.kind === 'rejected') {
        this.lastError = { code: e.code, message: `${e.count} op(s) refused: ${e.message}` };
        this.opts.log.warn({ peer: this.opts.peer, code: e.code, count: e.count, reason: e.message }, 'ops from remote peer refused');
      }
      this.liveness.judge(e);
    }
    if (this.state !== 'up') return;
    this.outbox.send(step.send);
  }

  private fail(code: ErrorCode, message: string, closeCode: number, tell = true): void {
    if (this.state === 'closed') return;
    this.lastError = { code, message };
    this.opts.log.warn({ peer: this.opts.peer, code, reason: message }, 'remote link closed');
    if (tell) this.write({ type: 'error', v: PEER_WIRE_VERSION, code, message: message.slice(0, 500) });
    this.close(closeCode, code);
  }

  private finish(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const t of this.timers) clearInterval(t);
    if (this.tokenTimer) clearTimeout(this.tokenTimer);
    this.outbox.clear();
    this.unsubscribe();
    this.resolveClosed();
  }

  private write(msg: RemoteLinkMessage): void {
    this.writeText(JSON.stringify(msg));
  }

  private writeText(text: string): void {
    if (this.opts.ws.readyState === this.opts.ws.OPEN) this.opts.ws.send(text);
  }
}
