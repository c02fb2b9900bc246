// Both ends of the remote-link mode of the peer link. The leader dials the remote peer's peer port
// (WSS, its node certificate) with `Authorization: Bearer <JWT>`; the remote node verifies the
// token before it reads or sends a single replication message, welcomes the leader, and only then
// do both sides start the sync session. The remote's certificate fingerprint is pinned in the
// remote-peer record on the first link and compared on every later one.

import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { NgError, isNgError, type ErrorCode } from '../../shared/errors';
import { MAX_PEER_FRAME_BYTES, PEER_WIRE_VERSION } from '../../shared/wire/peer';
import { MAX_BEARER_TOKEN_CHARS, REMOTE_SUBPROTOCOL, remoteOpeningMessage } from '../../shared/wire/remote-link';
import type { Store } from '../db/store';
import type { Logger } from '../log';
import { normalizeFingerprint, type NodeCertificate } from '../cluster/node-certificate';
import { CLOSE } from '../net/peer-link';
import { RemoteSyncLink } from '../net/remote-link';
import type { RemoteLink, RemoteTransport } from './link-manager';
import type { TokenVerifier } from './token-verifier';

/** How long the leader waits for the remote's welcome (the token check included). */
const OPENING_TIMEOUT_MS = 10_000;

export interface RemoteLinkEnds {
  store: Store;
  log: Logger;
}

const snapshotIds = (store: Store) => {
  let n = 0;
  return () => `${store.nodeId.slice(0, 20)}-r${++n}`;
};

/** The peer link's address for a remote peer: https:// is accepted as another spelling of wss://. */
const wsUrl = (address: string): string => address.replace(/^https:/, 'wss:').replace(/^http:/, 'ws:');

/** The leader's transport for RemoteLinkManager: dial, present the token, pin or check the certificate, replicate. */
export function peerLinkTransport(opts: RemoteLinkEnds & { certificate: NodeCertificate }): RemoteTransport {
  const { store, log, certificate } = opts;
  const newSnapshotId = snapshotIds(store);
  return async (target) => {
    const token = await target.token();
    const ws = new WebSocket(wsUrl(target.address), REMOTE_SUBPROTOCOL, {
      headers: { authorization: `Bearer ${token}` },
      key: certificate.keyPem, cert: certificate.certPem,
      // The remote's certificate is self-signed like every node's: trust is the pinned fingerprint.
      rejectUnauthorized: false, maxPayload: MAX_PEER_FRAME_BYTES, handshakeTimeout: OPENING_TIMEOUT_MS,
    });
    let fingerprint = '';
    ws.once('upgrade', (res) => {
      fingerprint = normalizeFingerprint((res.socket as TLSSocket).getPeerCertificate?.()?.fingerprint256 ?? '');
    });
    const welcome = await new Promise<{ tokenExpiresAt: number }>((resolve, reject) => {
      const refuse = (e: NgError) => {
        clearTimeout(timer);
        ws.removeAllListeners('message');
        // A refused socket may still report an error while it dies; it is no longer anyone's concern.
        ws.on('error', () => undefined);
        if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.terminate();
        reject(e);
      };
      const timer = setTimeout(() => refuse(new NgError('NG_UNAVAILABLE', `${target.address} did not answer within ${OPENING_TIMEOUT_MS / 1000} s`)), OPENING_TIMEOUT_MS);
      ws.once('error', (e) => refuse(new NgError('NG_UNAVAILABLE', `cannot reach ${target.address}: ${e.message}`)));
      ws.once('close', (code, reason) => refuse(new NgError('NG_UNAVAILABLE', `${target.address} closed the link before welcoming it (${code} ${reason.toString()})`)));
      ws.once('open', () => {
        const stored = store.get('_system_remote_peers', target.nodeId)?.certFingerprint;
        if (stored && stored !== fingerprint) {
          refuse(new NgError('NG_BAD_SIGNATURE', `${target.address} presents certificate ${fingerprint.slice(0, 16)}…, not the pinned ${stored.slice(0, 16)}…; if the remote node was rebuilt, remove and add the peer again`));
        }
      });
      ws.once('message', (data) => {
        let msg;
        try {
          msg = remoteOpeningMessage.parse(JSON.parse(String(data)));
        } catch {
          return refuse(new NgError('NG_BAD_MESSAGE', `${target.address} answered with something other than a welcome or an error`));
        }
        if (msg.type === 'error') {
          // A refused token is not used again: the next dial fetches a fresh one.
          if (msg.code === 'NG_UNAUTHENTICATED' || msg.code === 'NG_REVOKED' || msg.code === 'NG_BAD_SIGNATURE' || msg.code === 'NG_FORBIDDEN') target.invalidateToken();
          return refuse(new NgError(msg.code as ErrorCode, `${target.address} refused the link: ${msg.message}`));
        }
        if (msg.nodeId !== target.nodeId) return refuse(new NgError('NG_CONFLICT', `${target.address} answers as node ${msg.nodeId}, not ${target.nodeId}`));
        clearTimeout(timer);
        ws.removeAllListeners('error').removeAllListeners('close');
        resolve(msg);
      });
    });
    pinFingerprint(store, target.nodeId, fingerprint, log);
    const link = new RemoteSyncLink({
      ws, role: 'leader', peer: target.nodeId, replica: store, onLocalChange: (l) => store.onChange(l), log, newSnapshotId,
      tokenExpiresAt: welcome.tokenExpiresAt,
      freshToken: async () => {
        target.invalidateToken();
        return target.token();
      },
    });
    return { close: () => link.close(CLOSE.normal, 'remote peer unlinked'), closed: link.closed } satisfies RemoteLink;
  };
}

