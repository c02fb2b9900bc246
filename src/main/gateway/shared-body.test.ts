import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { AGENT_SUBPROTOCOL } from '../../shared/wire/agent';
import { NonceWindow, openEnvelope, sealEnvelope } from '../../shared/wire/agent-envelope';
import { agentEnvelopeCrypto } from '../../agent/envelope-crypto';
import { SharedBody, sealShared, sendSealed } from './shared-body';
import { listenAgentWebSocket } from '../../../test/support/agent-websocket-server';

const key = { kid: 'k0123456789abcdef', secret: randomBytes(32).toString('base64url') };
const body = JSON.stringify({ type: 'diff', note: 'quotes " and \\ backslashes, ünïcödé, a newline\n and </script>', version: 7 });

describe('a body shared by many agents', () => {
  it('makes byte for byte the frame sealEnvelope makes with the same nonce and time', () => {
    const nonce = agentEnvelopeCrypto.nonce();
    const fixed = { ...agentEnvelopeCrypto, nonce: () => nonce };
    expect(sealShared(key, new SharedBody(body), 1_763_940_000_000, nonce).toString()).toBe(sealEnvelope(fixed, key, body, 1_763_940_000_000));
  });

  it('opens at the agent under its key, and under no other key', () => {
    const shared = new SharedBody(body);
    const now = Date.now();
    const frame = sealShared(key, shared, now, agentEnvelopeCrypto.nonce()).toString();
    const window = new NonceWindow();
    const opened = openEnvelope(agentEnvelopeCrypto, frame, { maxBytes: 1 << 20, now, keyFor: (kid) => (kid === key.kid ? { secret: key.secret, window } : undefined) });
    expect(opened).toEqual({ ok: true, kid: key.kid, body: JSON.parse(body) });
    const other = randomBytes(32).toString('base64url');
    const forged = openEnvelope(agentEnvelopeCrypto, frame, { maxBytes: 1 << 20, now, keyFor: () => ({ secret: other, window: new NonceWindow() }) });
    expect(forged.ok ? null : forged.error.code).toBe('NG_BAD_SIGNATURE');
  });

  it('gives each agent its own nonce and MAC over the same body', () => {
    const shared = new SharedBody(body);
    const a = JSON.parse(sealShared(key, shared, 1, agentEnvelopeCrypto.nonce()).toString()) as { nonce: string; mac: string; body: string };
    const b = JSON.parse(sealShared(key, shared, 1, agentEnvelopeCrypto.nonce()).toString()) as { nonce: string; mac: string; body: string };
    expect(a.body).toBe(b.body);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.mac).not.toBe(b.mac);
  });
});

describe('sending a sealed body', () => {
  it('delivers small and large bodies as one text message each, byte for byte the sealed frame', async () => {
    const wss = await listenAgentWebSocket();
    const server = wss.next();
    const client = new WebSocket(wss.url, AGENT_SUBPROTOCOL, { perMessageDeflate: false });
    const received: { text: string; binary: boolean }[] = [];
    const allReceived = new Promise<void>((r) => client.on('message', (data: Buffer, binary) => {
      received.push({ text: data.toString(), binary });
      if (received.length === 3) r();
    }));
    await new Promise<void>((r) => client.once('open', () => r()));
    const small = new SharedBody(body);
    const large = new SharedBody(JSON.stringify({ type: 'full', domains: 'x"y\\'.repeat(20_000) }));
    const to = (await server).ws;
    const sent = [small, large, small].map((shared) => {
      const nonce = agentEnvelopeCrypto.nonce();
      sendSealed(to, key, shared, 1_763_940_000_000, nonce);
      return sealShared(key, shared, 1_763_940_000_000, nonce).toString();
    });
    await allReceived;
    expect(received).toEqual(sent.map((text) => ({ text, binary: false })));
    client.terminate();
    await wss.close();
  });
});
