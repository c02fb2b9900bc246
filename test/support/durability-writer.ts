// A writer process for the durability test: writes to the store in a tight loop (single writes,
// small transactions, deletes) and prints one "ack" line per commit, only after the commit returned.
// Usage: node --import tsx test/support/durability-writer.ts DB_PATH ROUND

import { Store } from '../../src/main/db/store';
import { domainId } from '../../src/shared/ids';

/** One acknowledged commit. Import this type only: importing the module starts a writer. */
export interface Ack {
  /** The writer's own op seq after the commit. */
  seq: number;
  /** Documents written, with the fields written. */
  writes: { collection: 'teams' | 'domains'; id: string; fields: Record<string, unknown> }[];
  deletes: { collection: 'teams'; id: string }[];
}

const WRITER_NODE_ID = 'writer';
/** One document every transaction updates: its name ("round:i") only ever moves forward. */
const PROGRESS_ID = 'progress';

const [path, roundArg] = process.argv.slice(2);
if (!path || !roundArg) {
  process.stderr.write('usage: durability-writer.ts DB_PATH ROUND\n');
  process.exit(2);
}
const round = Number(roundArg);
const store = Store.open({ path, nodeId: WRITER_NODE_ID });
const actor = `writer-round-${round}`;
const written: string[] = [];

function once(i: number): Ack {
  const ack: Ack = { seq: 0, writes: [], deletes: [] };
  const teamId = `t-${round}-${i}`;
  const roll = Math.random();
  if (roll < 0.15 && written.length > 0) {
    const victim = written.splice(Math.floor(Math.random() * written.length), 1)[0]!;
    store.delete('teams', victim, { actor });
    ack.deletes.push({ collection: 'teams', id: victim });
  } else if (roll < 0.6) {
    const fields = { name: `Team ${round}.${i}`, createdAt: i };
    store.write('teams', teamId, fields, { actor });
    ack.writes.push({ collection: 'teams', id: teamId, fields });
    written.push(teamId);
  } else {
    store.transaction(() => {
      const team = { name: `Team ${round}.${i}`, createdAt: i };
      store.write('teams', teamId, team, { actor });
      const hostname = `site-${i}.round-${round}.example`;
      const domain = { teamId, hostname, tls: { status: 'Pending' as const, certificateId: null, notAfter: null }, wafEnabled: i % 2 === 0, targetLabels: ['edge'], createdAt: i };
      const id = domainId(teamId, hostname);
      store.write('domains', id, domain, { actor });
      const progress = { name: `${round}:${i}`, createdAt: 0 };
      store.write('teams', PROGRESS_ID, progress, { actor });
      ack.writes.push({ collection: 'teams', id: teamId, fields: team }, { collection: 'domains', id, fields: domain }, { collection: 'teams', id: PROGRESS_ID, fields: progress });
    });
    written.push(teamId);
  }
  ack.seq = store.vector()[WRITER_NODE_ID] ?? 0;
  return ack;
}

// Runs until killed. stdout on a pipe is synchronous on Linux, so a printed ack has left this process.
for (let i = 0; ; i++) process.stdout.write(`ack ${JSON.stringify(once(i))}\n`);
