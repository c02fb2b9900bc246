import { describe, expect, it } from 'vitest';
import { electionWireMessage } from './election';

describe('election wire messages', () => {
  it('accepts each message type', () => {
    for (const m of [
      { type: 'heartbeat', v: 1, term: 3, leaderId: 'node-a' },
      { type: 'heartbeat-ack', v: 1, term: 3 },
      { type: 'election', v: 1, term: 0 },
      { type: 'alive', v: 1, term: 1027 },
      { type: 'coordinator', v: 1, term: 1027, leaderId: 'node-b' },
      { type: 'handover', v: 1, term: 1027, leaderId: 'node-b', successorId: 'node-a' },
    ]) {
      expect(electionWireMessage.parse(m)).toEqual(m);
    }
  });

  it('rejects unknown types, other versions, bad terms, bad ids and extra fields', () => {
    const bad = [
      { type: 'vote', v: 1, term: 1 },
      { type: 'election', v: 2, term: 1 },
      { type: 'election', v: 1, term: -1 },
      { type: 'election', v: 1, term: 1.5 },
      { type: 'election', v: 1, term: 2 ** 60 },
      { type: 'heartbeat', v: 1, term: 1, leaderId: 'Not An Id' },
      { type: 'heartbeat', v: 1, term: 1 },
      { type: 'alive', v: 1, term: 1, leaderId: 'a' },
    ];
    for (const m of bad) expect(electionWireMessage.safeParse(m).success, JSON.stringify(m)).toBe(false);
  });
});
