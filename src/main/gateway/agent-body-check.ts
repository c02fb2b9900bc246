// The gateway's check of what agents send on a session (hello, ack, heartbeat): the zod schemas of
// src/shared/wire/agent.ts written with the agent's plain checks (src/agent/wire-shape.ts). Every
// agent acknowledges every change, so this runs ten thousand times per change; zod's parse was
// ~1 µs of each. test/agent/wire-check.test.ts holds both to the same verdicts. Telemetry batches
// have their own check (TelemetryIngest) and do not come here.

import { NgError } from '../../shared/errors';
import { isValidId } from '../../shared/ids';
import type { AckBody, AgentBody } from '../../shared/wire/agent';
import { bool, byType, checksumOrEmpty, id, int, list, nullable, num, oneOf, run, str, strict, version } from '../../agent/wire-shape';

const count = int();

const applyReport = strict({
  ok: bool,
  code: nullable(str({ max: 64 })),
  message: nullable(str({ max: 2000 })),
  domainId: nullable(id),
  durationMs: num({ min: 0 }),
  rolledBack: bool,
});

const nginxStatus = strict({ up: bool, active: count, accepts: count, handled: count, requests: count, reading: count, writing: count, waiting: count });

const hostMetrics = strict({
  loadavg: list(num({ min: 0 }), { min: 3, max: 3 }),
  memTotalMb: num({ min: 0 }),
  memFreeMb: num({ min: 0 }),
  uptimeS: num({ min: 0 }),
});

const sessionBody = byType({
  hello: strict({ type: oneOf(['hello']), agentId: id, appliedVersion: version, appliedChecksum: checksumOrEmpty, agentVersion: str({ max: 64 }) }),
  ack: strict({ type: oneOf(['ack']), version, appliedVersion: version, appliedChecksum: checksumOrEmpty, report: applyReport }),
  heartbeat: strict({ type: oneOf(['heartbeat']), appliedVersion: version, nginx: nginxStatus, host: hostMetrics }),
});

export type SessionBody = Exclude<AgentBody, { type: 'telemetry' }>;

/** The body as one of the session messages, or NG_BAD_MESSAGE naming the first field that is wrong. */
export function checkSessionBody(value: unknown): { ok: true; body: SessionBody } | { ok: false; error: NgError } {
  if (isAck(value)) return { ok: true, body: value };
  const r = run<SessionBody>(sessionBody, value);
  if (r.ok) return { ok: true, body: r.value };
  const path = r.problem.path;
  return { ok: false, error: new NgError('NG_BAD_MESSAGE', `${path.length > 0 ? path.join('.') : 'input'}: ${r.problem.message}`, { path }) };
}

const isVersion = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isChecksumOrEmpty = (v: unknown): boolean => v === '' || (typeof v === 'string' && v.length === 64 && HEX64.test(v));
const isShortOrNull = (v: unknown, max: number): boolean => v === null || (typeof v === 'string' && v.length <= max);
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The ack schema as one pass over the fields, building nothing: the general check above makes a
 * path array per field it visits. Anything this does not accept goes through the general check,
 * which accepts what is valid after all and words the refusal.
 */
function isAck(v: unknown): v is AckBody {
  if (typeof v !== 'object' || v === null) return false;
  // Only known fields, and (below) each of them valid, so present.
  for (const k in v) if (k !== 'type' && k !== 'version' && k !== 'appliedVersion' && k !== 'appliedChecksum' && k !== 'report') return false;
  const o = v as Record<string, unknown>;
  return o['type'] === 'ack' && isVersion(o['version']) && isVersion(o['appliedVersion']) && isChecksumOrEmpty(o['appliedChecksum']) && isReport(o['report']);
}

function isReport(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  for (const k in v) if (k !== 'ok' && k !== 'code' && k !== 'message' && k !== 'domainId' && k !== 'durationMs' && k !== 'rolledBack') return false;
  const r = v as Record<string, unknown>;
  const ms = r['durationMs'];
  return typeof r['ok'] === 'boolean' && typeof r['rolledBack'] === 'boolean' && isShortOrNull(r['code'], 64) && isShortOrNull(r['message'], 2000)
    && (r['domainId'] === null || (typeof r['domainId'] === 'string' && isValidId(r['domainId']))) && typeof ms === 'number' && Number.isFinite(ms) && ms >= 0;
}
