// Election timings in one place. The simulation tests hold the failover bounds of docs/election.md
// (crash → new leader agreed < 1.5 s, graceful quit → < 300 ms) for exactly these values.

export interface ElectionTimings {
  /** A leader sends a heartbeat this often. */
  heartbeatIntervalMs: number;
  /** A follower that has not heard its leader for this long suspects it and starts an election. */
  suspectAfterMs: number;
  /** A candidate that gets no "alive" from any higher-priority peer within this claims the term. */
  answerTimeoutMs: number;
  /** After an "alive", how long to wait for the higher node's "coordinator" before trying again. */
  coordinatorTimeoutMs: number;
  /** After a handover names someone else, how long to wait for its "coordinator" before electing. */
  handoverTimeoutMs: number;
  /** A node that outranks its leader follows it this long, with no membership or leader change, before challenging. */
  holdDownMs: number;
}

export const ELECTION_TIMINGS: Readonly<ElectionTimings> = Object.freeze({
  heartbeatIntervalMs: 200,
  suspectAfterMs: 900,
  answerTimeoutMs: 100,
  coordinatorTimeoutMs: 400,
  handoverTimeoutMs: 250,
  holdDownMs: 3000,
});
