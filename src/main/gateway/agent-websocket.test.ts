// The gateway's WebSocket server end against the ws client (an independent implementation of RFC
// 6455) and against raw bytes on a TCP socket for what no well-behaved client sends.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { AGENT_SUBPROTOCOL } from '../../shared/wire/agent';
import { listenAgentWebSocket, type AgentWebSocketServer } from '../../../test/support/agent-websocket-server';

let server: AgentWebSocketServer;
beforeEach(async () => {
  server = await listenAgentWebSocket(64 * 1024);
});
afterEach(async () => {
  await server.close();
});

async function client(): Promise<WebSocket> {
  const ws = new WebSocket(server.url, AGENT_SUBPROTOCOL, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

/** A client frame as raw bytes: masked unless told otherwise. */
function frame(opcode: number, payload: Buffer, o: { fin?: boolean; masked?: boolean; rsv?: number; length?: number } = {}): Buffer {
  const length = o.length ?? payload.length;
  const masked = o.masked ?? true;
  const ext = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + (masked ? 4 : 0));
  head[0] = ((o.fin ?? true) ? 0x80 : 0) | (o.rsv ?? 0) | opcode;
  head[1] = (masked ? 0x80 : 0) | (ext === 0 ? length : ext === 2 ? 126 : 127);
  if (ext === 2) head.writeUInt16BE(length, 2);
  if (ext === 8) head.writeBigUInt64BE(BigInt(length), 2);
  if (!masked) return Buffer.concat([head, payload]);
  const mask = randomBytes(4);
  mask.copy(head, 2 + ext);
  return Buffer.concat([head, Buffer.from(payload.map((b, i) => b ^ mask[i & 3]!))]);
}

/** A TCP client that did the opening handshake by hand; collects what the server sends after it. */
async function rawClient(headers: Record<string, string> = {}): Promise<{ socket: Socket; status: number; received: () => Buffer; ended: Promise<void> }> {
  const socket = connect(server.port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const all = { 'sec-websocket-key': randomBytes(16).toString('base64'), 'sec-websocket-version': '13', 'sec-websocket-protocol': AGENT_SUBPROTOCOL, ...headers };
  socket.write(`GET /agent/v1 HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: websocket\r\nconnection: Upgrade\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
  let data = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => (data = Buffer.concat([data, d])));
  const ended = new Promise<void>((r) => socket.once('close', () => r()));
  socket.on('error', () => undefined);
  await until(() => data.includes('\r\n\r\n'));
  const at = data.indexOf('\r\n\r\n') + 4;
  const status = Number(data.subarray(9, 12).toString());
  return { socket, status, received: () => data.subarray(at), ended };
}

/** The close code in the first close frame the server sent (unmasked, as from a server). */
function closeCodeIn(bytes: Buffer): number | null {
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at]! & 0x0f;
    const length = bytes[at + 1]! & 0x7f;
    if (opcode === 0x8) return bytes.readUInt16BE(at + 2);
    at += 2 + length;
  }
  return null;
}

describe('the server end of an agent WebSocket, with the ws client', () => {
  it('carries text both ways, whole and in fragments, in order', async () => {
    const c = await client();
    const end = await server.next();
    const got: string[] = [];
    c.on('message', (data: Buffer, binary) => got.push(`${binary}:${data.toString()}`));
    c.send('{"type":"hello"}');
    c.send('ünï', { fin: false });
    c.send('cödé', { fin: true });
    c.send('x'.repeat(70_000 / 2));
    await until(() => end.texts.length === 3);
    expect(end.texts).toEqual(['{"type":"hello"}', 'ünïcödé', 'x'.repeat(35_000)]);
    end.ws.sendText('small');
    end.ws.sendText('é'.repeat(40_000));
    end.ws.sendTextParts(Buffer.from('{"a":'), Buffer.from('1}'));
    await until(() => got.length === 3);
    expect(got).toEqual(['false:small', `false:${'é'.repeat(40_000)}`, 'false:{"a":1}']);
    c.terminate();
    expect(await end.closed).toBe(1006);
  });

  it('answers pings, hears pongs, and counts a binary message without delivering it as text', async () => {
    const c = await client();
    const end = await server.next();
    end.ws.ping();
    await until(() => end.pongs === 1);
    const pong = new Promise<string>((r) => c.once('pong', (data: Buffer) => r(data.toString())));
    c.ping('are you there');
    expect(await pong).toBe('are you there');
    c.send(Buffer.from([1, 2, 3]));
    await until(() => end.binaries === 1);
    expect(end.texts).toEqual([]);
    c.terminate();
  });

  it('closes with the code and reason the node gives, and hears the code an agent closes with', async () => {
    const c = await client();
    const end = await server.next();
    const seen = new Promise<[number, string]>((r) => c.once('close', (code, reason) => r([code, reason.toString()])));
    end.ws.close(4001, 'NG_REVOKED');
    expect(end.ws.open).toBe(false);
    expect(await seen).toEqual([4001, 'NG_REVOKED']);
    expect(await end.closed).toBe(4001);

    const c2 = await client();
    const end2 = await server.next();
    c2.close(1000, 'bye');
    expect(await end2.closed).toBe(1000);
  });

  it('refuses a handshake without the agent subprotocol, of another version, or not a GET', async () => {
    const other = new WebSocket(server.url, 'something-else');
    const status = await new Promise<number>((r) => other.once('unexpected-response', (_req, res) => r(res.statusCode ?? 0)));
    expect(status).toBe(400);
    expect((await rawClient({ 'sec-websocket-version': '8' })).status).toBe(426);
    expect((await rawClient({ 'sec-websocket-key': 'short' })).status).toBe(400);
  });
});

describe('the server end of an agent WebSocket, with raw bytes', () => {
  it('reads frames split across reads and several frames in one read', async () => {
    const raw = await rawClient();
    expect(raw.status).toBe(101);
    const end = await server.next();
    const bytes = Buffer.concat([frame(0x1, Buffer.from('first')), frame(0x1, Buffer.from('y'.repeat(300))), frame(0x1, Buffer.from('third'))]);
    for (const b of bytes.subarray(0, 20)) {
      raw.socket.write(Buffer.from([b]));
      await new Promise((r) => setTimeout(r, 1));
    }
    raw.socket.write(bytes.subarray(20));
    await until(() => end.texts.length === 3);
    expect(end.texts).toEqual(['first', 'y'.repeat(300), 'third']);
    raw.socket.destroy();
  });

  it('delivers the same messages however the byte stream is cut into reads', async () => {
    // Short text in any script (a fragment or a read may end inside a character), text long enough
    // for a 16-bit length, and arbitrary code units (lone surrogates included).
    const message = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 120 }), fc.string({ unit: 'grapheme-ascii', minLength: 126, maxLength: 40_000 }), fc.string({ unit: 'binary', minLength: 200, maxLength: 3000 }));
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(message, fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 4000 }), { minLength: 1, maxLength: 40 }),
      async (messages, cuts) => {
        const raw = await rawClient();
        const end = await server.next();
        // Each message whole or in up to three fragments, with a ping between some of them.
        const frames = messages.flatMap(([text, parts], m) => {
          const bytes = Buffer.from(text);
          const size = Math.ceil(bytes.length / parts) || 1;
          const pieces = Array.from({ length: parts }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
          const out = pieces.map((p, i) => frame(i === 0 ? 0x1 : 0x0, p, { fin: i === parts - 1 }));
          if (m % 2 === 1) out.splice(1, 0, frame(0x9, Buffer.from('p')));
          return out;
        });
        const stream = Buffer.concat(frames);
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const n = cuts[i % cuts.length]!;
          raw.socket.write(stream.subarray(at, at + n));
          at += n;
        }
        await until(() => end.texts.length === messages.length || end.protocolErrors.length > 0);
        expect(end.protocolErrors).toEqual([]);
        // What a sender puts on the wire for a string (lone surrogates become U+FFFD) is what arrives.
        expect(end.texts).toEqual(messages.map(([text]) => Buffer.from(text).toString()));
        raw.socket.destroy();
      },
    ), { numRuns: 25 });
  });

  const broken: [string, () => Buffer, number][] = [
    ['an unmasked frame', () => frame(0x1, Buffer.from('hi'), { masked: false }), 1002],
    ['reserved bits (an extension nobody agreed)', () => frame(0x1, Buffer.from('hi'), { rsv: 0x40 }), 1002],
    ['an unknown opcode', () => frame(0x3, Buffer.from('hi')), 1002],
    ['a continuation with nothing to continue', () => frame(0x0, Buffer.from('hi')), 1002],
    ['a fragmented ping', () => frame(0x9, Buffer.from('hi'), { fin: false }), 1002],
    ['a text message that is not UTF-8', () => frame(0x1, Buffer.from([0xc3, 0x28])), 1007],
    ['a frame over the size limit, refused from its header', () => frame(0x1, Buffer.alloc(0), { length: 2 ** 40 }), 1009],
    ['a fragmented message growing over the limit', () => Buffer.concat([frame(0x1, Buffer.alloc(40_000), { fin: false }), frame(0x0, Buffer.alloc(40_000), { fin: false })]), 1009],
  ];
  for (const [what, bytes, code] of broken) {
    it(`closes with ${code} on ${what}, delivering nothing`, async () => {
      const raw = await rawClient();
      const end = await server.next();
      raw.socket.write(bytes());
      // The server ends the socket itself; a server that reads on fails here, not at the suite's timeout.
      await Promise.race([raw.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('the server did not end the socket')), 5000))]);
      expect(closeCodeIn(raw.received())).toBe(code);
      expect(end.protocolErrors.map((e) => e.code)).toEqual([code]);
      expect(end.texts).toEqual([]);
    });
  }
});
