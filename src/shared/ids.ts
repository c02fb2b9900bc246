// Ids. Unique things get ids derived from what makes them unique, so two nodes creating the same
// domain concurrently produce the same id and their writes merge instead of duplicating.

import { sha256Hex } from './sha256';

const MAX_ID_CHARS = 64;

/**
 * Whether s[from..] is an id: [a-z0-9][a-z0-9_-]{0,63}. Node ids share the grammar, and so does the
 * tail of every timestamp (shared/hlc.ts). A char-code scan, not a regular expression: received ops
 * are checked by the hundred thousand when a replica catches up, and this allocates nothing.
 */
export function isIdAt(s: string, from: number): boolean {
  const length = s.length - from;
  if (length < 1 || length > MAX_ID_CHARS) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const alnum = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (!alnum && (i === from || (c !== 95 && c !== 45))) return false;
  }
  return true;
}

export const isValidId = (s: string): boolean => isIdAt(s, 0);

/** A random id (128 bits, hex) for things with no natural key. */
export function randomId(prefix = ''): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** An id derived from a natural key: equal keys give equal ids on every node. */
export const derivedId = (kind: string, ...parts: string[]): string => `${kind}_${sha256Hex([kind, ...parts].join('\u0000')).slice(0, 32)}`;

export const domainId = (teamId: string, asciiHostname: string): string => derivedId('dom', teamId, asciiHostname.toLowerCase());
export const membershipId = (userId: string, teamId: string): string => derivedId('mem', userId, teamId);
export const userIdForEmail = (email: string): string => derivedId('usr', email.trim().toLowerCase());
/** One proxy config per domain: it shares the domain's id. */
export const proxyConfigId = (domainIdValue: string): string => domainIdValue;
