// A loopback HTTP server whose upgrades become AgentWebSockets (the gateway's server end), for
// tests that talk to it with the ws client or with raw bytes.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENT_SUBPROTOCOL } from '../../src/shared/wire/agent';
import { AgentWebSocket, acceptHandshake } from '../../src/main/gateway/agent-websocket';

export interface ServerEnd {
  ws: AgentWebSocket;
  texts: string[];
  binaries: number;
  pongs: number;
  protocolErrors: { code: number; reason: string }[];
  /** Resolves with the close code the server end saw (1006: none). */
  closed: Promise<number>;
}

export interface AgentWebSocketServer {
  port: number;
  url: string;
  /** The server end of the next connection. */
  next(): Promise<ServerEnd>;
  close(): Promise<void>;
}

export async function listenAgentWebSocket(maxPayload = 64 * 1024): Promise<AgentWebSocketServer> {
  const waiting: ((end: ServerEnd) => void)[] = [];
  const ready: ServerEnd[] = [];
  const server: Server = createServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', (req, socket, head) => {
    if (!acceptHandshake(req, socket, AGENT_SUBPROTOCOL)) return;
    let closed!: (code: number) => void;
    const end: ServerEnd = { ws: null as unknown as AgentWebSocket, texts: [], binaries: 0, pongs: 0, protocolErrors: [], closed: new Promise((r) => (closed = r)) };
    end.ws = new AgentWebSocket(socket, maxPayload, {
      message: (text) => end.texts.push(text),
      binary: () => end.binaries++,
      pong: () => end.pongs++,
      protocolError: (code, reason) => end.protocolErrors.push({ code, reason }),
      close: (code) => closed(code),
    });
    end.ws.start(head);
    const w = waiting.shift();
    if (w) w(end);
    else ready.push(end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `ws://127.0.0.1:${port}/agent/v1`,
    next: () => new Promise((r) => {
      const end = ready.shift();
      if (end) r(end);
      else waiting.push(r);
    }),
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
