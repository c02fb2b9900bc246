// alertRules.*: the team's alert rules as the leader's evaluator reads them. A kind the team never
// edited shows its built-in default; editing a default stores it under the default's id, so two
// admins editing the same default on different nodes write one rule and merge.

import { NgError } from '../../../shared/errors';
import { randomId } from '../../../shared/ids';
import { checkAlertParams } from '../../../shared/api/alert-params';
import { defaultRuleId, defaultRules } from '../../../core/alerts/rules';
import type { Store, Stored } from '../../db/store';
import type { Handlers } from '../context';
import { ownedDoc } from '../views';

const ruleView = (r: Stored<'alert_rules'>) => ({
  id: r.id, version: r.version, teamId: r.teamId, kind: r.kind, name: r.name, enabled: r.enabled, params: r.params, cooldownS: r.cooldownS, isDefault: false,
});

/** Stored rules, plus the default of every kind that has none; in the order of the kinds. */
function rulesOf(store: Store, teamId: string) {
  const stored = store.list('alert_rules', { team: teamId }).filter((r) => r.teamId === teamId);
  const defaults = defaultRules(teamId);
  const kinds = defaults.map((d) => d.kind as string);
  const shown = [
    ...stored.map(ruleView),
    ...defaults.filter((d) => !stored.some((r) => r.kind === d.kind)).map((d) => ({ ...d, version: null, isDefault: true })),
  ];
  return shown.sort((a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

export const alertRuleHandlers: Handlers<'alertRules.list' | 'alertRules.upsert' | 'alertRules.delete'> = {
  'alertRules.list': (input, { store }) => ({ rules: rulesOf(store, input.teamId) }),

  'alertRules.upsert': (input, { store, actor }) => {
    const problem = checkAlertParams(input.kind, input.params);
    if (problem) throw new NgError('NG_VALIDATION', `params.${problem.name}: ${problem.message}`, { path: ['params', problem.name] });
    return store.transaction(() => {
      const id = input.ruleId ?? randomId('alr_').slice(0, 28);
      const held = store.get('alert_rules', id);
      if (held && held.teamId !== input.teamId) throw new NgError('NG_NOT_FOUND', `rule ${id} not found in this team`, { path: ['ruleId'] });
      if (!held && input.ruleId !== undefined && input.ruleId !== defaultRuleId(input.teamId, input.kind)) {
        throw new NgError('NG_NOT_FOUND', `rule ${input.ruleId} not found in this team`, { path: ['ruleId'] });
      }
      if (held && held.kind !== input.kind) throw new NgError('NG_VALIDATION', `kind: a ${held.kind} rule cannot become a ${input.kind} rule; add a new rule instead`, { path: ['kind'] });
      const rule = store.write('alert_rules', id, {
        teamId: input.teamId, kind: input.kind, name: input.name, enabled: input.enabled, params: input.params, cooldownS: input.cooldownS,
      }, { actor, ...(input.expectedVersion !== undefined ? { expectedVersion: input.expectedVersion } : {}) });
      return { rule: ruleView(rule) };
    });
  },

  'alertRules.delete': (input, { store, actor }) => {
    if (!store.get('alert_rules', input.ruleId) && defaultRules(input.teamId).some((d) => d.id === input.ruleId)) {
      throw new NgError('NG_CONFLICT', 'a default rule cannot be deleted; disable it instead', { path: ['ruleId'] });
    }
    const rule = ownedDoc(store, 'alert_rules', input.ruleId, input.teamId, 'rule');
    store.delete('alert_rules', rule.id, { actor });
    return { ok: true as const };
  },
};
