// Follows nginx's access log by polling: reads what was appended since the last look, and notices
// rotation (the path now names another inode: finish the old file, then start the new one at 0)
// and truncation (the file shrank, or has no newline where we stopped: start again at 0). Only
// whole lines are handed on.

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

export interface LogPosition {
  inode: number;
  /** Byte offset just past the last whole line handed on. */
  offset: number;
}

export interface TailerCounters {
  rotations: number;
  truncations: number;
  /** Bytes left without a newline when the file rotated away: a torn line, counted and dropped. */
  tornBytes: number;
}

/** Read at most this much per look: the buffer stays for the agent's life, and a busy log fills it every poll. */
const CHUNK_BYTES = 256 * 1024;
const NEWLINE = 0x0a;

export class LogTailer {
  readonly counters: TailerCounters = { rotations: 0, truncations: 0, tornBytes: 0 };
  private fd: number | null = null;
  private inode = 0;
  /** Bytes read so far from the open file (whole lines plus `partial`). */
  private readOffset = 0;
  private partial: Buffer = Buffer.alloc(0);
  private readonly chunk = Buffer.allocUnsafe(CHUNK_BYTES);

  /**
   * `from`: where to resume (a saved position; ignored if the file is another inode by now, then
   * the new file is read from its start). Without one, tailing starts at the end: old traffic is
   * not replayed.
   */
  constructor(private readonly path: string, private readonly onLines: (lines: string[]) => void, from: LogPosition | null = null) {
    const st = this.statPath();
    if (!st) return;
    if (from && from.inode === st.ino) this.openAt(from.offset <= st.size ? from.offset : 0);
    else this.openAt(from ? 0 : st.size);
  }

  position(): LogPosition {
    return { inode: this.inode, offset: this.readOffset - this.partial.length };
  }

  /** Reads everything available now; returns the number of lines handed on. */
  poll(): number {
    let lines = 0;
    const st = this.statPath();
    if (this.fd === null) {
      if (!st) return 0;
      this.openAt(0);
      if (this.fd === null) return 0;
    }
    if (st && st.ino !== this.inode) {
      lines += this.readToEnd();
      this.counters.rotations++;
      this.counters.tornBytes += this.partial.length;
      this.closeFile();
      this.openAt(0);
    } else if (fstatSync(this.fd!).size < this.readOffset || !this.atLineBoundary()) {
      this.counters.truncations++;
      this.partial = Buffer.alloc(0);
      this.readOffset = 0;
    }
    lines += this.readToEnd();
    return lines;
  }

  close(): void {
    this.closeFile();
  }

  private readToEnd(): number {
    let lines = 0;
    for (;;) {
      const n = readSync(this.fd!, this.chunk, 0, CHUNK_BYTES, this.readOffset);
      if (n === 0) return lines;
      this.readOffset += n;
      const lastNewline = this.chunk.lastIndexOf(NEWLINE, n - 1);
      if (lastNewline < 0) {
        this.partial = Buffer.concat([this.partial, this.chunk.subarray(0, n)]);
        continue;
      }
      const head = this.partial.length > 0 ? Buffer.concat([this.partial, this.chunk.subarray(0, lastNewline)]) : this.chunk.subarray(0, lastNewline);
      const text = head.toString('utf8').split('\n');
      this.partial = Buffer.from(this.chunk.subarray(lastNewline + 1, n));
      const whole = text.filter((l) => l.length > 0);
      lines += whole.length;
      if (whole.length > 0) this.onLines(whole);
    }
  }

  /**
   * A file truncated and written again before this poll can already be longer than our offset;
   * then the byte before the offset is no longer the newline we stopped after.
   */
  private atLineBoundary(): boolean {
    const consumed = this.readOffset - this.partial.length;
    if (consumed === 0) return true;
    const one = Buffer.alloc(1);
    return readSync(this.fd!, one, 0, 1, consumed - 1) === 1 && one[0] === NEWLINE;
  }

  private statPath(): { ino: number; size: number } | null {
    try {
      const st = statSync(this.path);
      return { ino: st.ino, size: st.size };
    } catch {
      return null;
    }
  }

  private openAt(offset: number): void {
    try {
      this.fd = openSync(this.path, 'r');
    } catch {
      this.fd = null;
      return;
    }
    this.inode = fstatSync(this.fd).ino;
    this.readOffset = offset;
    this.partial = Buffer.alloc(0);
  }

  private closeFile(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
