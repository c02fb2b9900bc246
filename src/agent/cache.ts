// The agent's cache: the last desired state it applied successfully, with its version and
// checksum. It is what nginx serves in island mode and the base the node diffs against. Kept in a
// journal (journal.ts): a whole state, then the diffs applied to it, rewritten whole when the diffs
// outgrow it. Every cached domain is checked again when read: a cache that no longer validates is
// refused (NG_DB_CORRUPT), never served.

import type { DesiredDomain } from '../shared/wire/agent';
import { entryOf, type DesiredEntry } from '../core/desired/index';
import { NgError } from '../shared/errors';
import { JournalWriter, readJournal, rewriteJournal } from './journal';
import { checkDesiredDomain } from './wire-check';

export interface AppliedState {
  version: number;
  checksum: string;
  entries: Map<string, DesiredEntry>;
}

/** One line of the cache journal: a whole state, or the changes to the state before it. */
type CacheRecord =
  | { state: { version: number; checksum: string; domains: DesiredDomain[] } }
  | { diff: { version: number; checksum: string; upserts: DesiredDomain[]; removes: string[] } };

const WHAT = 'the agent cache';
/** Diffs may grow the journal to this multiple of its whole-state line (plus a floor) before it is rewritten. */
const REWRITE_FACTOR = 2;
const REWRITE_FLOOR_BYTES = 1024 * 1024;

export class AgentCache {
  private writer: JournalWriter | null = null;
  /** Length of the whole-state line the journal starts with (0 without one). */
  private stateBytes = 0;

  constructor(private readonly path: string) {}

  /**
   * Reads the last good state (an empty one at version 0 when nothing was ever applied) and opens
   * the journal for the saves that follow.
   */
  load(): AppliedState {
    const { records, end } = readJournal(this.path, WHAT);
    const state: AppliedState = { version: 0, checksum: '', entries: new Map() };
    for (const { record, ref } of records) {
      const r = this.cacheRecord(record);
      if ('state' in r) {
        state.entries = new Map();
        for (const d of r.state.domains) this.put(state.entries, d);
        this.stateBytes = ref.length;
      } else {
        for (const id of r.diff.removes) state.entries.delete(id);
        for (const d of r.diff.upserts) this.put(state.entries, d);
      }
      const head = 'state' in r ? r.state : r.diff;
      state.version = head.version;
      state.checksum = head.checksum;
    }
    this.writer?.close();
    this.writer = new JournalWriter(this.path, end);
    return state;
  }

  /** Records a successfully applied state: whole (changed = null), or only the changed domains. */
  save(state: AppliedState, changed: readonly DesiredDomain[] | null = null, removed: readonly string[] = []): void {
    if (!this.writer) throw new Error('the agent cache is saved before it was loaded');
    if (changed === null || this.writer.bytes > REWRITE_FACTOR * this.stateBytes + REWRITE_FLOOR_BYTES) {
      this.rewrite(state);
      return;
    }
    const record: CacheRecord = { diff: { version: state.version, checksum: state.checksum, upserts: [...changed], removes: [...removed] } };
    this.writer.append(record);
  }

  close(): void {
    this.writer?.close();
    this.writer = null;
  }

  private rewrite(state: AppliedState): void {
    const record: CacheRecord = { state: { version: state.version, checksum: state.checksum, domains: [...state.entries.values()].map((e) => e.domain) } };
    const { writer, refs } = rewriteJournal(this.path, [record]);
    this.writer?.close();
    this.writer = writer;
    this.stateBytes = refs[0]!.length;
  }

  /** A journal line as a cache record; the domains in it are checked one by one as they are put. */
  private cacheRecord(record: unknown): CacheRecord {
    const r = record as { state?: Record<string, unknown>; diff?: Record<string, unknown> } | null;
    const head = r?.state ?? r?.diff;
    const wellFormed = head !== undefined && Number.isSafeInteger(head['version']) && typeof head['checksum'] === 'string'
      && (r!.state ? Array.isArray(head['domains']) : Array.isArray(head['upserts']) && Array.isArray(head['removes']) && (head['removes'] as unknown[]).every((id) => typeof id === 'string'));
    if (!wellFormed) throw new NgError('NG_DB_CORRUPT', `${WHAT} (${this.path}) holds a record it does not know; delete it to start clean`);
    return record as CacheRecord;
  }

  private put(entries: Map<string, DesiredEntry>, doc: unknown): void {
    const parsed = checkDesiredDomain(doc);
    if (!parsed.ok) {
      const id = typeof doc === 'object' && doc !== null ? String((doc as { domainId?: unknown }).domainId) : '?';
      throw new NgError('NG_DB_CORRUPT', `cached domain ${id} no longer validates; delete the agent cache to start clean`);
    }
    entries.set(parsed.value.domainId, entryOf(parsed.value));
  }
}
