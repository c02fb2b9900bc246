// The leader's links to remote peers. While this node leads, every enabled remote peer gets one
// link, authenticated with an OAuth2 client-credentials token; a link that drops is redialled with
// backoff. Changes to `_system_remote_peers` (from any node) are applied as they land: a disabled
// or removed peer is disconnected at once, a changed one is redialled with its new settings.

import type { Store } from '../db/store';
import { isNgError } from '../../shared/errors';
import { Backoff } from '../net/backoff';
import type { Fetch } from './oidc-discovery';
import { clientSecretContext, remotePeerDocs, type RemotePeerDoc } from './remote-peers';
import type { SecretSealer } from './secret-sealer';
import { ClientCredentialsClient } from './token-client';

/** What the transport needs to dial a remote peer. */
export interface RemoteLinkTarget {
  nodeId: string;
  address: string;
  /** A current bearer token for this peer (cached, refreshed before expiry). */
  token(): Promise<string>;
  /** Forget the cached token, e.g. after the peer answered 401. */
  invalidateToken(): void;
}

/** An open link; `closed` settles when it ends, from either side. */
export interface RemoteLink {
  close(): void;
  readonly closed: Promise<void>;
}

/** Dials a remote peer (the WSS peer link in the node; a small WS endpoint in tests). */
export type RemoteTransport = (target: RemoteLinkTarget) => Promise<RemoteLink>;

export type RemoteLinkEvent =
  | { kind: 'linked'; nodeId: string }
  | { kind: 'unlinked'; nodeId: string; reason: 'disabled' | 'removed' | 'changed' | 'stopped' | 'dropped' }
  | { kind: 'failed'; nodeId: string; code: string; message: string; retryInMs: number };

export interface RemoteLinkLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RemoteLinkManagerOptions {
  store: Store;
  sealer: SecretSealer;
  transport: RemoteTransport;
  logger?: RemoteLinkLogger;
  fetch?: Fetch;
  /** Reconnect backoff (default 1 s → 60 s with jitter). */
  backoff?: () => Backoff;
}

interface Entry {
  nodeId: string;
  /** The settings this entry dialled with; a different one means redial. */
  settings: string;
  client: ClientCredentialsClient;
  address: string;
  backoff: Backoff;
  link: RemoteLink | undefined;
  retry: ReturnType<typeof setTimeout> | undefined;
  stopped: boolean;
}

const settingsOf = (d: RemotePeerDoc): string => JSON.stringify([d.address, d.oauth2.authority, d.oauth2.clientId, d.oauth2.scopes, d.oauth2.clientSecret.ct]);

export class RemoteLinkManager {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(e: RemoteLinkEvent) => void>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly opts: RemoteLinkManagerOptions) {}

  get leading(): boolean {
    return this.unsubscribe !== undefined;
  }

  /** Node ids with an open link now. */
  linked(): string[] {
    return [...this.entries.values()].filter((e) => e.link).map((e) => e.nodeId).sort();
  }

  onEvent(listener: (e: RemoteLinkEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Leader hook: this node became leader, so it takes over every enabled remote peer now. */
  startLeading(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.opts.store.onChange((events) => {
      if (events.some((e) => e.collection === '_system_remote_peers')) this.reconcile();
    });
    this.reconcile();
  }

  /** Leader hook: this node no longer leads (or shuts down); every link closes. */
  stopLeading(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const entry of [...this.entries.values()]) this.drop(entry, 'stopped');
  }

  private reconcile(): void {
    // The record naming this node itself replicates here too (it is the remote end of that link).
    const wanted = new Map(remotePeerDocs(this.opts.store).filter((d) => d.enabled && d.nodeId !== this.opts.store.nodeId).map((d) => [d.nodeId, d]));
    for (const entry of [...this.entries.values()]) {
      const doc = wanted.get(entry.nodeId);
      if (!doc) this.drop(entry, this.opts.store.get('_system_remote_peers', entry.nodeId) ? 'disabled' : 'removed');
      else if (settingsOf(doc) !== entry.settings) this.drop(entry, 'changed');
    }
    for (const doc of wanted.values()) if (!this.entries.has(doc.nodeId)) this.add(doc);
  }

  private add(doc: RemotePeerDoc): void {
    const { sealer } = this.opts;
    const sealed = doc.oauth2.clientSecret;
    const entry: Entry = {
      nodeId: doc.nodeId,
      settings: settingsOf(doc),
      address: doc.address,
      client: new ClientCredentialsClient({
        authority: doc.oauth2.authority,
        clientId: doc.oauth2.clientId,
        clientSecret: () => sealer.open(sealed, clientSecretContext(doc.nodeId)),
        scopes: doc.oauth2.scopes,
        resource: doc.address,
        ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
      }),
      backoff: this.opts.backoff?.() ?? new Backoff(),
      link: undefined,
      retry: undefined,
      stopped: false,
    };
    this.entries.set(doc.nodeId, entry);
    void this.dial(entry);
  }

  private async dial(entry: Entry): Promise<void> {
    entry.retry = undefined;
    let link: RemoteLink;
    try {
      link = await this.opts.transport({ nodeId: entry.nodeId, address: entry.address, token: () => entry.client.getToken(), invalidateToken: () => entry.client.invalidate() });
    } catch (e) {
      if (entry.stopped) return;
      const retryInMs = entry.backoff.next();
      const code = isNgError(e) ? e.code : 'NG_UNAVAILABLE';
      const message = (e as Error).message;
      this.opts.logger?.warn({ peer: entry.nodeId, code, retryInMs }, `remote peer link failed: ${message}`);
      this.emit({ kind: 'failed', nodeId: entry.nodeId, code, message, retryInMs });
      entry.retry = setTimeout(() => void this.dial(entry), retryInMs);
      return;
    }
    // Disabled or demoted while the dial was in flight: this link must not outlive that.
    if (entry.stopped) return link.close();
    entry.link = link;
    entry.backoff.reset();
    this.opts.logger?.info({ peer: entry.nodeId }, 'remote peer linked');
    this.emit({ kind: 'linked', nodeId: entry.nodeId });
    void link.closed.then(() => {
      if (entry.link !== link) return;
      entry.link = undefined;
      if (entry.stopped) return;
      this.emit({ kind: 'unlinked', nodeId: entry.nodeId, reason: 'dropped' });
      entry.retry = setTimeout(() => void this.dial(entry), entry.backoff.next());
    });
  }

  private drop(entry: Entry, reason: 'disabled' | 'removed' | 'changed' | 'stopped'): void {
    entry.stopped = true;
    this.entries.delete(entry.nodeId);
    if (entry.retry) clearTimeout(entry.retry);
    const link = entry.link;
    entry.link = undefined;
    if (link) {
      link.close();
      this.opts.logger?.info({ peer: entry.nodeId, reason }, 'remote peer unlinked');
      this.emit({ kind: 'unlinked', nodeId: entry.nodeId, reason });
    }
  }

  private emit(e: RemoteLinkEvent): void {
    for (const l of this.listeners) l(e);
  }
}
