// A worker process of the propagate bench: many lightweight link clients, one signed WebSocket
// session each. They check every envelope (MAC, skew, nonce) and acknowledge each push at once,
// without the schema check, the cache or nginx of a real agent: the bench measures the node. They
// share the node's two cores, so they keep per-message work lean: a minimal WebSocket client
// (./raw-websocket.ts), MACs made as the node makes them (pad blocks derived once per key, no HMAC
// context per message), of the verified body only the type, version and checksum read (not the
// whole body parsed), acks written from a template, one masked write per ack.

import { AGENT_SUBPROTOCOL, MAX_NODE_FRAME_BYTES, bodyText } from '../../src/shared/wire/agent';
import { NonceWindow, sealEnvelope, verifyEnvelope, type EnvelopeCrypto } from '../../src/shared/wire/agent-envelope';
import { agentEnvelopeCrypto } from '../../src/agent/envelope-crypto';
import { hmacKey, hmacSha256Hex } from '../../src/main/gateway/hmac';
import { startCpuProfile } from './cpu-profile';
import { openRawWebSocket, type RawWebSocket } from './raw-websocket';

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
const sockets: RawWebSocket[] = [];
let cpuMark = process.cpuUsage();
let stopProfile: (() => Promise<void>) | null = null;


/**
 * What an ack needs of a push: its type, and for the pushes an agent acknowledges, the top-level
 * version and checksum. The node writes `type` first and `version` before any domain, so the first
 * match is the top-level field (the domains hold no "version" key).
 */
const PUSH = /^\{"type":"(full|diff|in_sync)",.*?"version":(\d+),"checksum":"([0-9a-f]{64}|)"/s;

/** The body text bodyText() makes of a successful ack: the same bytes, without serialising an object each time. */
const ackText = (version: number, checksum: string): string =>
  `{"type":"ack","version":${version},"appliedVersion":${version},"appliedChecksum":"${checksum}","report":{"ok":true,"code":null,"message":null,"domainId":null,"durationMs":0,"rolledBack":false}}`;

/** Opens one agent's session; resolves once it is open (a refused connect is retried). */
async function startAgent(url: string, a: AgentCredentials): Promise<void> {
  const key = { kid: a.kid, secret: a.secret };
  // The agent's envelope crypto with the node's HMAC under this agent's pads, derived once (same
  // MACs, less work per message).
  const pads = hmacKey(a.secret);
  const hmacHex = (text: string) => hmacSha256Hex(pads, text);
  const crypto: EnvelopeCrypto = { ...agentEnvelopeCrypto, hmacHex: (_key, text) => hmacHex(text) };
  const signed = { secret: a.secret, window: new NonceWindow(), hmacHex };
  const keyFor = (kid: string) => (kid === key.kid ? signed : undefined);
  let ws: RawWebSocket | null = null;
  const send = (text: string) => ws!.sendText(sealEnvelope(crypto, key, text, Date.now()));
  const onText = (text: string, bytes: number) => {
    const verified = verifyEnvelope(crypto, text, { maxBytes: MAX_NODE_FRAME_BYTES, now: Date.now(), keyFor });
    if (!verified.ok) {
      refused++;
      return;
    }
    const push = PUSH.exec(verified.bodyText);
    if (!push) return;
    if (push[1] === 'diff') {
      diffBytes += bytes;
      diffs++;
    }
    send(ackText(Number(push[2]), push[3]!));
  };
  for (;;) {
    try {
      ws = await openRawWebSocket(url, AGENT_SUBPROTOCOL, MAX_NODE_FRAME_BYTES, onText);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  sockets.push(ws);
  send(bodyText({ type: 'hello', agentId: a.agentId, appliedVersion: 0, appliedChecksum: '', agentVersion: 'bench' }));
  if (++connected === expected) process.send!({ type: 'connected' });
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
    for (const ws of sockets) ws.destroy();
    process.exit(0);
  }
});
