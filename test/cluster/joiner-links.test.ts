// Two members that joined through a third must link to each other, however each learned of the
// other: by ops, or by a snapshot (whose documents the store announces like ops). And when the dials
// keep failing, the dialing side says why in that member's status, not only in a debug log.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startNode, tempDir, type TestNode } from './support';

const dir = tempDir();
let founder: TestNode;
let first: TestNode;
let second: TestNode;

beforeAll(async () => {
  // The second joiner has the smaller id, so it is the one that must dial the first joiner.
  [founder, first, second] = await Promise.all([startNode(dir.path, 'node-a'), startNode(dir.path, 'node-z'), startNode(dir.path, 'node-m')]);
});

afterAll(async () => {
  for (const n of [founder, first, second]) {
    await n?.stop();
    n?.store.close();
  }
  dir.remove();
});

const linked = (n: TestNode, peer: TestNode) => n.mesh.peers().some((p) => p.nodeId === peer.nodeId && p.connected);

describe('members that joined through the same node', () => {
  it('link to each other when the later joiner learned of the earlier one from a snapshot', async () => {
    const joinCode = founder.mesh.createCluster();
    await first.mesh.join(founder.mesh.address, joinCode);
    // Once the founder compacts what both acknowledged, a later joiner can only catch up by snapshot.
    await eventually('the founder compacted its oplog', () => founder.logs.some((l) => l['msg'] === 'oplog compacted'));
    // The mesh dials and the election ranks members by the store's change events: they must come
    // for members a snapshot brought too.
    let toldOfFirst = false;
    const unsubscribe = second.store.onChange((events) => {
      toldOfFirst ||= events.some((e) => e.collection === 'members' && e.id === first.nodeId);
    });
    await second.mesh.join(founder.mesh.address, joinCode);
    await eventually('the second joiner holds the first joiner\'s member record', () => second.store.get('members', first.nodeId) !== undefined);
    expect(second.logs.some((l) => l['msg'] === 'snapshot' && l['kind'] === 'snapshot-imported')).toBe(true);
    await eventually('the second joiner was told its member list changed', () => toldOfFirst);
    unsubscribe();

    await eventually('the two joiners linked', () => linked(second, first) && linked(first, second));
  });

  it('shows a member whose dials keep failing with the coded reason in its status', async () => {
    await first.stop();
    await eventually('the dialing side reports why it cannot reach the member', () => {
      const status = second.mesh.peers().find((p) => p.nodeId === first.nodeId);
      return status?.connected === false && status.lastError?.code === 'NG_UNAVAILABLE' && /dial/.test(status.lastError.message);
    });
    const status = second.mesh.peers().find((p) => p.nodeId === first.nodeId)!;
    expect(status.lastError!.message).toMatch(/ECONNREFUSED/);
    expect(status.lastSeen).not.toBeNull();
  });
});
