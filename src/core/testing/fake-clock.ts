// A clock that moves only when a test says so. Timers scheduled on it run in due-time order
// (ties in scheduling order) as time is advanced, so a simulation is exactly repeatable.

export type TimerId = number;

interface Timer {
  id: TimerId;
  due: number;
  seq: number;
  fn: () => void;
}

export class FakeClock {
  private current: number;
  private nextId = 1;
  private seq = 0;
  private readonly timers = new Map<TimerId, Timer>();
  /** Min-heap on (due, seq); cancelled timers stay in it until they surface. */
  private readonly heap: Timer[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerId {
    const id = this.nextId++;
    const timer = { id, due: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.set(id, timer);
    this.push(timer);
    return id;
  }

  clearTimeout(id: TimerId | undefined): void {
    if (id !== undefined) this.timers.delete(id);
  }

  /** How many timers are waiting. */
  pending(): number {
    return this.timers.size;
  }

  /** Move time forward by `ms`, running every timer that falls due on the way, in order. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`FakeClock.advance: time cannot go backwards (ms=${ms})`);
    this.advanceTo(this.current + ms);
  }

  /** Move time forward to `target`; a timer scheduled by a running timer still runs if due by then. */
  advanceTo(target: number): void {
    if (target < this.current) throw new RangeError(`FakeClock.advanceTo: ${target} is before now (${this.current})`);
    for (;;) {
      const timer = this.earliest();
      if (!timer || timer.due > target) break;
      this.timers.delete(timer.id);
      this.current = Math.max(this.current, timer.due);
      timer.fn();
    }
    this.current = target;
  }

  private earliest(): Timer | undefined {
    for (;;) {
      const top = this.heap[0];
      if (!top || this.timers.get(top.id) === top) return top;
      this.pop();
    }
  }

  private before(a: Timer, b: Timer): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(h[i] as Timer, h[parent] as Timer)) break;
      [h[i], h[parent]] = [h[parent] as Timer, h[i] as Timer];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.before(h[l] as Timer, h[m] as Timer)) m = l;
      if (r < h.length && this.before(h[r] as Timer, h[m] as Timer)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m] as Timer, h[i] as Timer];
      i = m;
    }
  }
}
