// Secrets never leave the node through the API: password and token hashes and sealed secrets are
// replaced wherever a document or an audit entry is shown.

// `secret`: an agent's session keys (agents.keys[].secret) travel in its document.
const SECRET_FIELDS = new Set(['passwordHash', 'tokenHash', 'secret']);
export const REDACTED = '[redacted]';

const isSealed = (v: unknown): boolean => typeof v === 'object' && v !== null && (v as { alg?: unknown }).alg === 'aes-256-gcm' && 'ct' in v;

/** A copy of `fields` with every secret replaced by "[redacted]", at any depth. */
export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = SECRET_FIELDS.has(k) || isSealed(v) ? REDACTED : redactValue(v);
  return out;
}

function redactValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactValue);
  if (typeof v === 'object' && v !== null) return redact(v as Record<string, unknown>);
  return v;
}
