// A listener of its own for the agent gateway, for nodes that give agents a separate port: wss://
// when a certificate is given, ws:// otherwise (meant for loopback and tests). Nodes that serve the
// gateway on their main HTTP server pass `handleUpgrade` to its upgrade registry instead.
// `netgoat serve --agent-port` serves it with the node's own certificate, which agents pin.

import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { NgError } from '../../shared/errors';
import type { AgentGateway } from './gateway';

export interface AgentGatewayListener {
  /** ws://host:port or wss://host:port, with the gateway path. */
  url: string;
  close(): Promise<void>;
}

export function listenAgentGateway(gateway: AgentGateway, opts: { host: string; port: number; tls?: { cert: string; key: string } }): Promise<AgentGatewayListener> {
  const server: Server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }) : createHttpServer();
  server.on('request', (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('the agent gateway speaks WebSocket only\n');
  });
  server.on('upgrade', (req, socket, head) => {
    if (!gateway.handleUpgrade(req, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
  });
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      reject(new NgError('NG_UNAVAILABLE', `cannot listen for agents on ${opts.host}:${opts.port}: ${e.code === 'EADDRINUSE' ? 'the port is already in use' : e.message}`));
    };
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port;
      const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
      resolve({
        url: `${opts.tls ? 'wss' : 'ws'}://${host}:${port}/agent/v1`,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

/** The URL operators hand to `netgoat-agent enroll`: the gateway URL with the certificate pin the agent checks. */
export const pinnedAgentUrl = (url: string, fingerprint: string): string => `${url}#sha256=${fingerprint}`;
