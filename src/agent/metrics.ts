// The agent's Prometheus metrics (prom-client), served on a local port at /metrics.

import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class AgentMetrics {
  readonly registry = new Registry();
  readonly applies = new Counter({ name: 'netgoat_agent_applies_total', help: 'Desired states applied successfully', registers: [this.registry] });
  readonly failures = new Counter({ name: 'netgoat_agent_apply_failures_total', help: 'Desired states refused or rolled back', registers: [this.registry] });
  readonly applySeconds = new Histogram({ name: 'netgoat_agent_apply_seconds', help: 'Time to apply a desired state', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry] });
  readonly connected = new Gauge({ name: 'netgoat_agent_connected', help: '1 while linked to a node', registers: [this.registry] });
  readonly appliedVersion = new Gauge({ name: 'netgoat_agent_applied_version', help: 'Version of the desired state nginx serves', registers: [this.registry] });
  readonly desiredVersion = new Gauge({ name: 'netgoat_agent_desired_version', help: 'Latest desired version received from the node', registers: [this.registry] });
  readonly domains = new Gauge({ name: 'netgoat_agent_domains', help: 'Domains in the applied state', registers: [this.registry] });
  readonly nginxUp = new Gauge({ name: 'netgoat_agent_nginx_up', help: '1 when nginx answers stub_status', registers: [this.registry] });
  private server: Server | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Serves /metrics on host:port (loopback by default); resolves to the bound port. */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
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
