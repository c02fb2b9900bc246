// Host numbers sent with every heartbeat.

import { freemem, loadavg, totalmem, uptime } from 'node:os';
import type { HostMetrics } from '../shared/wire/agent';

const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);

export function hostMetrics(): HostMetrics {
  const [a, b, c] = loadavg();
  return { loadavg: [a ?? 0, b ?? 0, c ?? 0], memTotalMb: mb(totalmem()), memFreeMb: mb(freemem()), uptimeS: Math.round(uptime()) };
}
