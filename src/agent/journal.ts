// The agent's on-disk files for its applied state and its telemetry outbox: an append-only journal
// of JSON records, one line each, every line carrying a checksum of its text. A line is one
// transaction: it is written with one write and fsync'd before the caller goes on. A crash can
// leave only the last line incomplete; reading drops such a tail (it was never acknowledged as
// written), while a damaged line before it means the file is corrupt and is refused. Rewrites go
// to a temporary file that is fsync'd and renamed over the journal, so a reader sees the old file
// or the new one. (These replaced two SQLite files: an idle agent without SQLite's library holds
// about 3 MB less memory.)

import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { NgError } from '../shared/errors';

/** Where one record sits in the file (to read it again without keeping it in memory). */
export interface LineRef {
  offset: number;
  length: number;
}

const NEWLINE = 0x0a;
const HASH_CHARS = 16;

const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, HASH_CHARS);
const encode = (record: unknown): Buffer => {
  const json = JSON.stringify(record);
  return Buffer.from(`${hashOf(json)} ${json}\n`);
};

/** The record of one line's bytes (without its newline), or null when the line is damaged. */
function decode(line: Buffer): unknown {
  const text = line.toString('utf8');
  const json = text.slice(HASH_CHARS + 1);
  if (text[HASH_CHARS] !== ' ' || hashOf(json) !== text.slice(0, HASH_CHARS)) return null;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return null;
  }
}

/**
 * Every intact record of the journal at `path` with where it sits, and the length of its intact
 * part (a torn last line is not included). A missing file reads as empty.
 */
export function readJournal(path: string, what: string): { records: { record: unknown; ref: LineRef }[]; end: number } {
  if (!existsSync(path)) return { records: [], end: 0 };
  const bytes = readFileSync(path);
  const records: { record: unknown; ref: LineRef }[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const nl = bytes.indexOf(NEWLINE, offset);
    const record = nl < 0 ? null : decode(bytes.subarray(offset, nl));
    if (record === null) {
      // Only the last line may be torn by a crash; anything damaged before it is corruption.
      if (nl < 0 || nl === bytes.length - 1) break;
      throw new NgError('NG_DB_CORRUPT', `${what} (${path}) is damaged at byte ${offset}; delete it to start clean`);
    }
    records.push({ record, ref: { offset, length: nl - offset } });
    offset = nl + 1;
  }
  return { records, end: offset };
}

/** Reads one record again from an open journal. */
export function readRecord(fd: number, ref: LineRef, what: string): unknown {
  const line = Buffer.allocUnsafe(ref.length);
  const n = readSync(fd, line, 0, ref.length, ref.offset);
  const record = n === ref.length ? decode(line) : null;
  if (record === null) throw new NgError('NG_DB_CORRUPT', `${what} changed under the agent at byte ${ref.offset}`);
  return record;
}

/** Appends transactions to a journal whose intact part is `end` bytes long (a torn tail is cut off first). */
export class JournalWriter {
  readonly fd: number;
  private size: number;

  constructor(private readonly path: string, end: number) {
    this.fd = openSync(path, existsSync(path) ? 'r+' : 'w+', 0o600);
    ftruncateSync(this.fd, end);
    this.size = end;
  }

  get bytes(): number {
    return this.size;
  }

  /** Writes one record as one line and makes it durable; returns where it went. */
  append(record: unknown): LineRef {
    const line = encode(record);
    const ref = { offset: this.size, length: line.length - 1 };
    writeSync(this.fd, line, 0, line.length, this.size);
    fsyncSync(this.fd);
    this.size += line.length;
    return ref;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Replaces the journal with these records (produced as they are written), atomically (temporary
 * file, fsync, rename, fsync of the folder); returns a writer appending to the new file and where
 * each record went.
 */
export function rewriteJournal(path: string, records: Iterable<unknown>): { writer: JournalWriter; refs: LineRef[] } {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  const refs: LineRef[] = [];
  let offset = 0;
  try {
    for (const r of records) {
      const line = encode(r);
      writeSync(fd, line, 0, line.length, offset);
      refs.push({ offset, length: line.length - 1 });
      offset += line.length;
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  return { writer: new JournalWriter(path, offset), refs };
}
