// Backpressure for a link's sync messages, shared by member links and remote links: write while
// the socket keeps up, hold the rest until it drains, and drop everything when the link closes.

import type { SyncMessage } from '../../shared/wire/peer';

/** Stop writing while this much is queued in the socket; resume as it drains. */
export const HIGH_WATER_BYTES = 8 * 1024 * 1024;

export class SyncOutbox {
  private queue: SyncMessage[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** Bytes the socket still holds (read lazily: the link may swap its socket in). */
    private readonly bufferedAmount: () => number,
    private readonly write: (msg: SyncMessage) => void,
    private readonly isUp: () => boolean,
  ) {}

  send(messages: readonly SyncMessage[]): void {
    this.queue.push(...messages);
    this.drain();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
  }

  private drain(): void {
    while (this.queue.length > 0 && this.bufferedAmount() < HIGH_WATER_BYTES && this.isUp()) this.write(this.queue.shift()!);
    if (this.queue.length > 0 && !this.timer && this.isUp()) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.drain();
      }, 20);
    }
  }
}