/** Trust on first use: the first certificate that completed a verified link is the one expected from then on. */
function pinFingerprint(store: Store, nodeId: string, fingerprint: string, log: Logger): void {
  const doc = store.get('_system_remote_peers', nodeId);
  if (!doc || doc.certFingerprint || !/^[0-9a-f]{64}$/.test(fingerprint)) return;
  store.write('_system_remote_peers', nodeId, { certFingerprint: fingerprint }, { actor: 'system:remote-link' });
  log.info({ peer: nodeId, fingerprint }, 'remote peer certificate pinned');
}

/** The remote node's side: verify the bearer token from the upgrade, then welcome and replicate. */
export function remoteLinkAcceptor(opts: RemoteLinkEnds & { verify: TokenVerifier }): (ws: WebSocket, req: IncomingMessage) => void {
  const { store, log, verify } = opts;
  const newSnapshotId = snapshotIds(store);
  const verifyExpiry = async (token: string) => (await verify(token)).expiresAt;
  return (ws, req) => {
    // Nothing the leader sends before the welcome is read: replication starts only after the check.
    const early = () => log.warn({ code: 'NG_BAD_MESSAGE' }, 'remote link message before the token was verified: ignored');
    ws.on('message', early);
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    const refuse = (code: ErrorCode, reason: string, message: string) => {
      // The token itself is never logged: only the coded reason.
      log.warn({ code, reason, from: req.socket.remoteAddress }, `remote link refused: ${message}`);
      if (ws.readyState !== ws.OPEN) return;
      ws.send(JSON.stringify({ type: 'error', v: PEER_WIRE_VERSION, code, message: message.slice(0, 500) }));
      ws.close(code === 'NG_REVOKED' ? CLOSE.revoked : CLOSE.unauthenticated, code);
    };
    if (!token) return refuse('NG_UNAUTHENTICATED', 'missing', 'a remote link needs an Authorization: Bearer token');
    if (token.length > MAX_BEARER_TOKEN_CHARS) return refuse('NG_UNAUTHENTICATED', 'malformed', 'the bearer token is too long');
    verify(token).then(
      (verified) => {
        ws.off('message', early);
        if (ws.readyState !== ws.OPEN) return;
        const peer = verified.clientId ?? verified.subject ?? 'remote-leader';
        ws.send(JSON.stringify({ type: 'remote-welcome', v: PEER_WIRE_VERSION, nodeId: store.nodeId, tokenExpiresAt: verified.expiresAt }));
        log.info({ peer, from: req.socket.remoteAddress }, 'remote link accepted');
        const link = new RemoteSyncLink({
          ws, role: 'remote', peer, replica: store, onLocalChange: (l) => store.onChange(l), log, newSnapshotId,
          tokenExpiresAt: verified.expiresAt, reverify: verifyExpiry,
        });
        void link.closed.then(() => log.info({ peer, code: link.lastError?.code ?? 'NG_CLOSED' }, 'remote link ended'));
      },
      (e: unknown) => {
        const code = (isNgError(e) ? e.code : 'NG_UNAUTHENTICATED') as ErrorCode;
        const reason = isNgError(e) && typeof e.details?.reason === 'string' ? e.details.reason : 'unverified';
        refuse(code, reason, (e as Error).message);
      },
    );
  };
}
