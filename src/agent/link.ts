// The agent's link to the cluster: one signed WebSocket session at a time, to the first node in
// its list that answers, reconnecting with backoff and jitter (1 s → 60 s) across the list.

import { WebSocket } from 'ws';
import { ERROR_CODES, NgError } from '../shared/errors';
import type { AgentBody, NodeBody } from '../shared/wire/agent';
import { AGENT_SUBPROTOCOL, AGENT_WIRE_VERSION, CLOSE_REVOKED, MAX_NODE_FRAME_BYTES, bodyText } from '../shared/wire/agent-constants';
import { NonceWindow, openEnvelope, sealEnvelope } from '../shared/wire/agent-envelope';
import { agentEnvelopeCrypto } from './envelope-crypto';
import { backoffDelay } from './backoff';
import { checkPin, normalizePin, splitPinnedUrl, tlsOptions } from './node-pin';
import { checkEnrollReply, checkNodeBody, checkRefusal } from './wire-check';
import { describe } from './wire-shape';

export interface LinkKey {
  kid: string;
  secret: string;
}

export interface AgentLinkOptions {
  urls: readonly string[];
  /** SHA-256 fingerprints of the node certificates a wss:// URL may present (empty: the usual CA check). */
  pins?: readonly string[];
  /** Current keys, primary first (the agent swaps them on rekey). */
  keys: () => readonly LinkKey[];
  /** The hello to send on every (re)connect. */
  hello: () => AgentBody;
  onMessage: (body: NodeBody) => void;
  onState?: (state: LinkState, detail?: string) => void;
  /** A message from the node was refused (bad signature, stale, malformed). */
  onRefused?: (err: NgError) => void;
  /** Sees every raw frame from the node before it is checked (byte counters). */
  onFrame?: (frame: string) => void;
  random?: () => number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Per-attempt open timeout. */
  connectTimeoutMs?: number;
}

export type LinkState = 'connecting' | 'connected' | 'disconnected' | 'revoked' | 'stopped';

export class AgentLink {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private urlIndex = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly window = new NonceWindow();
  state: LinkState = 'disconnected';
  /** The node URL of the current session. */
  connectedTo: string | null = null;

  constructor(private readonly opts: AgentLinkOptions) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Sends a signed message; false when there is no session (the caller's state is resent in the next hello). */
  send(body: AgentBody): boolean {
    if (!this.ws || this.state !== 'connected' || this.ws.readyState !== WebSocket.OPEN) return false;
    const key = this.opts.keys()[0]!;
    this.ws.send(sealEnvelope(agentEnvelopeCrypto, key, bodyText(body), Date.now()));
    return true;
  }

  /** Bytes queued on the socket and not yet written (0 without a session). */
  bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.ws?.terminate();
    this.setState('stopped');
  }

  private setState(state: LinkState, detail?: string): void {
    this.state = state;
    this.opts.onState?.(state, detail);
  }

