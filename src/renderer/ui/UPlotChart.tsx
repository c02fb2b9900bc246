// One uPlot time chart that follows its container's width; re-drawn when its data changes.
import 'uplot/dist/uPlot.min.css';
import { Text } from '@mantine/core';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  color: string;
  /** Filled area under the line (stacked look for counts). */
  fill?: boolean;
}

export function UPlotChart({ title, series, x, ys, unit, testId }: {
  title: string;
  series: readonly ChartSeries[];
  x: number[];
  ys: (number | null)[][];
  unit: string;
  testId: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height: 200,
      series: [
        {},
        ...series.map((s) => ({
          label: s.label, stroke: s.color, width: 1.5, spanGaps: false, points: { show: false },
          ...(s.fill ? { fill: `${s.color}22` } : {}),
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${Math.round(v * 100) / 100} ${unit}`),
        })),
      ],
      axes: [{}, { label: unit, size: 56 }],
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    const plot = new uPlot(opts, [x, ...ys], el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(320, el.clientWidth), height: 200 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, x, ys, unit]);
  return (
    <div data-testid={testId}>
      <Text size="sm" fw={600} mb={4}>{title}</Text>
      <div ref={box} style={{ width: '100%' }} />
    </div>
  );
}
