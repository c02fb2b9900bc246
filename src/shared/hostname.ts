// Hostnames as operators type them (Unicode, mixed case, trailing dot) become one canonical ASCII
// form (IDNA punycode, lower case) before they are stored, rendered into nginx or put in a zone.

import punycode from 'punycode/punycode.js';

const { toASCII } = punycode;

const LABEL_RE = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Returns the canonical ASCII hostname, or an explanation of why it is not one. */
export function normalizeHostname(input: string, opts: { allowWildcard?: boolean } = {}): { ok: true; hostname: string } | { ok: false; reason: string } {
  const trimmed = input.trim().replace(/\.$/, '');
  if (trimmed.length === 0) return { ok: false, reason: 'hostname is empty' };
  if (/[\s;{}'"`$\\/]/.test(trimmed)) return { ok: false, reason: 'hostname contains a character that is never valid in a hostname' };
  let ascii: string;
  try {
    ascii = toASCII(trimmed.toLowerCase());
  } catch {
    return { ok: false, reason: 'hostname cannot be converted to punycode' };
  }
  if (ascii.length > 253) return { ok: false, reason: 'hostname is longer than 253 characters' };
  const labels = ascii.split('.');
  if (labels.length < 2) return { ok: false, reason: 'hostname needs at least two labels, like example.com' };
  for (const [i, label] of labels.entries()) {
    if (i === 0 && label === '*' && opts.allowWildcard) continue;
    if (!LABEL_RE.test(label)) return { ok: false, reason: `label "${label.slice(0, 70)}" must be 1-63 letters, digits or hyphens, not starting or ending with a hyphen` };
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return { ok: false, reason: 'the top-level label cannot be all digits' };
  return { ok: true, hostname: ascii };
}