  private connect(): void {
    if (this.stopped) return;
    const url = this.opts.urls[this.urlIndex % this.opts.urls.length]!;
    this.setState('connecting', url);
    const pins = this.opts.pins ?? [];
    const ws = new WebSocket(url, AGENT_SUBPROTOCOL, { maxPayload: MAX_NODE_FRAME_BYTES, perMessageDeflate: false, handshakeTimeout: this.opts.connectTimeoutMs ?? 10_000, ...tlsOptions(url, pins) });
    this.ws = ws;
    let pinError: NgError | null = null;
    // Checked once TLS is up and before the hello: nothing is sent to a node with another certificate.
    ws.on('upgrade', (res) => {
      pinError = checkPin(res.socket, url, pins);
      if (!pinError) return;
      this.opts.onRefused?.(pinError);
      ws.terminate();
    });
    ws.on('open', () => {
      this.attempt = 0;
      this.connectedTo = url;
      this.setState('connected', url);
      this.send(this.opts.hello());
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.opts.onRefused?.(new NgError('NG_BAD_MESSAGE', 'binary frame from the node'));
      this.receive(data.toString());
    });
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.connectedTo = null;
      if (this.stopped) return;
      if (code === CLOSE_REVOKED) {
        this.setState('revoked', reason.toString());
        return;
      }
      this.setState('disconnected', pinError ? `${url}: ${pinError.code}: ${pinError.message}` : `${url}: ${code} ${reason.toString()}`);
      this.urlIndex++;
      const delay = backoffDelay(this.attempt++, this.opts.random, this.opts.minBackoffMs, this.opts.maxBackoffMs);
      this.timer = setTimeout(() => this.connect(), delay);
    });
  }

  private receive(frame: string): void {
    this.opts.onFrame?.(frame);
    const opened = openEnvelope(agentEnvelopeCrypto, frame, {
      maxBytes: MAX_NODE_FRAME_BYTES,
      now: Date.now(),
      keyFor: (kid) => {
        const key = this.opts.keys().find((k) => k.kid === kid);
        return key ? { secret: key.secret, window: this.window } : undefined;
      },
    });
    if (!opened.ok) {
      const refused = checkRefusal(safeJson(frame));
      this.opts.onRefused?.(refused.ok ? new NgError('NG_UNAUTHENTICATED', `${refused.value.code}: ${refused.value.message}`) : opened.error);
      return;
    }
    const parsed = checkNodeBody(opened.body);
    if (!parsed.ok) {
      this.opts.onRefused?.(new NgError('NG_BAD_MESSAGE', `node message fails its schema: ${describe(parsed.problem)}`));
      return;
    }
    this.opts.onMessage(parsed.value);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export interface EnrollResult {
  agentId: string;
  teamId: string;
  kid: string;
  key: string;
  /** The URL to dial from now on (without its #sha256= part). */
  url: string;
  /** Node certificates to pin: the one the URL named, plus every cluster member's the node listed. */
  pins: string[];
}

/**
 * Trades a bootstrap token for an agent id and session key at one node. A wss:// URL with
 * `#sha256=<fingerprint>` is pinned: a node presenting any other certificate is refused
 * (NG_BAD_SIGNATURE) before the token is sent.
 */
export function enroll(pinnedUrl: string, token: string, hostname: string, timeoutMs = 15_000): Promise<EnrollResult> {
  const { url, pin } = splitPinnedUrl(pinnedUrl);
  const pins = pin ? [pin] : [];
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, AGENT_SUBPROTOCOL, { maxPayload: 64 * 1024, handshakeTimeout: timeoutMs, ...tlsOptions(url, pins) });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new NgError('NG_UNAVAILABLE', `no enrollment answer from ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (fn: () => void) => {
      clearTimeout(timer);
      fn();
      ws.close();
    };
    ws.on('upgrade', (res) => {
      const err = checkPin(res.socket, url, pins);
      if (err) done(() => reject(err));
    });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'enroll', v: AGENT_WIRE_VERSION, token, hostname })));
    ws.on('message', (data) => {
      const raw = safeJson(data.toString());
      const ok = checkEnrollReply(raw);
      if (ok.ok) {
        const all = [...new Set([...pins, ...ok.value.nodeFingerprints.map(normalizePin)])];
        return done(() => resolve({ agentId: ok.value.agentId, teamId: ok.value.teamId, kid: ok.value.kid, key: ok.value.key, url, pins: all }));
      }
      const no = checkRefusal(raw);
      done(() => reject(no.ok ? new NgError(Object.hasOwn(ERROR_CODES, no.value.code) ? (no.value.code as keyof typeof ERROR_CODES) : 'NG_UNAUTHENTICATED', no.value.message) : new NgError('NG_BAD_MESSAGE', 'unexpected enrollment answer')));
    });
    ws.on('error', (e) => done(() => reject(new NgError('NG_UNAVAILABLE', `cannot reach ${url}: ${e.message}`))));
    ws.on('close', () => done(() => reject(new NgError('NG_UNAVAILABLE', `${url} closed the enrollment without an answer`))));
  });
}
