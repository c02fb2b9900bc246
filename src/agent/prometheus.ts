// The few Prometheus metric kinds the agent exposes (counter, gauge, histogram) and their text
// exposition format (version 0.0.4). Written here rather than taken from prom-client: that library
// brings cluster, perf_hooks and an event-loop histogram into every idle agent (about 1.3 MB of
// memory) for a dozen series.

import { monotonicMs } from './monotonic';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Metric {
  /** Lines of the exposition: HELP, TYPE and the samples. */
  render(): string;
}

const header = (name: string, help: string, type: string): string => `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
const num = (v: number): string => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));

export class Registry {
  private readonly all: Metric[] = [];

  add<T extends Metric>(metric: T): T {
    this.all.push(metric);
    return metric;
  }

  metrics(): string {
    return this.all.map((m) => m.render()).join('\n');
  }
}

/** A metric of one sample: a value kept here, or read at scrape time (`read`). */
abstract class SingleSample implements Metric {
  protected value = 0;
  constructor(private readonly name: string, private readonly help: string, private readonly type: string, private readonly read?: () => number) {}

  render(): string {
    return `${header(this.name, this.help, this.type)}${this.name} ${num(this.read ? this.read() : this.value)}\n`;
  }
}

/** A counter counting, or reading a total kept elsewhere. */
export class Counter extends SingleSample {
  constructor(name: string, help: string, read?: () => number) {
    super(name, help, 'counter', read);
  }

  inc(by = 1): void {
    this.value += by;
  }
}

/** A gauge holding a value, or reading one. */
export class Gauge extends SingleSample {
  constructor(name: string, help: string, read?: () => number) {
    super(name, help, 'gauge', read);
  }

  set(value: number): void {
    this.value = value;
  }
}

export class Histogram implements Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(private readonly name: string, private readonly help: string, private readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** Starts timing; calling the returned function observes the seconds elapsed. */
  startTimer(): () => void {
    const start = monotonicMs();
    return () => this.observe((monotonicMs() - start) / 1000);
  }

  render(): string {
    const lines = this.buckets.map((le, i) => `${this.name}_bucket{le="${num(le)}"} ${this.counts[i]}`);
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${num(this.sum)}`, `${this.name}_count ${this.count}`);
    return `${header(this.name, this.help, 'histogram')}${lines.join('\n')}\n`;
  }
}
