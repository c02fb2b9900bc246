// What the nginx renderer takes and gives back. Sites come from the replicated documents; options
// are decided by the agent that runs nginx (ports, paths, resolvers), never by a user.

import type { Domain } from '../../shared/schemas/domains';
import type { ProxyConfig } from '../../shared/schemas/proxy';

/** One domain as an agent serves it. */
export interface SiteInput {
  domainId: string;
  hostname: string;
  tls: Domain['tls'];
  wafEnabled: boolean;
  proxy: ProxyConfig | null;
  /** Where the agent wrote this domain's certificate chain and key, if it has them. */
  certificate?: { certPath: string; keyPath: string } | null;
}

export interface RenderOptions {
  /** Written into every file header, e.g. "netgoat 0.1.0". */
  generatorVersion: string;
  /** Address the site servers listen on; null listens on every IPv4 address. */
  listenAddress: string | null;
  httpPort: number;
  httpsPort: number;
  /** stub_status is served on 127.0.0.1 at this port, path /stub_status. */
  statusPort: number;
  /** Paths relative to the nginx prefix (or absolute). cacheDir must exist; each domain gets a subfolder nginx creates. */
  cacheDir: string;
  accessLogPath: string;
  errorLogPath: string;
  pidPath: string;
  /** DNS servers ("ip" or "ip:port") for upstreams given by hostname; without one, such pools are refused. */
  resolvers: string[];
  resolverTimeoutS: number;
  workerProcesses: number | 'auto';
}

export interface RenderedFile {
  /** Relative to the nginx prefix (which is also the configuration folder). */
  path: string;
  content: string;
}

export interface RenderError {
  domainId: string;
  /** Field path from the SiteInput, e.g. ['proxy', 'headers', 2, 'value']. */
  path: (string | number)[];
  code: 'NG_VALIDATION';
  message: string;
}

export type RenderResult = { ok: true; files: RenderedFile[] } | { ok: false; errors: RenderError[] };
