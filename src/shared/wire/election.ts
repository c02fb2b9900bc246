// Election messages on the peer link (bully algorithm with terms). Every message carries the
// sender's highest term seen, so a node that is behind learns the newer term from any of them.

import { z } from 'zod';
import { id } from '../schemas/common';

export const ELECTION_WIRE_VERSION = 1;

const term = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const base = { v: z.literal(ELECTION_WIRE_VERSION), term };

/** The leader is alive: sent to every peer each heartbeat interval. */
export const heartbeatMessage = z.strictObject({ type: z.literal('heartbeat'), ...base, leaderId: id });
/** A follower's answer to its leader's heartbeat, so the leader knows who is alive to hand over to. */
export const heartbeatAckMessage = z.strictObject({ type: z.literal('heartbeat-ack'), ...base });
/** "The leader is gone; anyone above me alive?" — sent to the higher-priority peers. */
export const electionMessage = z.strictObject({ type: z.literal('election'), ...base });
/** "I am above you and alive; I take the election from here." */
export const aliveMessage = z.strictObject({ type: z.literal('alive'), ...base });
/** "I lead `term`." Sent by a node the moment it claims a term. */
export const coordinatorMessage = z.strictObject({ type: z.literal('coordinator'), ...base, leaderId: id });
/** A leader that quits names its successor so the cluster need not wait to suspect it. */
export const handoverMessage = z.strictObject({ type: z.literal('handover'), ...base, leaderId: id, successorId: id });

export const electionWireMessage = z.discriminatedUnion('type', [
  heartbeatMessage,
  heartbeatAckMessage,
  electionMessage,
  aliveMessage,
  coordinatorMessage,
  handoverMessage,
]);

export type HeartbeatMessage = z.infer<typeof heartbeatMessage>;
export type HeartbeatAckMessage = z.infer<typeof heartbeatAckMessage>;
export type ElectionMessage = z.infer<typeof electionMessage>;
export type AliveMessage = z.infer<typeof aliveMessage>;
export type CoordinatorMessage = z.infer<typeof coordinatorMessage>;
export type HandoverMessage = z.infer<typeof handoverMessage>;
export type ElectionWireMessage = z.infer<typeof electionWireMessage>;
