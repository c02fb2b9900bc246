// Shutting a node down while it is still dialing a peer: the attempt in flight is aborted, so it can
// never complete afterwards and greet the peer from a store that is already closed.

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../src/main/cluster/node-certificate';
import { eventually, startNode, tempDir } from './support';

const dir = tempDir();
let server: Server | null = null;

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  dir.remove();
});

describe('peer mesh shutdown', () => {
  it('aborts a dial that is still waiting for its upgrade', async () => {
    // A TLS server that takes the WebSocket upgrade request and answers it only when the test says.
    const cert = createSelfSignedCertificate('slow-peer');
    const held: { req: IncomingMessage; socket: Socket }[] = [];
    server = createServer({ key: cert.keyPem, cert: cert.certPem });
    server.on('upgrade', (req: IncomingMessage, socket: Socket) => held.push({ req, socket }));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;

    const node = await startNode(dir.path, 'node-dialing');
    node.mesh.createCluster();
    node.mesh.connect(`wss://127.0.0.1:${port}`);
    await eventually('the upgrade request to arrive', () => held.length === 1);
    const { req, socket } = held[0]!;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));

    await node.stop();
    node.store.close();
    // Now the peer completes the upgrade. Had the dial not been aborted, the node would take it up
    // and write its hello from the closed store: an uncaught error that fails this run.
    const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    if (!socket.destroyed) {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${String(req.headers['sec-websocket-protocol'])}\r\n\r\n`);
    }
    await closed;
    expect(socket.destroyed).toBe(true);
  });
});
