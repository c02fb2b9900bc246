// Which user values may reach nginx's configuration language: strict whitelists for everything
// that is not free text. Shared so the API refuses a bad value when it is typed, with the same
// words the nginx renderer (the final authority, in core) uses when it re-checks before emitting.
// Each check returns a reason naming the field, or null.

import { normalizeHostname } from './hostname';

/** The first character that is not printable ASCII: a C0 control (NUL, tab, CR, LF...), DEL, or anything past U+007E. */
function firstUnprintable(value: string): string | null {
  for (const c of value) {
    const code = c.codePointAt(0)!;
    if (code < 0x20 || code > 0x7e) return c;
  }
  return null;
}

export const MAX_PATH = 512;
export const MAX_PATTERN = 512;
export const MAX_HEADER_VALUE = 1024;

function describeChar(c: string): string {
  const code = c.codePointAt(0)!;
  const hex = `U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
  if (code < 0x20 || code === 0x7f) return `control character ${hex}`;
  return code > 0x7e ? hex : `"${c}"`;
}

/** Refuses the characters no rendered value may ever carry, with the first offender named. */
function refusePrintableAsciiOnly(value: string, what: string): string | null {
  const c = firstUnprintable(value);
  if (c === null) return null;
  const code = c.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f) return `${what} contains a ${describeChar(c)}; newlines, tabs, NUL and other control characters are not allowed`;
  return `${what} contains the non-ASCII character ${describeChar(c)}; only printable ASCII is allowed`;
}

function refuseLength(value: string, max: number, what: string): string | null {
  if (value.length === 0) return `${what} is empty`;
  if (value.length > max) return `${what} is ${value.length} characters long; at most ${max} are allowed`;
  return null;
}

export const notAString = (value: unknown, what: string): string | null => (typeof value === 'string' ? null : `${what} must be a string`);

/** An integer within bounds; numbers reach nginx unquoted, so a float or NaN must not slip through. */
export function checkInt(value: unknown, min: number, max: number, what: string): string | null {
  if (typeof value !== 'number' || !Number.isInteger(value)) return `${what} must be a whole number`;
  if (value < min || value > max) return `${what} must be between ${min} and ${max}`;
  return null;
}

export function checkOneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): string | null {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? null : `${what} must be one of ${allowed.join(', ')}`;
}

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEXTET_RE = /^[0-9a-f]{1,4}$/;

export const isIpv4 = (s: string): boolean => IPV4_RE.test(s);

/** Strict IPv6 text form (RFC 4291 §2.2), lower or upper case, optional trailing dotted IPv4, no zone id. */
export function isIpv6(s: string): boolean {
  if (s.length > 45 || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  const lower = s.toLowerCase();
  const halves = lower.split('::');
  if (halves.length > 2) return false;
  const groups = (part: string): string[] | null => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return false;
  const all = [...head, ...tail];
  let count = 0;
  for (const [i, g] of all.entries()) {
    if (i === all.length - 1 && g.includes('.')) {
      if (!isIpv4(g)) return false;
      count += 2;
    } else if (HEXTET_RE.test(g)) {
      count += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? count <= 7 : count === 8;
}

export const isIpLiteral = (s: string): boolean => isIpv4(s) || isIpv6(s);

/** An address or CIDR block for `geo`; returns the canonical text or a reason. */
export function checkCidr(value: string, what: string): { ok: true; text: string } | { ok: false; reason: string } {
  const bad = refuseLength(value, 64, what) ?? refusePrintableAsciiOnly(value, what);
  if (bad) return { ok: false, reason: bad };
  const [addr, bits, extra] = value.split('/');
  if (extra !== undefined || addr === undefined) return { ok: false, reason: `${what} must be an IP address or a CIDR block like 10.0.0.0/8` };
  const v4 = isIpv4(addr);
  if (!v4 && !isIpv6(addr)) return { ok: false, reason: `${what} "${value.slice(0, 64)}" is not an IP address or CIDR block` };
  if (bits !== undefined) {
    const max = v4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return { ok: false, reason: `${what} has a prefix length outside 0-${max}` };
    return { ok: true, text: `${v4 ? addr : addr.toLowerCase()}/${Number(bits)}` };
  }
  return { ok: true, text: v4 ? addr : addr.toLowerCase() };
}

/** An upstream host: an IP literal, or a canonical ASCII hostname (what normalizeHostname returns). */
export function checkUpstreamHost(value: string, what: string): { ok: true; kind: 'ip' | 'name'; text: string } | { ok: false; reason: string } {
  const bad = refuseLength(value, 253, what) ?? refusePrintableAsciiOnly(value, what);
  if (bad) return { ok: false, reason: bad };
  if (isIpv4(value)) return { ok: true, kind: 'ip', text: value };
  if (isIpv6(value)) return { ok: true, kind: 'ip', text: `[${value.toLowerCase()}]` };
  const host = checkHostname(value, what);
  return host ? { ok: false, reason: host } : { ok: true, kind: 'name', text: value };
}

/** A hostname as stored: already canonical (lower-case ASCII, punycode), so it renders as typed. */
export function checkHostname(value: string, what: string): string | null {
  const bad = refuseLength(value, 253, what) ?? refusePrintableAsciiOnly(value, what);
  if (bad) return bad;
  const r = normalizeHostname(value);
  if (!r.ok) return `${what}: ${r.reason}`;
  if (r.hostname !== value) return `${what} must be in canonical form ("${r.hostname}")`;
  return null;
}

/** URL paths for routes and WAF path rules: nothing nginx reads specially; the renderer bracket-escapes the PCRE metas left. */
export function checkUrlPath(value: string, what: string): string | null {
  const bad = refuseLength(value, MAX_PATH, what) ?? refusePrintableAsciiOnly(value, what);
  if (bad) return bad;
  if (!value.startsWith('/')) return `${what} must start with "/"`;
  const m = /[^A-Za-z0-9._~!*'()@,:+=&%/-]/.exec(value);
  if (m) return `${what} contains ${describeChar(m[0])}; paths may use letters, digits and - . _ ~ ! * ' ( ) @ , : + = & % /`;
  return null;
}

