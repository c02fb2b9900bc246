// The agent port as the node's JSON config file gives it (`"agentPort": 7382`), for nodes started
// with `netgoat serve --config FILE`; the `--agent-port` flag wins over it. Other keys of the file
// belong to other parts of the node and are left alone here.

import { readFileSync } from 'node:fs';
import { NgError } from '../../shared/errors';

export function readAgentPortConfig(path: string): number | undefined {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new NgError('NG_VALIDATION', `config file ${path} is not readable JSON: ${(e as Error).message}`, { path: [path] });
  }
  const port = typeof config === 'object' && config !== null ? (config as Record<string, unknown>)['agentPort'] : undefined;
  if (port === undefined) return undefined;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new NgError('NG_VALIDATION', `config file ${path}: agentPort must be a port number 0..65535 (got ${JSON.stringify(port)})`, { path: ['agentPort'] });
  }
  return port;
}
