// The agent's own rendering choices, with production defaults, checked before any file is written:
// they are not user input, but they are emitted into nginx's language all the same.

import { NgError } from '../../shared/errors';
import { checkFilePath, checkInt, isIpv4, isIpv6 } from '../../shared/nginx-values';
import type { RenderOptions } from './types';

export const DEFAULT_RENDER_OPTIONS: RenderOptions = {
  generatorVersion: 'netgoat',
  listenAddress: null,
  httpPort: 80,
  httpsPort: 443,
  statusPort: 8089,
  cacheDir: 'cache',
  accessLogPath: 'logs/access.log',
  errorLogPath: 'logs/error.log',
  pidPath: 'nginx.pid',
  resolvers: [],
  resolverTimeoutS: 5,
  workerProcesses: 'auto',
};

const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,63}$/;

/** "ip", "ip:port" or "[ipv6]:port", as nginx's resolver directive takes them. */
function isResolverAddress(s: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(s);
  if (bracketed) return isIpv6(bracketed[1]!) && (bracketed[2] === undefined || Number(bracketed[2]) <= 65_535);
  if (isIpv4(s) || isIpv6(s)) return true;
  const v4port = /^([0-9.]+):(\d{1,5})$/.exec(s);
  return v4port !== null && isIpv4(v4port[1]!) && Number(v4port[2]) >= 1 && Number(v4port[2]) <= 65_535;
}

/** Throws NG_VALIDATION naming the first option that cannot be rendered. */
export function checkRenderOptions(opts: RenderOptions): void {
  const problems: [string, string | null][] = [
    ['generatorVersion', VERSION_RE.test(opts.generatorVersion) ? null : 'must be letters, digits, spaces and . _ + - (at most 64)'],
    ['listenAddress', opts.listenAddress === null || isIpv4(opts.listenAddress) || isIpv6(opts.listenAddress) ? null : 'must be an IP address or null'],
    ['httpPort', checkInt(opts.httpPort, 1, 65_535, 'httpPort')],
    ['httpsPort', checkInt(opts.httpsPort, 1, 65_535, 'httpsPort')],
    ['statusPort', checkInt(opts.statusPort, 1, 65_535, 'statusPort')],
    ['cacheDir', checkFilePath(opts.cacheDir, 'cacheDir')],
    ['accessLogPath', checkFilePath(opts.accessLogPath, 'accessLogPath')],
    ['errorLogPath', checkFilePath(opts.errorLogPath, 'errorLogPath')],
    ['pidPath', checkFilePath(opts.pidPath, 'pidPath')],
    ['resolvers', opts.resolvers.every(isResolverAddress) ? null : 'each resolver must be "ip", "ip:port" or "[ipv6]:port"'],
    ['resolverTimeoutS', checkInt(opts.resolverTimeoutS, 1, 60, 'resolverTimeoutS')],
    ['workerProcesses', opts.workerProcesses === 'auto' ? null : checkInt(opts.workerProcesses, 1, 256, 'workerProcesses')],
  ];
  const ports = new Set([opts.httpPort, opts.httpsPort, opts.statusPort]);
  if (ports.size !== 3) problems.push(['statusPort', 'httpPort, httpsPort and statusPort must differ']);
  for (const [field, problem] of problems) {
    if (problem) throw new NgError('NG_VALIDATION', `render option ${field}: ${problem}`, { path: ['options', field] });
  }
}

/** The `listen` address:port text for a site or default server. */
export function listenOn(opts: RenderOptions, port: number): string {
  if (opts.listenAddress === null) return String(port);
  return isIpv6(opts.listenAddress) ? `[${opts.listenAddress.toLowerCase()}]:${port}` : `${opts.listenAddress}:${port}`;
}

/** Folders that must exist before `nginx -t`: nginx creates files and the per-domain cache folders, not their parents. */
export function requiredDirectories(opts: RenderOptions): string[] {
  const parent = (p: string): string | null => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) || '/' : null);
  const dirs = [opts.cacheDir, parent(opts.accessLogPath), parent(opts.errorLogPath), parent(opts.pidPath), 'sites'];
  return [...new Set(dirs.filter((d): d is string => d !== null))].sort();
}
