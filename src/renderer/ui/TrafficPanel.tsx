// Traffic charts for a domain or an agent over the last hour or day: requests by status class,
// 502s, and latency percentiles, from telemetry.query; refreshed every 30 s while shown.
import { Card, Group, SegmentedControl, Stack, Text } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { api, toApiError, type ApiError } from '../api';
import { Empty } from './Empty';
import { ErrorAlert } from './ErrorAlert';
import { formatTime } from './format';
import { Loading } from './Loading';
import { trafficColumns, trafficTotals, type TrafficAnswer } from './traffic-columns';
import { UPlotChart, type ChartSeries } from './UPlotChart';

const RANGES = { '1h': 3_600_000, '24h': 86_400_000 } as const;
type Range = keyof typeof RANGES;
const REFRESH_MS = 30_000;

const STATUS_SERIES: ChartSeries[] = [
  { label: '2xx', color: '#2f9e44', fill: true },
  { label: '3xx', color: '#1c7ed6' },
  { label: '4xx', color: '#f08c00' },
  { label: '5xx', color: '#e03131' },
];
const BAD_GATEWAY_SERIES: ChartSeries[] = [{ label: '502', color: '#c2255c', fill: true }];
const LATENCY_SERIES: ChartSeries[] = [
  { label: 'p50', color: '#1c7ed6' },
  { label: 'p95', color: '#f08c00' },
  { label: 'p99', color: '#e03131' },
];

const bytesText = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`);

export function TrafficPanel({ teamId, domainId, agentId, emptyText }: { teamId: string; domainId?: string; agentId?: string; emptyText: string }) {
  const [range, setRange] = useState<Range>('1h');
  const [held, setHeld] = useState<{ key: string; data: TrafficAnswer; from: number; to: number } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  // An answer for other parameters (a domain or range just left) is not shown, not even briefly.
  const key = JSON.stringify([teamId, domainId, agentId, range]);
  const answer = held?.key === key ? held : null;

  useEffect(() => {
    let live = true;
    const load = async () => {
      const to = Date.now();
      const from = to - RANGES[range];
      try {
        const data = await api.call('telemetry.query', { teamId, from, to, ...(domainId ? { domainId } : {}), ...(agentId ? { agentId } : {}) });
        if (live) {
          setHeld({ key: JSON.stringify([teamId, domainId, agentId, range]), data, from, to });
          setError(null);
        }
      } catch (e) {
        if (live) setError(toApiError(e));
      }
    };
    void load();
    const timer = window.setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [teamId, domainId, agentId, range]);

  const cols = useMemo(() => (answer ? trafficColumns(answer.data, answer.from, answer.to) : null), [answer]);
  const statusYs = useMemo(() => (cols ? [cols.status2xx, cols.status3xx, cols.status4xx, cols.status5xx] : []), [cols]);
  const badYs = useMemo(() => (cols ? [cols.status502] : []), [cols]);
  const latencyYs = useMemo(() => (cols ? [cols.p50, cols.p95, cols.p99] : []), [cols]);
  const totals = answer ? trafficTotals(answer.data.points) : null;

  return (
    <Stack data-testid="traffic-panel">
      <Group justify="space-between">
        <SegmentedControl aria-label="Range" value={range} onChange={(v) => setRange(v as Range)} data={[{ value: '1h', label: 'Last hour' }, { value: '24h', label: 'Last 24 hours' }]} />
        {answer && <Text size="xs" c="dimmed">{answer.data.coveredUntil ? `Reported up to ${formatTime(answer.data.coveredUntil)}` : 'No agent has reported telemetry yet'}</Text>}
      </Group>
      <ErrorAlert error={error} />
      {!answer && !error && <Loading what="Loading traffic…" />}
      {answer && answer.data.points.length === 0 && <Empty title="No traffic reported yet">{emptyText}</Empty>}
      {answer && cols && totals && answer.data.points.length > 0 && (
        <>
          <Text size="sm" data-testid="traffic-totals">
            {totals.requests.toLocaleString()} requests · {totals.status5xx.toLocaleString()} 5xx ({totals.status502.toLocaleString()} of them 502) · {bytesText(totals.bytes)}
          </Text>
          <Card withBorder padding="md"><UPlotChart testId="chart-status" title="Requests by status class" unit="req" series={STATUS_SERIES} x={cols.x} ys={statusYs} /></Card>
          <Card withBorder padding="md"><UPlotChart testId="chart-502" title="502 Bad Gateway" unit="req" series={BAD_GATEWAY_SERIES} x={cols.x} ys={badYs} /></Card>
          <Card withBorder padding="md"><UPlotChart testId="chart-latency" title="Latency" unit="ms" series={LATENCY_SERIES} x={cols.x} ys={latencyYs} /></Card>
        </>
      )}
    </Stack>
  );
}
