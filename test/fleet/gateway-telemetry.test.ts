// Telemetry over the agent link, node side, through a real socket: a batch after hello is stored
// and acknowledged; a malformed one is refused with a coded telemetry_ack and the session lives on;
// a batch before hello ends the connection; a node without telemetry storage says NG_UNAVAILABLE.

import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_WIRE_VERSION } from '../../src/shared/wire/agent';
import type { TelemetryBatch, TelemetryBucket } from '../../src/shared/wire/telemetry';
import { TelemetryIngest } from '../../src/main/telemetry/telemetry-ingest';
import { TelemetryStore } from '../../src/main/telemetry/telemetry-store';
import { bodyOf, connectRaw, startTestNode, TEAM, type RawClient, type TestNode } from '../agent/support';

let node: TestNode | null = null;
let stored: TelemetryStore | null = null;
afterEach(async () => {
  await node?.cleanup();
  node = null;
  stored = null;
});

async function linked(withTelemetry: boolean): Promise<{ c: RawClient; key: { kid: string; secret: string }; agentId: string }> {
  node = await startTestNode(withTelemetry ? {
    telemetry: (store) => {
      stored = new TelemetryStore(store.db);
      return new TelemetryIngest({ store: stored });
    },
  } : {});
  const { token } = node.gateway.createEnrollmentToken({ teamId: TEAM, name: 'edge', labels: ['edge'], createdBy: 'usr_admin' });
  const e = await connectRaw(node.url);
  e.ws.send(JSON.stringify({ type: 'enroll', v: AGENT_WIRE_VERSION, token, hostname: 'edge-1' }));
  const r = await e.next();
  const key = { kid: r.kid as string, secret: r.key as string };
  const c = await connectRaw(node.url);
  c.sendSigned(key, { type: 'hello', agentId: r.agentId, appliedVersion: 0, appliedChecksum: '', agentVersion: 'test' });
  await c.next((f) => bodyOf(f).type === 'full');
  return { c, key, agentId: r.agentId as string };
}

const slot = Math.floor(Date.now() / 1000) * 1000 - 10_000;
const bucket = (over: Partial<TelemetryBucket> = {}): TelemetryBucket => ({
  domainId: 'dom_shop', start: slot, lengthMs: 1000, requests: 2, status2xx: 1, status3xx: 0, status4xx: 0, status5xx: 1, status502: 1,
  bytes: 120, p50Ms: 3, p95Ms: 9, p99Ms: 9, latency: [[10, 2]], configVersion: 1, ...over,
});
const batch = (batchId: string, buckets: TelemetryBucket[]): TelemetryBatch => ({
  type: 'telemetry', batchId, coveredUntil: slot + 1000, buckets, counters: { malformedLines: 0, lateLines: 0, probeLines: 0, droppedBuckets: 0 },
});
const ackFor = (c: RawClient, batchId: string) => c.next((f) => bodyOf(f).type === 'telemetry_ack' && bodyOf(f).batchId === batchId).then(bodyOf);

describe('telemetry frames on the agent link', () => {
  it('stores a batch and acknowledges it; refuses a malformed one with a code and keeps the session', async () => {
    const { c, key, agentId } = await linked(true);
    c.sendSigned(key, batch('tb-1-1', [bucket()]));
    expect(await ackFor(c, 'tb-1-1')).toEqual({ type: 'telemetry_ack', batchId: 'tb-1-1', ok: true, code: null, message: null });
    const held = stored!.query({ teamId: TEAM, from: 0, to: Date.now(), resolution: 'base' });
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ agentId, domainId: 'dom_shop', status502: 1 });

    c.sendSigned(key, batch('tb-2-2', [bucket({ status502: 5 })]));
    expect(await ackFor(c, 'tb-2-2')).toMatchObject({ ok: false, code: 'NG_BAD_MESSAGE' });

    // A resend of the first batch is a duplicate: acknowledged, stored once.
    c.sendSigned(key, batch('tb-1-1b', [bucket()]));
    expect(await ackFor(c, 'tb-1-1b')).toMatchObject({ ok: true });
    expect(stored!.query({ teamId: TEAM, from: 0, to: Date.now(), resolution: 'base' })).toHaveLength(1);
    expect(node!.gateway.isConnected(agentId)).toBe(true);
  });

  it('refuses telemetry before hello and closes the connection', async () => {
    const { key } = await linked(true);
    const fresh = await connectRaw(node!.url);
    fresh.sendSigned(key, batch('tb-9-9', [bucket()]));
    const closed = await fresh.closed;
    expect(closed.code).toBe(4000);
    expect(stored!.query({ teamId: TEAM, from: 0, to: Date.now(), resolution: 'base' })).toHaveLength(0);
  });

  it('a node without telemetry storage answers NG_UNAVAILABLE, which the agent retries later', async () => {
    const { c, key } = await linked(false);
    c.sendSigned(key, batch('tb-1-1', [bucket()]));
    expect(await ackFor(c, 'tb-1-1')).toMatchObject({ ok: false, code: 'NG_UNAVAILABLE' });
  });
});
