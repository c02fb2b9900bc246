// The shipper's rules with a stand-in outbox: config work first, one batch in flight, acks and
// refusals, and a rewind on reconnect.

import { describe, expect, it } from 'vitest';
import type { TelemetryBatch } from '../shared/wire/telemetry';
import { TelemetryShipper } from './telemetry-shipper';

function outbox(n: number) {
  let next = 1;
  const log: string[] = [];
  return {
    log,
    drainBatch: (): TelemetryBatch | null => {
      if (next > n) return null;
      const id = `tb-${next}-${next}`;
      next++;
      log.push(`drain ${id}`);
      return { type: 'telemetry', batchId: id, coveredUntil: 0, buckets: [], counters: { malformedLines: 0, lateLines: 0, probeLines: 0, droppedBuckets: 0 } };
    },
    ack: (id: string) => void log.push(`ack ${id}`),
    rewind: () => {
      log.push('rewind');
      next = 1;
    },
  };
}

function rig(n: number) {
  const box = outbox(n);
  const sent: string[] = [];
  const state = { busy: false, buffered: 0, linked: true };
  const shipper = new TelemetryShipper({
    telemetry: box, busy: () => state.busy, bufferedAmount: () => state.buffered,
    send: (b) => (state.linked ? (sent.push(b.batchId), true) : false),
  });
  return { box, sent, state, shipper };
}

describe('TelemetryShipper', () => {
  it('waits while a config push is in hand or the socket is backed up, and keeps one batch in flight', () => {
    const { sent, state, shipper } = rig(3);
    state.busy = true;
    shipper.pump();
    state.busy = false;
    state.buffered = 1 << 20;
    shipper.pump();
    expect(sent).toEqual([]);
    state.buffered = 0;
    shipper.pump();
    shipper.pump();
    expect(sent).toEqual(['tb-1-1']);
  });

  it('an ok ack releases the batch and sends the next; a final refusal drops it; a retryable one keeps it', () => {
    const { box, sent, shipper } = rig(3);
    shipper.pump();
    shipper.onAck({ type: 'telemetry_ack', batchId: 'tb-1-1', ok: true, code: null, message: null });
    expect(sent).toEqual(['tb-1-1', 'tb-2-2']);
    shipper.onAck({ type: 'telemetry_ack', batchId: 'tb-2-2', ok: false, code: 'NG_BAD_MESSAGE', message: 'bad' });
    expect(box.log).toContain('ack tb-2-2');
    shipper.pump();
    shipper.onAck({ type: 'telemetry_ack', batchId: 'tb-3-3', ok: false, code: 'NG_RATE_LIMITED', message: 'slow down' });
    expect(box.log).not.toContain('ack tb-3-3');
    expect(box.log.at(-1)).toBe('rewind');
    // Held back for a while after a retryable refusal.
    shipper.pump();
    expect(sent).toEqual(['tb-1-1', 'tb-2-2', 'tb-3-3']);
  });

  it('ignores an ack for another batch, and rewinds on a new session', () => {
    const { box, sent, shipper } = rig(2);
    shipper.pump();
    shipper.onAck({ type: 'telemetry_ack', batchId: 'tb-9-9', ok: true, code: null, message: null });
    expect(box.log).not.toContain('ack tb-9-9');
    shipper.onConnected();
    shipper.pump();
    expect(sent).toEqual(['tb-1-1', 'tb-1-1']);
  });

  it('without a session the drained batch is handed back', () => {
    const { box, state, shipper } = rig(1);
    state.linked = false;
    shipper.pump();
    expect(box.log).toEqual(['drain tb-1-1', 'rewind']);
  });
});
