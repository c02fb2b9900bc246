// The one hook for leader-only work (remote-peer links now; MongoDB source and alerts later): each
// duty is started while this node leads and stopped when it loses leadership or closes.

import type { Logger } from '../log';

/** Stops a duty; may be async. */
export type StopDuty = () => void | Promise<void>;
/** Starts a duty for leadership of `term`; returns how to stop it. */
export type StartDuty = (term: number) => StopDuty | Promise<StopDuty>;

interface Duty {
  name: string;
  start: StartDuty;
  /** Set while running: resolves to the stop function (or null if starting failed). */
  running: Promise<StopDuty | null> | null;
}

export class LeaderDuties {
  private readonly duties = new Map<string, Duty>();
  private leadingTerm: number | null = null;
  /** Starts and stops run one after another, so a quick lose/regain never overlaps two runs of a duty. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly log: Logger) {}

  /** Registers a duty; it starts at once if this node leads now. Returns a function that unregisters (and stops) it. */
  register(name: string, start: StartDuty): () => Promise<void> {
    if (this.duties.has(name)) throw new Error(`leader duty ${name} is registered twice`);
    const duty: Duty = { name, start, running: null };
    this.duties.set(name, duty);
    const term = this.leadingTerm;
    if (term !== null) void this.enqueue(() => this.startOne(duty, term));
    return () => {
      this.duties.delete(name);
      return this.enqueue(() => this.stopOne(duty));
    };
  }

  /** Names of the duties running now. */
  running(): string[] {
    return [...this.duties.values()].filter((d) => d.running !== null).map((d) => d.name);
  }

  leading(): boolean {
    return this.leadingTerm !== null;
  }

  /** This node became leader of `term`: start every duty. */
  becameLeader(term: number): Promise<void> {
    if (this.closed) return this.queue;
    this.leadingTerm = term;
    return this.enqueue(async () => {
      await Promise.all([...this.duties.values()].map((d) => this.startOne(d, term)));
    });
  }

  /** This node is no longer leader: stop every duty. */
  lostLeadership(): Promise<void> {
    this.leadingTerm = null;
    return this.enqueue(() => this.stopAll());
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.lostLeadership();
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(job, job);
    return this.queue;
  }

  private async stopAll(): Promise<void> {
    await Promise.all([...this.duties.values()].map((d) => this.stopOne(d)));
  }

  private async startOne(duty: Duty, term: number): Promise<void> {
    if (duty.running) return;
    const attempt = (async () => {
      try {
        const stop = await duty.start(term);
        this.log.info({ duty: duty.name, term }, 'leader duty started');
        return stop;
      } catch (e) {
        // One broken duty must not keep the others from running.
        this.log.error({ err: e, duty: duty.name, term }, 'leader duty failed to start');
        return null;
      }
    })();
    duty.running = attempt;
    // A duty that failed to start is not running; the next leadership tries it again.
    if ((await attempt) === null && duty.running === attempt) duty.running = null;
  }

  private async stopOne(duty: Duty): Promise<void> {
    const running = duty.running;
    if (!running) return;
    duty.running = null;
    const stop = await running;
    if (!stop) return;
    try {
      await stop();
      this.log.info({ duty: duty.name }, 'leader duty stopped');
    } catch (e) {
      this.log.error({ err: e, duty: duty.name }, 'leader duty failed to stop');
    }
  }
}
