// The runner against a recording transport (the election itself is tested in core): terms are on
// disk before any message carrying them leaves, survive a restart, and timers stop on close.

import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElectionWireMessage } from '../../shared/wire/election';
import type { LeadershipEvent } from '../../core/election/types';
import { Store } from '../db/store';
import { createLogger } from '../log';
import { clusterMigrations } from './migrations';
import { ElectionRunner, readPersistedTerm, type ElectionTransport } from './election-runner';

const log = createLogger({ level: 'silent', destination: { write: () => {} } });
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function openStore(dir?: string): Store {
  const path = dir ?? mkdtempSync(join(tmpdir(), 'ng-runner-'));
  if (!dir) dirs.push(path);
  const store = Store.open({ path: join(path, 'node.db'), nodeId: 'na1', migrations: clusterMigrations, durability: 'normal' });
  store.write('members', 'na1', { nodeId: 'na1', name: 'a', certFingerprint: 'a'.repeat(64), priority: 100, address: null, removed: false, joinedAt: 1 }, { actor: 'test' });
  return store;
}

/** Records what the runner sends, with the term on disk at that moment. */
function recordingTransport(store: Store) {
  const sent: { message: ElectionWireMessage; termOnDisk: number }[] = [];
  const transport: ElectionTransport = {
    peers: () => [],
    onPeerUp: () => () => {},
    onPeerDown: () => () => {},
    onElection: () => () => {},
    sendElection: (_to, message) => {
      sent.push({ message, termOnDisk: readPersistedTerm(store.db) });
      return true;
    },
    broadcastElection: (message) => void sent.push({ message, termOnDisk: readPersistedTerm(store.db) }),
  };
  return { sent, transport };
}

const becameLeader = (runner: ElectionRunner) =>
  new Promise<number>((resolve) => {
    const stop = runner.onEvent((e: LeadershipEvent) => {
      if (e.type !== 'became-leader') return;
      stop();
      resolve(e.term);
    });
  });

describe('ElectionRunner', () => {
  it('a lone member claims a term, with the term on disk before the coordinator leaves; a restart claims a higher one', async () => {
    const store = openStore();
    const { sent, transport } = recordingTransport(store);
    const runner = new ElectionRunner({ store, mesh: transport, log });
    const term = await becameLeader(runner);
    expect(runner.status()).toMatchObject({ leaderId: 'na1', term, role: 'leader', since: expect.any(Number) });
    const coordinator = sent.find((s) => s.message.type === 'coordinator')!;
    expect(coordinator.message.term).toBe(term);
    expect(coordinator.termOnDisk).toBe(term);
    for (const s of sent) expect(s.termOnDisk).toBeGreaterThanOrEqual(s.message.term);

    runner.close();
    expect(runner.status().role).toBe('stopped');
    const dir = dirs[0]!;
    store.close();

    const reopened = openStore(dir);
    expect(readPersistedTerm(reopened.db)).toBe(term);
    const again = new ElectionRunner({ store: reopened, mesh: recordingTransport(reopened).transport, log });
    expect(await becameLeader(again)).toBeGreaterThan(term);
    again.close();
    reopened.close();
  });

  it('sends nothing after close', async () => {
    const store = openStore();
    const { sent, transport } = recordingTransport(store);
    const runner = new ElectionRunner({ store, mesh: transport, log });
    runner.close();
    await new Promise((r) => setTimeout(r, 1200));
    expect(sent).toEqual([]);
    store.close();
  });
});
