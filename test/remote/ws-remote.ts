// The test stand-in for a remote node's peer endpoint and for the leader's dialler: a WebSocket
// server on 127.0.0.1 that admits a connection only with a bearer JWT its verifier accepts.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { isNgError } from '../../src/shared/errors';
import type { RemoteLink, RemoteTransport } from '../../src/main/remote/link-manager';
import type { TokenVerifier } from '../../src/main/remote/token-verifier';

export interface RemoteEndpoint {
  url: string;
  /** Connections open now, by the verified client id. */
  open(): number;
  /** Every refusal so far, as "CODE reason". */
  refusals(): string[];
  accepted(): number;
  /** Installs the verifier (the endpoint's URL, its audience, is known only after listening). */
  setVerifier(verify: TokenVerifier): void;
  close(): Promise<void>;
}

export async function startRemoteEndpoint(): Promise<RemoteEndpoint> {
  let verify: TokenVerifier | undefined;
  const refusals: string[] = [];
  let accepted = 0;
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({
    server: http,
    verifyClient: (info, done) => {
      const header = info.req.headers.authorization ?? '';
      const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
      verify!(token).then(
        () => done(true),
        (e: unknown) => {
          refusals.push(isNgError(e) ? `${e.code} ${String(e.details?.reason)}` : String(e));
          done(false, 401, 'Unauthorized');
        },
      );
    },
  });
  wss.on('connection', () => accepted++);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/peer`,
    open: () => [...wss.clients].filter((c) => c.readyState === WebSocket.OPEN).length,
    refusals: () => [...refusals],
    accepted: () => accepted,
    setVerifier: (v) => void (verify = v),
    close: () =>
      new Promise<void>((resolve) => {
        wss.clients.forEach((c) => c.terminate());
        wss.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/** Dials with the target's bearer token; a 401 drops the cached token before the next try. */
export const wsTransport: RemoteTransport = async (target) => {
  const token = await target.token();
  const ws = new WebSocket(target.address, { headers: { authorization: `Bearer ${token}` } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      if (res.statusCode === 401) target.invalidateToken();
      ws.terminate();
      reject(new Error(`remote refused the link: HTTP ${res.statusCode}`));
    });
    ws.once('error', reject);
  });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  // A peer that does not answer the close handshake is cut off, so a disabled peer is gone within 2 s.
  const link: RemoteLink = {
    close: () => {
      ws.close();
      setTimeout(() => ws.terminate(), 1000).unref();
    },
    closed,
  };
  return link;
};
