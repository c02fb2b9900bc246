// Alert rules: thresholds, cooldown and on/off per kind. Everyone in the team sees them; admins
// edit. A kind never edited shows its default; "Back to default" deletes the team's own rule.
import { Badge, Button, Card, Group, NumberInput, SimpleGrid, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { ALERT_PARAMS, type AlertRuleKind } from '../../shared/api/alert-params';
import { api, messageForField, unplacedError, type OutputOf } from '../api';
import { useAction } from '../ui/use-action';
import { useAlertRules } from '../stores/areas';
import { useCan } from '../stores/session';
import { ErrorAlert } from '../ui/ErrorAlert';
import { Loading } from '../ui/Loading';

type Rule = OutputOf<'alertRules.list'>['rules'][number];

function RuleCard({ teamId, rule, canEdit }: { teamId: string; rule: Rule; canEdit: boolean }) {
  const kind = rule.kind as AlertRuleKind;
  const specs = ALERT_PARAMS[kind] ?? [];
  const [name, setName] = useState(rule.name);
  const [enabled, setEnabled] = useState(rule.enabled);
  const [cooldownS, setCooldownS] = useState<number | string>(rule.cooldownS);
  const [params, setParams] = useState<Record<string, number | string>>(() => Object.fromEntries(specs.map((s) => [s.name, typeof rule.params[s.name] === 'number' ? (rule.params[s.name] as number) : ''])));
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState(false);

  async function save() {
    setSaved(false);
    await run(async () => {
      const numeric = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== '').map(([k, v]) => [k, Number(v)]));
      await api.call('alertRules.upsert', {
        teamId, ruleId: rule.id, expectedVersion: rule.version, kind, name, enabled, params: numeric, cooldownS: Number(cooldownS),
    });
    setSaved(true);
    await useAlertRules.getState().reload();
    });
  }

  async function reset() {
    await run(async () => {
      await api.call('alertRules.delete', { teamId, ruleId: rule.id });
      await useAlertRules.getState().reload();
    });
  }

  const fields = [['name'], ['cooldownS'], ...specs.map((s) => ['params', s.name])];
  return (
    <Card withBorder padding="md" data-testid={`rule-${kind}`}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Group gap="xs"><Title order={5}>{rule.name}</Title>{rule.isDefault ? <Badge variant="light" color="gray">Default</Badge> : <Badge variant="light">Customised</Badge>}</Group>
          <Switch label="Enabled" checked={enabled} disabled={!canEdit} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        </Group>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          <TextInput label="Name" value={name} disabled={!canEdit} onChange={(e) => setName(e.currentTarget.value)} error={messageForField(error, 'name')} />
          {specs.map((s) => (
            <NumberInput key={s.name} label={s.label} min={s.min} max={s.max} allowDecimal={!s.integer} disabled={!canEdit} value={params[s.name]}
              onChange={(v) => setParams((p) => ({ ...p, [s.name]: v }))} error={messageForField(error, 'params', s.name)} />
          ))}
          <NumberInput label="Cooldown (seconds)" description="Before the same subject may open a new incident" min={0} max={86_400} allowDecimal={false} disabled={!canEdit}
            value={cooldownS} onChange={setCooldownS} error={messageForField(error, 'cooldownS')} />
        </SimpleGrid>
        <ErrorAlert error={unplacedError(error, fields)} />
        {canEdit && (
          <Group justify="flex-end">
            {saved && <Text size="sm" c="green">Saved</Text>}
            {!rule.isDefault && <Button variant="subtle" loading={busy} onClick={() => void reset()}>Back to default</Button>}
            <Button loading={busy} onClick={() => void save()}>Save rule</Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}

export function SettingsAlertRules({ teamId }: { teamId: string }) {
  const { data, error, loading } = useAlertRules();
  const canEdit = useCan('admin');
  useEffect(() => {
    void useAlertRules.getState().load({ teamId });
  }, [teamId]);
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        The cluster leader checks these every few seconds and opens an incident when one fires; it resolves the incident when the condition clears.
        {canEdit ? '' : ' Only team admins can change them.'}
      </Text>
      <ErrorAlert error={error} />
      {!data && loading && <Loading what="Loading alert rules…" />}
      {data?.map((r) => <RuleCard key={`${r.id}/${r.version ?? 'default'}`} teamId={teamId} rule={r} canEdit={canEdit} />)}
    </Stack>
  );
}
