// How a link stays alive and keeps its peer honest, shared by member links and remote links: a
// heartbeat that also notices a peer gone silent, and strikes that drop a bad message with a coded
// reason until too many cut the peer off. Each link records and logs through its own hooks, so its
// status fields and log text stay its own.

import type { ErrorCode } from '../../shared/errors';
import type { SyncEvent } from '../../core/sync/session';
import { PEER_WIRE_VERSION, type LinkHeartbeatMessage, type PeerErrorMessage } from '../../shared/wire/peer';
import { strikeFor } from './sync-strikes';

export const HEARTBEAT_MS = 1000;
/** A link that hears nothing (not even a heartbeat) for this long is closed. */
export const SILENCE_LIMIT_MS = 10_000;
/** Bad messages tolerated per link before it is closed and the peer backed off. */
export const MAX_STRIKES = 5;

/** WebSocket close codes a peer link uses, so the other end can tell why. */
export const CLOSE = { normal: 1000, unauthenticated: 4001, revoked: 4003, abuse: 4008, duplicate: 4009, silent: 4010 } as const;

export interface LivenessHooks {
  write(msg: LinkHeartbeatMessage | PeerErrorMessage): void;
  /** Record and log one dropped message, `strikes` counting it. */
  dropped(code: ErrorCode, message: string, strikes: number): void;
  fail(code: ErrorCode, message: string, closeCode: number, tell: boolean): void;
}

export class LinkLiveness {
  private strikes = 0;
  private heardAt = Date.now();

  constructor(private readonly hooks: LivenessHooks) {}

  /** When the peer last sent a frame of any kind. */
  get lastHeard(): number {
    return this.heardAt;
  }

  /** A frame arrived: the peer is alive, whatever the frame holds. Null when it is not a JSON text message. */
  heard(data: Buffer, isBinary: boolean): { value: unknown } | null {
    this.heardAt = Date.now();
    if (isBinary) return null;
    try {
      return { value: JSON.parse(data.toString('utf8')) };
    } catch {
      return null;
    }
  }

  /** Once every HEARTBEAT_MS: tell the peer this end is alive, or close a link gone silent. */
  beat(): void {
    if (Date.now() - this.heardAt > SILENCE_LIMIT_MS) return this.hooks.fail('NG_UNAVAILABLE', `nothing heard for ${SILENCE_LIMIT_MS} ms`, CLOSE.silent, false);
    this.hooks.write({ type: 'heartbeat', v: PEER_WIRE_VERSION, sentAt: Date.now() });
  }

  /** Drop one bad message with a coded reason; too many and the peer is cut off. */
  strike(code: ErrorCode, message: string): void {
    this.strikes++;
    this.hooks.dropped(code, message, this.strikes);
    if (this.strikes >= MAX_STRIKES) return this.hooks.fail(code, `${this.strikes} bad messages; disconnecting`, CLOSE.abuse, true);
    this.hooks.write({ type: 'error', v: PEER_WIRE_VERSION, code, message: message.slice(0, 500) });
  }

  /** A sync event that counts against the peer (sync-strikes.ts) is a strike. */
  judge(e: SyncEvent): void {
    const strike = strikeFor(e);
    if (strike) this.strike(strike.code, strike.message);
  }
}
