// A worker process of the propagate bench: many lightweight link clients, one signed WebSocket
// session each. They check every envelope (MAC, skew, nonce) and acknowledge each push at once,
// without the schema check, the cache or nginx of a real agent: the bench measures the node.

import { WebSocket } from 'ws';
import { AGENT_SUBPROTOCOL, MAX_NODE_FRAME_BYTES, bodyText } from '../../src/shared/wire/agent';
import { NonceWindow, openEnvelope, sealEnvelope } from '../../src/shared/wire/agent-envelope';
import { agentEnvelopeCrypto as crypto } from '../../src/agent/envelope-crypto';

interface AgentCredentials {
  agentId: string;
  kid: string;
  secret: string;
}

let diffBytes = 0;
let diffs = 0;
let refused = 0;
let connected = 0;
let expected = 0;
const sockets: WebSocket[] = [];

/** Opens one agent's session; resolves once it is open (a refused connect is retried). */
function startAgent(url: string, a: AgentCredentials): Promise<void> {
  const key = { kid: a.kid, secret: a.secret };
  const window = new NonceWindow();
  const ws = new WebSocket(url, AGENT_SUBPROTOCOL, { perMessageDeflate: false, maxPayload: MAX_NODE_FRAME_BYTES });
  const send = (body: object) => ws.send(sealEnvelope(crypto, key, bodyText(body), Date.now()));
  const opened = new Promise<void>((resolve) => {
    ws.once('open', () => {
      sockets.push(ws);
      send({ type: 'hello', agentId: a.agentId, appliedVersion: 0, appliedChecksum: '', agentVersion: 'bench' });
      if (++connected === expected) process.send!({ type: 'connected' });
      resolve();
    });
    ws.once('error', () => {
      if (ws.readyState !== WebSocket.OPEN) setTimeout(() => void startAgent(url, a).then(resolve), 100);
    });
  });
  ws.on('message', (data) => {
    const frame = data.toString();
    const opened = openEnvelope(crypto, frame, { maxBytes: MAX_NODE_FRAME_BYTES, now: Date.now(), keyFor: (kid) => (kid === key.kid ? { secret: key.secret, window } : undefined) });
    if (!opened.ok) {
      refused++;
      return;
    }
    const body = opened.body as { type: string; version: number; checksum: string };
    if (body.type === 'diff') {
      diffBytes += Buffer.byteLength(frame);
      diffs++;
    }
    if (body.type !== 'full' && body.type !== 'diff' && body.type !== 'in_sync') return;
    send({ type: 'ack', version: body.version, appliedVersion: body.version, appliedChecksum: body.checksum, report: { ok: true, code: null, message: null, domainId: null, durationMs: 0, rolledBack: false } });
  });
  ws.on('error', () => undefined);
  return opened;
}

/** Connects in waves, so thousands of agents do not overflow the node's accept backlog at once. */
async function startAll(url: string, agents: readonly AgentCredentials[]): Promise<void> {
  for (let i = 0; i < agents.length; i += 250) await Promise.all(agents.slice(i, i + 250).map((a) => startAgent(url, a)));
}

// The bench process went away: so do its agents.
process.on('disconnect', () => process.exit(0));

process.on('message', (msg: { type: string; url?: string; agents?: AgentCredentials[] }) => {
  if (msg.type === 'start') {
    expected = msg.agents!.length;
    void startAll(msg.url!, msg.agents!);
  } else if (msg.type === 'stats') {
    process.send!({ type: 'stats', diffBytes, diffs, refused });
  } else if (msg.type === 'stop') {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
