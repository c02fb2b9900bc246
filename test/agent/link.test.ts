// The agent's link client against a real WebSocket server playing a node: it checks every frame
// and hands on only signed, fresh, well-formed messages; it reconnects across its node list.

import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { AgentLink } from '../../src/agent/link';
import { AGENT_SUBPROTOCOL, bodyText, type NodeBody } from '../../src/shared/wire/agent';
import { sealEnvelope } from '../../src/shared/wire/agent-envelope';
import { newSessionSecret, nodeEnvelopeCrypto } from '../../src/main/gateway/crypto';
import type { NgError } from '../../src/shared/errors';

const key = { kid: 'kabc', secret: newSessionSecret() };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fake node: a real ws server on loopback that runs `onHello` for each session. */
async function fakeNode(onHello: (ws: WebSocket) => void): Promise<{ url: string; sessions: () => number }> {
  const server: Server = createServer();
  const wss = new WebSocketServer({ server, handleProtocols: () => AGENT_SUBPROTOCOL });
  let sessions = 0;
  wss.on('connection', (ws) => {
    sessions++;
    ws.once('message', () => onHello(ws));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.close(() => r());
  }));
  return { url: `ws://127.0.0.1:${(server.address() as { port: number }).port}/agent/v1`, sessions: () => sessions };
}

function link(urls: string[], got: NodeBody[], refused: NgError[]): AgentLink {
  const l = new AgentLink({
    urls, keys: () => [key], minBackoffMs: 20, maxBackoffMs: 100,
    hello: () => ({ type: 'hello', agentId: 'agt_1', appliedVersion: 0, appliedChecksum: '', agentVersion: 'test' }),
    onMessage: (b) => got.push(b), onRefused: (e) => refused.push(e),
  });
  cleanups.push(() => l.stop());
  return l;
}

describe('agent link', () => {
  it('refuses malformed, unsigned, forged, stale, replayed and invalid node messages and keeps the session', async () => {
    const good = (version: number) => sealEnvelope(nodeEnvelopeCrypto, key, bodyText({ type: 'in_sync', version, checksum: '' }), Date.now());
    const node = await fakeNode((ws) => {
      const first = good(1);
      ws.send('{broken');
      ws.send(JSON.stringify({ type: 'in_sync', version: 1, checksum: '' }));
      ws.send(sealEnvelope(nodeEnvelopeCrypto, { kid: key.kid, secret: newSessionSecret() }, bodyText({ type: 'in_sync', version: 1, checksum: '' }), Date.now()));
      ws.send(sealEnvelope(nodeEnvelopeCrypto, key, bodyText({ type: 'in_sync', version: 1, checksum: '' }), Date.now() - 120_000));
      ws.send(sealEnvelope(nodeEnvelopeCrypto, key, bodyText({ type: 'full', version: 'x' }), Date.now()));
      ws.send(first);
      ws.send(first);
      ws.send(good(2));
    });
    const got: NodeBody[] = [];
    const refused: NgError[] = [];
    link([node.url], got, refused).start();
    await expect.poll(() => got.length + refused.length).toBe(8);
    expect(got).toEqual([{ type: 'in_sync', version: 1, checksum: '' }, { type: 'in_sync', version: 2, checksum: '' }]);
    expect(refused.map((e) => e.code)).toEqual(['NG_BAD_MESSAGE', 'NG_BAD_SIGNATURE', 'NG_BAD_SIGNATURE', 'NG_REPLAY', 'NG_BAD_MESSAGE', 'NG_REPLAY']);
  });

  it('moves on to the next node of its list when one is unreachable', async () => {
    const node = await fakeNode((ws) => ws.send(sealEnvelope(nodeEnvelopeCrypto, key, bodyText({ type: 'in_sync', version: 7, checksum: '' }), Date.now())));
    const got: NodeBody[] = [];
    link(['ws://127.0.0.1:1/agent/v1', node.url], got, []).start();
    await expect.poll(() => got.length, { timeout: 10_000 }).toBe(1);
    expect(node.sessions()).toBe(1);
  });
});
