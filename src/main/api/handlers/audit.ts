// The audit view: every change as recorded in the oplog (who, what, when, before/after), limited
// to one team, or instance-wide for the instance owner. Secrets appear only as "[redacted]".

import { decodeHlc } from '../../../shared/hlc';
import type { Op } from '../../../shared/ops';
import type { Store } from '../../db/store';
import type { Handlers } from '../context';
import { redact } from '../redact';

function entry(store: Store, op: Op, emails: Map<string, string | null>) {
  if (!emails.has(op.actor)) emails.set(op.actor, store.get('users', op.actor)?.email ?? null);
  const before = redact(op.prev ?? {});
  return {
    hlc: op.hlc,
    at: decodeHlc(op.hlc).wall,
    actor: op.actor,
    actorEmail: emails.get(op.actor) ?? null,
    collection: op.collection,
    id: op.id,
    teamId: op.team ?? null,
    action: op.delete ? ('delete' as const) : Object.keys(before).length > 0 ? ('update' as const) : ('create' as const),
    before,
    after: redact(op.set ?? {}),
  };
}

export const auditHandlers: Handlers<'audit.list'> = {
  'audit.list': (input, { store, auth }) => {
    const query = { team: input.teamId ?? null, before: input.before ?? null, limit: input.limit };
    const ops = [...store.auditLog(query), ...auth.localAudit.list(query)].sort((a, b) => (a.hlc < b.hlc ? 1 : a.hlc > b.hlc ? -1 : 0)).slice(0, input.limit);
    const emails = new Map<string, string | null>();
    const entries = ops.map((op) => entry(store, op, emails));
    return { entries, nextBefore: ops.length === input.limit ? ops[ops.length - 1]!.hlc : null };
  },
};
