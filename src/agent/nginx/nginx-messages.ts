// Reads nginx's complaints: keeps the [emerg]/[alert] lines verbatim and finds the file, line and
// domain they point at (`... in /x/gen-7/sites/<domainId>.conf:12`).

import { relative, sep } from 'node:path';

const SERIOUS = /\[(emerg|alert)\]/;
const LOCATION = / in (\S+):(\d+)\s*$/;

/** The lines of nginx output that say why it refused or failed, in order. */
export function seriousLines(text: string): string[] {
  return text.split('\n').map((l) => l.trimEnd()).filter((l) => SERIOUS.test(l));
}

export interface Blame {
  file?: string;
  line?: number;
  domainId?: string;
}

/**
 * Where the first located line points, as a path relative to one of the given tree roots
 * (staged or live), and the domain whose site file that is.
 */
export function blame(lines: readonly string[], treeRoots: readonly string[], domains: readonly string[]): Blame {
  for (const l of lines) {
    const m = LOCATION.exec(l);
    if (!m) continue;
    const abs = m[1]!;
    const root = treeRoots.find((r) => abs.startsWith(r.endsWith(sep) ? r : r + sep));
    const file = root ? relative(root, abs).split(sep).join('/') : abs;
    const site = /(?:^|\/)sites\/([^/]+)\.conf$/.exec(file);
    const id = site?.[1];
    return { file, line: Number(m[2]), ...(id !== undefined && (domains.length === 0 || domains.includes(id)) ? { domainId: id } : {}) };
  }
  return {};
}
