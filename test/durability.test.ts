// Durability under kill -9: a writer process acknowledges each commit on stdout and is killed at a
// random moment, again and again on one file. Every acknowledged write must survive, the file must
// reopen cleanly, and the oplog, vector and documents must still agree.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyOp, type DocState } from '../src/core/merge';
import { Store } from '../src/main/db/store';
import type { Ack } from './support/durability-writer';

const ROUNDS = 24;
const WRITER = join(import.meta.dirname, 'support', 'durability-writer.ts');
const dir = mkdtempSync(join(tmpdir(), 'netgoat-durability-'));
const dbPath = join(dir, 'node.db');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Start a writer, let it acknowledge `killAfter` commits, SIGKILL it (after a few more ms of
 * writing, so the kill lands anywhere in a commit), and return every ack line it completed.
 */
function runWriterUntilKilled(round: number, killAfter: number, extraMs: number): Promise<{ acks: Ack[]; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dbPath, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Ack[] = [];
    let buffered = '';
    let stderr = '';
    let killing = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('ack ')) acks.push(JSON.parse(line.slice(4)) as Ack);
      }
      if (!killing && acks.length >= killAfter) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    // 'close' waits for stdout to drain: acks printed just before the kill still count.
    child.on('close', (_code, signal) => resolve({ acks, signal, stderr }));
  });
}

/** What the acks promise: documents that must exist (with these fields) and ones that must not. */
interface Expected {
  present: Map<string, { collection: 'teams' | 'domains'; id: string; fields: Record<string, unknown> }>;
  deleted: Set<string>;
  seq: number;
  progress: [number, number] | null;
}

function fold(expected: Expected, acks: readonly Ack[]): void {
  for (const ack of acks) {
    expect(ack.seq).toBeGreaterThan(expected.seq);
    expected.seq = ack.seq;
    for (const w of ack.writes) {
      if (w.id === 'progress') expected.progress = (w.fields.name as string).split(':').map(Number) as [number, number];
      else expected.present.set(`${w.collection}/${w.id}`, w);
    }
    for (const d of ack.deletes) {
      expected.present.delete(`${d.collection}/${d.id}`);
      expected.deleted.add(`${d.collection}/${d.id}`);
    }
  }
}

function checkReopened(store: Store, expected: Expected): void {
  expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  // The writer may be killed after a commit and before its ack got out: such an unacknowledged
  // commit can only have deleted a document (ids are never rewritten), so those are excused.
  const deletedAfterLastAck = new Set(
    store.opsSince({ writer: expected.seq }, 1_000_000).ops.filter((o) => o.delete).map((o) => `${o.collection}/${o.id}`),
  );
  for (const [key, { collection, id, fields }] of expected.present) {
    const doc = store.get(collection, id);
    if (!doc && deletedAfterLastAck.has(key)) {
      // Later rounds must hold it deleted, as if the ack had got out.
      expected.present.delete(key);
      expected.deleted.add(key);
      continue;
    }
    expect(doc, `${collection}/${id} was acknowledged`).toBeDefined();
    expect(doc).toMatchObject(fields);
  }
  for (const key of expected.deleted) {
    const [collection, id] = key.split('/') as ['teams', string];
    expect(store.get(collection, id), `${key} was deleted`).toBeUndefined();
  }
  if (expected.progress) {
    // A commit may have landed after the last ack that got out; never one from before it.
    const [round, i] = (store.get('teams', 'progress')!.name as string).split(':').map(Number) as [number, number];
    expect(round > expected.progress[0] || (round === expected.progress[0] && i >= expected.progress[1])).toBe(true);
  }

  // The oplog is contiguous from 1, the vector names its end, and replaying it gives the documents.
  const own = store.vector().writer ?? 0;
  expect(own).toBeGreaterThanOrEqual(expected.seq);
  const { ops, more } = store.opsSince({}, 1_000_000);
  expect(more).toBe(false);
  expect(ops.map((o) => o.seq)).toEqual(Array.from({ length: own }, (_, k) => k + 1));
  // No timestamp was reissued across the kills: HLCs rise with seq.
  for (let k = 1; k < ops.length; k++) expect(ops[k]!.hlc > ops[k - 1]!.hlc, `hlc of seq ${k + 1}`).toBe(true);
  const replayed = new Map<string, DocState>();
  for (const op of ops) replayed.set(`${op.collection}/${op.id}`, applyOp(replayed.get(`${op.collection}/${op.id}`), op).state);
  const docs = store.exportSnapshot().docs;
  expect(docs).toHaveLength(replayed.size);
  for (const d of docs) expect({ fields: d.fields, clocks: d.clocks, deleted: d.deleted }).toEqual(replayed.get(`${d.collection}/${d.id}`));
}

describe('durability under kill -9', () => {
  it(`keeps every acknowledged write across ${ROUNDS} kills of a busy writer`, { timeout: 180_000 }, async () => {
    const expected: Expected = { present: new Map(), deleted: new Set(), seq: 0, progress: null };
    let lastSeq = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const killAfter = 1 + Math.floor(Math.random() * 400);
      const extraMs = Math.floor(Math.random() * 15);
      const { acks, signal, stderr } = await runWriterUntilKilled(round, killAfter, extraMs);
      expect(stderr).toBe('');
      expect(signal).toBe('SIGKILL');
      expect(acks.length).toBeGreaterThanOrEqual(killAfter);
      // The writer carried on from the previous round's state, not from scratch.
      expect(acks[0]!.seq).toBeGreaterThan(lastSeq);
      fold(expected, acks);

      const store = Store.open({ path: dbPath });
      try {
        expect(store.nodeId).toBe('writer');
        checkReopened(store, expected);
        lastSeq = store.vector().writer ?? 0;
      } finally {
        store.close();
      }
    }
  });
});
