// One thing at a time: applies, rollbacks, drift checks and watchdog restarts all touch the same
// tree and the same master, so they queue behind each other.

export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
