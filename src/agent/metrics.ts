// The agent's Prometheus metrics, served on a local port at /metrics: its own series, plus the
// process's CPU time, memory and start time read at scrape time.

import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, PROMETHEUS_CONTENT_TYPE, Registry } from './prometheus';

const startTimeSeconds = Math.round(Date.now() / 1000 - process.uptime());

export class AgentMetrics {
  readonly registry = new Registry();
  readonly applies = this.registry.add(new Counter('netgoat_agent_applies_total', 'Desired states applied successfully'));
  readonly failures = this.registry.add(new Counter('netgoat_agent_apply_failures_total', 'Desired states refused or rolled back'));
  readonly applySeconds = this.registry.add(new Histogram('netgoat_agent_apply_seconds', 'Time to apply a desired state', [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]));
  readonly connected = this.registry.add(new Gauge('netgoat_agent_connected', '1 while linked to a node'));
  readonly appliedVersion = this.registry.add(new Gauge('netgoat_agent_applied_version', 'Version of the desired state nginx serves'));
  readonly desiredVersion = this.registry.add(new Gauge('netgoat_agent_desired_version', 'Latest desired version received from the node'));
  readonly domains = this.registry.add(new Gauge('netgoat_agent_domains', 'Domains in the applied state'));
  readonly nginxUp = this.registry.add(new Gauge('netgoat_agent_nginx_up', '1 when nginx answers stub_status'));
  private server: Server | null = null;

  constructor() {
    // The process series under the names Prometheus's own client libraries use.
    this.registry.add(new Counter('process_cpu_user_seconds_total', 'User CPU time spent in seconds', () => process.cpuUsage().user / 1e6));
    this.registry.add(new Counter('process_cpu_system_seconds_total', 'System CPU time spent in seconds', () => process.cpuUsage().system / 1e6));
    this.registry.add(new Counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds', () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    }));
    this.registry.add(new Gauge('process_resident_memory_bytes', 'Resident memory size in bytes', () => process.memoryUsage.rss()));
    this.registry.add(new Gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds', () => startTimeSeconds));
    this.registry.add(new Gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes', () => process.memoryUsage().heapUsed));
  }

  /** Serves /metrics on host:port (loopback by default); resolves to the bound port. */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(this.registry.metrics());
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : port);
      });
    });
  }

  close(): Promise<void> {
    const s = this.server;
    this.server = null;
    return s ? new Promise((r) => s.close(() => r())) : Promise.resolve();
  }
}
