// The server end of an agent's WebSocket (RFC 6455), kept to what the agent link uses: text
// messages (whole or in fragments) both ways, ping and pong, the close handshake; no extensions.
//
// Why not ws: at ten thousand agents every change brings ten thousand acks, each one small frame in
// one TCP read. ws runs each through a Writable, a chunk list, a Buffer per frame and per message,
// and was the node's largest source of garbage (most of what its full collections reclaimed) and
// ~3 µs per ack. Here a frame that arrives whole is unmasked in place and decoded to its string
// straight from the read buffer; only a frame split across reads is gathered first.

import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** RFC 6455 §1.3: appended to the client's key for the accept header. */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** A client key is 16 random bytes in base64 (RFC 6455 §4.1). */
const CLIENT_KEY = /^[+/0-9A-Za-z]{22}==$/;
/** How long a close handshake the node started waits for the agent's answer before the socket is cut. */
const CLOSE_TIMEOUT_MS = 30_000;

const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** Close codes (RFC 6455 §7.4.1) the node sends when the agent breaks the framing. */
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_INVALID_TEXT = 1007;
export const CLOSE_TOO_BIG = 1009;
/** What a close reports when the socket went without a close frame. */
export const CLOSE_ABNORMAL = 1006;

export interface AgentWebSocketHandlers {
  /** A whole text message. */
  message(text: string): void;
  /** A whole binary message (not part of the agent protocol: the gateway refuses it). */
  binary(): void;
  pong(): void;
  /** The agent broke the framing; the socket is closing with `code`. */
  protocolError(code: number, reason: string): void;
  /** The socket is gone; `code` is the close code received, or 1006 when there was none. */
  close(code: number): void;
}

/**
 * Completes the opening handshake of a request for `protocol`, or answers it with an HTTP error and
 * ends the socket (returns false). The caller then wraps the socket in an AgentWebSocket and starts it.
 */
export function acceptHandshake(req: IncomingMessage, socket: Duplex, protocol: string): boolean {
  const refuse = (status: string, extra = ''): false => {
    socket.on('error', () => socket.destroy());
    socket.once('finish', () => socket.destroy());
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n${extra}\r\n`);
    return false;
  };
  if (req.method !== 'GET') return refuse('405 Method Not Allowed');
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return refuse('400 Bad Request');
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !CLIENT_KEY.test(key)) return refuse('400 Bad Request');
  if (req.headers['sec-websocket-version'] !== '13') return refuse('426 Upgrade Required', 'sec-websocket-version: 13\r\n');
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  if (!offered.includes(protocol)) return refuse('400 Bad Request');
  if (!socket.readable || !socket.writable) {
    socket.destroy();
    return false;
  }
  const accept = createHash('sha1').update(key + HANDSHAKE_GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\nsec-websocket-protocol: ${protocol}\r\n\r\n`);
  return true;
}

/** Bytes a server frame header takes for a payload of `length`. */
export const headerBytes = (length: number): number => (length < 126 ? 2 : length < 65_536 ? 4 : 10);

/** A frame header for a server frame (never masked): FIN, opcode and the payload length. */
export function frameHeader(opcode: number, fin: boolean, length: number): Buffer {
  const h = Buffer.allocUnsafe(headerBytes(length));
  writeFrameHeader(h, 0, opcode, fin, length);
  return h;
}

/** Writes a server frame header at `at` (headerBytes(length) bytes). */
export function writeFrameHeader(to: Buffer, at: number, opcode: number, fin: boolean, length: number): void {
  to[at] = (fin ? 0x80 : 0) | opcode;
  if (length < 126) to[at + 1] = length;
  else if (length < 65_536) {
    to[at + 1] = 126;
    to.writeUInt16BE(length, at + 2);
  } else {
    to[at + 1] = 127;
    to.writeUInt32BE(Math.floor(length / 2 ** 32), at + 2);
    to.writeUInt32BE(length >>> 0, at + 6);
  }
}

const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

export class AgentWebSocket {
  /** OPEN until a close frame is sent (the node's own, or the answer to the agent's). */
  private state = OPEN;
  private closeReceived = false;
  private closeCode = CLOSE_ABNORMAL;
  private closeTimer: NodeJS.Timeout | null = null;
  /** Bytes read but not yet a whole frame; `need` is how many it takes to go on. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private need = 0;
  /** The parts of a fragmented message so far, its opcode and size. */
  private parts: Buffer[] | null = null;
  private partsOpcode = OP_TEXT;
  private partsBytes = 0;

