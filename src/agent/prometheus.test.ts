import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, Registry } from './prometheus';

describe('the Prometheus exposition', () => {
  it('renders counters, gauges and cumulative histogram buckets in the text format', () => {
    const r = new Registry();
    r.add(new Counter('x_total', 'Things\ncounted')).inc(2);
    r.add(new Gauge('g', 'A gauge', () => 7));
    const h = r.add(new Histogram('d_seconds', 'Durations', [0.1, 1]));
    h.observe(0.05);
    h.observe(0.5);
    h.observe(3);
    expect(r.metrics()).toBe([
      '# HELP x_total Things\\ncounted', '# TYPE x_total counter', 'x_total 2', '',
      '# HELP g A gauge', '# TYPE g gauge', 'g 7', '',
      '# HELP d_seconds Durations', '# TYPE d_seconds histogram',
      'd_seconds_bucket{le="0.1"} 1', 'd_seconds_bucket{le="1"} 2', 'd_seconds_bucket{le="+Inf"} 3', 'd_seconds_sum 3.55', 'd_seconds_count 3', '',
    ].join('\n'));
  });
});
