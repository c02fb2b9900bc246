// A minimal WebSocket client (RFC 6455) for the propagate bench's simulated agents: the opening
// handshake, masked text frames out, text messages in (whole or in fragments), pings answered. The
// node sees the same bytes as from the ws client; the load generator skips ws's per-message stream
// and event plumbing, which thousands of simulated agents pay on the two cores they share with the
// node they measure.

import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface RawWebSocket {
  sendText(text: string): void;
  destroy(): void;
}

/** Masking keys come from a pooled random buffer (RFC 6455 §5.3 asks for unpredictable keys). */
let maskPool = Buffer.alloc(0);
let maskAt = 0;

function frameOf(opcode: number, payload: Buffer): Buffer {
  if (maskAt + 4 > maskPool.length) {
    maskPool = randomBytes(4096);
    maskAt = 0;
  }
  const n = payload.length;
  const lengthBytes = n < 126 ? 0 : n < 65_536 ? 2 : 8;
  const head = 2 + lengthBytes + 4;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x80 | opcode;
  if (lengthBytes === 0) frame[1] = 0x80 | n;
  else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  maskPool.copy(frame, head - 4, maskAt, maskAt + 4);
  maskAt += 4;
  for (let i = 0; i < n; i++) frame[head + i] = payload[i]! ^ frame[head - 4 + (i & 3)]!;
  return frame;
}

/**
 * Connects and completes the handshake for `protocol`; `onText` gets every text message with its
 * payload's length in bytes. Rejects when the connection or the handshake fails.
 */
export function openRawWebSocket(url: string, protocol: string, maxPayload: number, onText: (text: string, bytes: number) => void): Promise<RawWebSocket> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    // Bytes received and not yet read: a large frame (a full snapshot) is joined once, when whole.
    let chunks: Buffer[] = [];
    let held = 0;
    let needed = 0;
    let open = false;
    let fragments: Buffer[] = [];
    const sendFrame = (opcode: number, payload: Buffer) => socket.write(frameOf(opcode, payload));
    const fail = (why: string) => {
      socket.destroy();
      if (!open) reject(new Error(why));
    };

    /** Reads the whole frames in `buf`; keeps the bytes of an incomplete one (and its size, once known). */
    const readFrames = (buf: Buffer): void => {
      let at = 0;
      needed = 0;
      while (buf.length - at >= 2) {
        const fin = (buf[at]! & 0x80) !== 0;
        const opcode = buf[at]! & 0x0f;
        let n = buf[at + 1]! & 0x7f;
        let head = 2;
        if (n === 126) {
          if (buf.length - at < 4) break;
          n = buf.readUInt16BE(at + 2);
          head = 4;
        } else if (n === 127) {
          if (buf.length - at < 10) break;
          n = Number(buf.readBigUInt64BE(at + 2));
          head = 10;
        }
        if (n > maxPayload) return fail(`frame of ${n} bytes`);
        if (buf.length - at < head + n) {
          needed = head + n;
          break;
        }
        const payload = buf.subarray(at + head, at + head + n);
        at += head + n;
        if (opcode === 0x9) sendFrame(0xa, payload);
        else if (opcode === 0x8) return fail('closed by the node');
        else if (opcode === 0x1 || opcode === 0x0) {
          if (fin && fragments.length === 0) onText(payload.toString(), n);
          else {
            fragments.push(Buffer.from(payload));
            if (fin) {
              const whole = Buffer.concat(fragments);
              fragments = [];
              onText(whole.toString(), whole.length);
            }
          }
        }
      }
      // Copied out, so a frame held over does not keep the socket's whole read buffer alive.
      if (at < buf.length) {
        chunks = [Buffer.from(buf.subarray(at))];
        held = buf.length - at;
      }
    };

    socket.on('connect', () => {
      socket.write(`GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
        + `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      held += chunk.length;
      if (held < needed) return;
      let buf = chunks.length === 1 ? chunk : Buffer.concat(chunks, held);
      chunks = [];
      held = 0;
      if (!open) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          chunks = [buf];
          held = buf.length;
          return;
        }
        if (!buf.subarray(0, end).toString('latin1').startsWith('HTTP/1.1 101')) return fail('handshake refused');
        open = true;
        resolve({ sendText: (text) => sendFrame(0x1, Buffer.from(text)), destroy: () => socket.destroy() });
        buf = buf.subarray(end + 4);
      }
      readFrames(buf);
    });
    socket.on('error', (err) => fail(err.message));
  });
}