  constructor(
    readonly socket: Duplex,
    private readonly maxPayload: number,
    private readonly on: AgentWebSocketHandlers,
  ) {}

  /** Starts reading: `head` is what came after the handshake in the same read. */
  start(head: Buffer): void {
    const socket = this.socket as Duplex & { setNoDelay?: (v: boolean) => void; setTimeout?: (ms: number) => void };
    socket.setNoDelay?.(true);
    socket.setTimeout?.(0);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.gone());
    if (head.length > 0) this.read(head);
  }

  /** True until a close handshake starts or the socket goes. */
  get open(): boolean {
    return this.state === OPEN;
  }

  /** Bytes queued on the socket and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  sendText(text: string): void {
    if (this.state !== OPEN) return;
    const length = Buffer.byteLength(text);
    const at = headerBytes(length);
    const frame = Buffer.allocUnsafe(at + length);
    writeFrameHeader(frame, 0, OP_TEXT, true, length);
    frame.write(text, at, length, 'utf8');
    this.socket.write(frame);
  }

  /** Writes a whole frame the caller built (header included): the fan-out's one write per agent. */
  writeFrame(frame: Buffer): void {
    if (this.state === OPEN) this.socket.write(frame);
  }

  /** One text message in two fragments, queued together so nothing else goes between them. */
  sendTextParts(first: Buffer, rest: Buffer): void {
    if (this.state !== OPEN) return;
    this.socket.cork();
    this.socket.write(frameHeader(OP_TEXT, false, first.length));
    this.socket.write(first);
    this.socket.write(frameHeader(OP_CONTINUATION, true, rest.length));
    this.socket.write(rest);
    this.socket.uncork();
  }

  ping(): void {
    if (this.state === OPEN) this.socket.write(frameHeader(OP_PING, true, 0));
  }

  /** Starts the close handshake: the agent reads `code` and `reason` (ASCII: an error code), then the socket ends. */
  close(code: number, reason = ''): void {
    if (this.state !== OPEN) return;
    this.state = CLOSING;
    this.sendClose(code, reason);
    // Open means no close frame came yet (one that did was answered and ended the socket).
    this.closeTimer = setTimeout(() => this.socket.destroy(), CLOSE_TIMEOUT_MS);
    this.closeTimer.unref();
  }

  /** Cuts the socket without a close handshake. */
  terminate(): void {
    this.socket.destroy();
  }

  /** Called once, as the state leaves OPEN. */
  private sendClose(code: number, reason: string): void {
    const text = Buffer.from(reason.slice(0, 120));
    const payload = Buffer.allocUnsafe(2 + Math.min(text.length, 123));
    payload.writeUInt16BE(code, 0);
    text.copy(payload, 2, 0, payload.length - 2);
    this.socket.write(Buffer.concat([frameHeader(OP_CLOSE, true, payload.length), payload]));
  }

  private gone(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.held = [];
    this.parts = null;
    this.on.close(this.closeCode);
  }

  private read(chunk: Buffer): void {
    if (this.state === CLOSED || this.closeReceived) return;
    let buf = chunk;
    if (this.heldBytes > 0) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      if (this.heldBytes < this.need) return;
      buf = Buffer.concat(this.held, this.heldBytes);
      this.held = [];
      this.heldBytes = 0;
    }
    let at = 0;
    while (at < buf.length) {
      const used = this.frame(buf, at);
      if (used <= 0) break;
      at += used;
    }
    if (at < buf.length && this.state !== CLOSED && !this.closeReceived && this.need > 0) {
      this.held.push(at === 0 ? buf : buf.subarray(at));
      this.heldBytes = buf.length - at;
    }
  }

  /**
   * Reads the frame at `at`: the bytes it took, 0 when it is not all here yet (then `need` says how
   * many bytes from `at` it takes), or -1 after a protocol error.
   */
  private frame(buf: Buffer, at: number): number {
    this.need = 0;
    const available = buf.length - at;
    if (available < 2) return this.wait(2);
    const b0 = buf[at]!;
    const b1 = buf[at + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if ((b0 & 0x70) !== 0) return this.fail(CLOSE_PROTOCOL_ERROR, 'reserved bits set: no extension was agreed');
    if ((b1 & 0x80) === 0) return this.fail(CLOSE_PROTOCOL_ERROR, 'a client frame must be masked');
    const control = (opcode & 0x8) !== 0;
    if (control ? opcode !== OP_CLOSE && opcode !== OP_PING && opcode !== OP_PONG : opcode > OP_BINARY) {
      return this.fail(CLOSE_PROTOCOL_ERROR, `unknown opcode ${opcode}`);
    }
    let length = b1 & 0x7f;
    let head = 2;
    if (control && (!fin || length > 125)) return this.fail(CLOSE_PROTOCOL_ERROR, 'a control frame must be whole and at most 125 bytes');
    if (length === 126) {
      if (available < 4) return this.wait(4);
      length = buf.readUInt16BE(at + 2);
      head = 4;
    } else if (length === 127) {
      if (available < 10) return this.wait(10);
      const high = buf.readUInt32BE(at + 2);
      if (high > 0) return this.fail(CLOSE_TOO_BIG, `frame of over 4 GB (limit ${this.maxPayload} bytes)`);
      length = buf.readUInt32BE(at + 6);
      head = 10;
    }
    if (!control && (opcode === OP_CONTINUATION ? this.partsBytes : 0) + length > this.maxPayload) {
      return this.fail(CLOSE_TOO_BIG, `message over ${this.maxPayload} bytes`);
    }
    const start = at + head + 4;
    const end = start + length;
    if (buf.length < end) return this.wait(end - at);
    // Unmasked in place: the read buffer is the socket's own fresh chunk (or a gathered copy).
    const mask = at + head;
    for (let i = 0; i < length; i++) buf[start + i] = buf[start + i]! ^ buf[mask + (i & 3)]!;
    this.dispatch(opcode, fin, buf, start, end);
    return end - at;
  }

  private wait(bytes: number): number {
    this.need = bytes;
    return 0;
  }

  private dispatch(opcode: number, fin: boolean, buf: Buffer, start: number, end: number): void {
    if (opcode === OP_TEXT || opcode === OP_BINARY) {
      if (this.parts !== null) return void this.fail(CLOSE_PROTOCOL_ERROR, 'a new message began before the fragmented one ended');
      if (fin) return this.deliver(opcode, buf, start, end);
      this.parts = [buf.subarray(start, end)];
      this.partsOpcode = opcode;
      this.partsBytes = end - start;
    } else if (opcode === OP_CONTINUATION) {
      if (this.parts === null) return void this.fail(CLOSE_PROTOCOL_ERROR, 'a continuation frame without a message to continue');
      this.parts.push(buf.subarray(start, end));
      this.partsBytes += end - start;
      if (!fin) return;
      const whole = Buffer.concat(this.parts, this.partsBytes);
      this.parts = null;
      this.partsBytes = 0;
      this.deliver(this.partsOpcode, whole, 0, whole.length);
    } else if (opcode === OP_PING) {
      if (this.state === OPEN) this.socket.write(Buffer.concat([frameHeader(OP_PONG, true, end - start), buf.subarray(start, end)]));
    } else if (opcode === OP_PONG) {
      this.on.pong();
    } else {
      this.onClose(buf, start, end);
    }
  }

  private deliver(opcode: number, buf: Buffer, start: number, end: number): void {
    if (opcode === OP_BINARY) return this.on.binary();
    if (!isUtf8(buf.subarray(start, end))) return void this.fail(CLOSE_INVALID_TEXT, 'a text message that is not UTF-8');
    this.on.message(buf.toString('utf8', start, end));
  }

  private onClose(buf: Buffer, start: number, end: number): void {
    let code = 1005;
    if (end - start === 1) return void this.fail(CLOSE_PROTOCOL_ERROR, 'a close frame with a one-byte payload');
    if (end - start >= 2) {
      code = buf.readUInt16BE(start);
      if (!validCloseCode(code)) return void this.fail(CLOSE_PROTOCOL_ERROR, `close code ${code} is not one a peer may send`);
      if (!isUtf8(buf.subarray(start + 2, end))) return void this.fail(CLOSE_INVALID_TEXT, 'a close reason that is not UTF-8');
    }
    this.closeReceived = true;
    this.closeCode = code;
    // Answered with the same code (none received: a plain normal closure), then the socket ends.
    if (this.state === OPEN) {
      this.state = CLOSING;
      this.sendClose(code === 1005 ? 1000 : code, '');
    }
    this.socket.end();
  }

  private fail(code: number, reason: string): -1 {
    this.need = 0;
    this.on.protocolError(code, reason);
    this.close(code, reason);
    // Nothing more is read from a peer that broke the framing.
    this.closeReceived = true;
    this.socket.end();
    return -1;
  }
}

/** Close codes a peer may put on the wire (RFC 6455 §7.4; 1004–1006 and 1015 are reserved). */
const validCloseCode = (code: number): boolean =>
  (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