/** Characters refused in substring patterns: nginx string/variable syntax and the one PCRE meta ("^") that cannot be put in a bracket class safely. */
const PATTERN_FORBIDDEN_RE = /["\\$;{}^`]/;

/** A substring pattern for user-agent/header WAF rules: printable ASCII without nginx syntax characters. */
export function checkPattern(value: string, what: string): string | null {
  const bad = refuseLength(value, MAX_PATTERN, what) ?? refusePrintableAsciiOnly(value, what);
  if (bad) return bad;
  const m = PATTERN_FORBIDDEN_RE.exec(value);
  if (m) return `${what} contains ${describeChar(m[0])}; patterns may not contain " \\ $ ; { } ^ or \``;
  return null;
}

const HEADER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

export function checkHeaderName(value: string, what: string): string | null {
  const bad = refuseLength(value, 64, what) ?? refusePrintableAsciiOnly(value, what);
  if (bad) return bad;
  return HEADER_NAME_RE.test(value) ? null : `${what} must be letters, digits and "-" (at most 64), like X-Frame-Options`;
}

/**
 * Response header values are free text (HSTS and CSP need ";" and quotes), so they are not
 * whitelisted but quoted: printable ASCII only, then quoteString with "$" neutralised.
 */
export function checkHeaderValue(value: string, what: string): string | null {
  if (value.length > MAX_HEADER_VALUE) return `${what} is ${value.length} characters long; at most ${MAX_HEADER_VALUE} are allowed`;
  return refusePrintableAsciiOnly(value, what);
}

const METHOD_RE = /^[A-Z]{1,20}$/;
export const checkMethod = (value: string, what: string): string | null =>
  METHOD_RE.test(value) ? null : `${what} must be an HTTP method in upper case, like GET or POST`;

/** Names of pools and WAF rules (they end up inside nginx identifiers and log values). */
const NAME_RE = /^[a-z0-9][a-z0-9_-]{0,39}$/;
export const checkName = (value: string, what: string): string | null =>
  NAME_RE.test(value) ? null : `${what} must be lower-case letters, digits, "_" or "-" (at most 40), starting with a letter or digit`;

/** Paths the agent chooses (certificates, logs, cache): absolute or prefix-relative, plain characters only. */
const FILE_PATH_RE = /^[A-Za-z0-9._/-]{1,1024}$/;
export const checkFilePath = (value: string, what: string): string | null =>
  FILE_PATH_RE.test(value) && !value.split('/').includes('..') ? null : `${what} must use letters, digits, ".", "_", "-" and "/" only, without ".."`;

export type WafPattern =
  | { kind: 'ip'; cidr: string }
  | { kind: 'path'; path: string }
  | { kind: 'method'; method: string }
  | { kind: 'header'; name: string; value: string }
  | { kind: 'user_agent'; text: string };

/** A WAF rule's pattern, read according to its kind ("Name: value" for header rules). */
export function parseWafPattern(kind: string, pattern: string, what: string): { ok: true; pattern: WafPattern } | { ok: false; reason: string } {
  const fail = (reason: string | null): { ok: false; reason: string } | null => (reason === null ? null : { ok: false, reason });
  switch (kind) {
    case 'ip': {
      const cidr = checkCidr(pattern, what);
      return cidr.ok ? { ok: true, pattern: { kind, cidr: cidr.text } } : cidr;
    }
    case 'path':
      return fail(checkUrlPath(pattern, what)) ?? { ok: true, pattern: { kind, path: pattern } };
    case 'method':
      return fail(checkMethod(pattern, what)) ?? { ok: true, pattern: { kind, method: pattern } };
    case 'user_agent':
      return fail(checkPattern(pattern, what)) ?? { ok: true, pattern: { kind, text: pattern } };
    case 'header': {
      const colon = pattern.indexOf(':');
      if (colon < 0) return { ok: false, reason: `${what} must look like "Header-Name: value"` };
      const name = pattern.slice(0, colon).trim();
      const value = pattern.slice(colon + 1).trim();
      return fail(checkHeaderName(name, `${what} (header name)`)) ?? fail(checkPattern(value, `${what} (header value)`)) ?? { ok: true, pattern: { kind, name, value } };
    }
    default:
      return { ok: false, reason: `${what}: unknown rule kind` };
  }
}
