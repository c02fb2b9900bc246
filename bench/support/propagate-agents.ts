// A worker process of the propagate bench: many lightweight link clients, one signed WebSocket
// session each. They check every envelope (MAC, skew, nonce) and acknowledge each push at once,
// without the schema check, the cache or nginx of a real agent: the bench measures the node. They
// share the node's two cores, so they keep per-message work lean: session keys decoded once, acks
// written from a template, one masked write per ack.

import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { WebSocket } from 'ws';
import { AGENT_SUBPROTOCOL, MAX_NODE_FRAME_BYTES, bodyText } from '../../src/shared/wire/agent';
import { NonceWindow, openEnvelope, sealEnvelope, type EnvelopeCrypto } from '../../src/shared/wire/agent-envelope';
import { agentEnvelopeCrypto } from '../../src/agent/envelope-crypto';
import { startCpuProfile } from './cpu-profile';

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
let cpuMark = process.cpuUsage();
let stopProfile: (() => Promise<void>) | null = null;

/** The agent's envelope crypto with each session key decoded once (same MACs, less work per message). */
const keyObjects = new Map<string, KeyObject>();
const crypto: EnvelopeCrypto = {
  ...agentEnvelopeCrypto,
  hmacHex: (keyB64, text) => {
    let k = keyObjects.get(keyB64);
    if (!k) keyObjects.set(keyB64, (k = createSecretKey(Buffer.from(keyB64, 'base64url'))));
    return createHmac('sha256', k).update(text).digest('hex');
  },
};

/** The body text bodyText() makes of a successful ack: the same bytes, without serialising an object each time. */
const ackText = (version: number, checksum: string): string =>
  `{"type":"ack","version":${version},"appliedVersion":${version},"appliedChecksum":"${checksum}","report":{"ok":true,"code":null,"message":null,"domainId":null,"durationMs":0,"rolledBack":false}}`;

/** Opens one agent's session; resolves once it is open (a refused connect is retried). */
function startAgent(url: string, a: AgentCredentials): Promise<void> {
  const key = { kid: a.kid, secret: a.secret };
  const window = new NonceWindow();
  const ws = new WebSocket(url, AGENT_SUBPROTOCOL, { perMessageDeflate: false, maxPayload: MAX_NODE_FRAME_BYTES });
  const signed = { secret: a.secret, window };
  const keyFor = (kid: string) => (kid === key.kid ? signed : undefined);
  // A buffer is masked into one frame and written at once (a string would go out as header + payload).
  const send = (text: string) => ws.send(Buffer.from(sealEnvelope(crypto, key, text, Date.now())), { binary: false });
  const opened = new Promise<void>((resolve) => {
    ws.once('open', () => {
      sockets.push(ws);
      send(bodyText({ type: 'hello', agentId: a.agentId, appliedVersion: 0, appliedChecksum: '', agentVersion: 'bench' }));
      if (++connected === expected) process.send!({ type: 'connected' });
      resolve();
    });
    ws.once('error', () => {
      if (ws.readyState !== WebSocket.OPEN) setTimeout(() => void startAgent(url, a).then(resolve), 100);
    });
  });
  ws.on('message', (data: Buffer) => {
    const opened = openEnvelope(crypto, data.toString(), { maxBytes: MAX_NODE_FRAME_BYTES, now: Date.now(), keyFor });
    if (!opened.ok) {
      refused++;
      return;
    }
    const body = opened.body as { type: string; version: number; checksum: string };
    if (body.type === 'diff') {
      diffBytes += data.length;
      diffs++;
    }
    if (body.type !== 'full' && body.type !== 'diff' && body.type !== 'in_sync') return;
    send(ackText(body.version, body.checksum));
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

process.on('message', (msg: { type: string; url?: string; agents?: AgentCredentials[]; profile?: { dir: string; name: string } | null }) => {
  if (msg.type === 'start') {
    expected = msg.agents!.length;
    void startAll(msg.url!, msg.agents!);
  } else if (msg.type === 'mark') {
    void (msg.profile ? startCpuProfile(msg.profile.dir, msg.profile.name) : Promise.resolve(null)).then((stop) => {
      stopProfile = stop;
      cpuMark = process.cpuUsage();
      process.send!({ type: 'marked' });
    });
  } else if (msg.type === 'stats') {
    const cpu = process.cpuUsage(cpuMark);
    void (stopProfile ?? (() => Promise.resolve()))().then(() => process.send!({ type: 'stats', diffBytes, diffs, refused, cpuMs: (cpu.user + cpu.system) / 1000 }));
  } else if (msg.type === 'stop') {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
