// The apply report in the shape the agent link acknowledges with (shared/wire/agent.ts).

import type { ApplyReport } from '../../shared/wire/agent';
import type { NginxApplyReport } from './types';

export function toWireReport(r: NginxApplyReport): ApplyReport {
  return {
    ok: r.ok,
    code: r.error?.code ?? null,
    message: r.error ? r.error.message.slice(0, 2000) : null,
    domainId: r.error?.domainId ?? null,
    durationMs: r.durationMs,
    rolledBack: r.rolledBack,
  };
}
