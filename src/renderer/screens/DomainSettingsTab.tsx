// A domain's own settings: TLS as stored, WAF on/off, target labels; and deleting the domain.
import { Button, Card, Group, Modal, Stack, Switch, TagsInput, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api, unplacedError } from '../api';
import { useAction } from '../ui/use-action';
import { navigate } from '../router';
import { useDomain, type DomainView } from '../stores/areas';
import { useCan } from '../stores/session';
import { ErrorAlert } from '../ui/ErrorAlert';
import { ReadOnlyNote } from '../ui/ReadOnlyNote';
import { StaleBanner } from '../ui/StaleBanner';
import { TlsCard } from './TlsCard';

export function DomainSettingsTab({ domain }: { domain: DomainView }) {
  const canEdit = useCan('operator');
  const [base, setBase] = useState(domain);
  const [wafEnabled, setWaf] = useState(domain.wafEnabled);
  const [targetLabels, setLabels] = useState(domain.targetLabels);
  const { busy, error, run, setError } = useAction();
  const [saved, setSaved] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [deleteConfirmText, setDeleteConfirmText] = useState('');

  const stale = domain.version !== base.version || error?.code === 'NG_CONFLICT';
  const dirty = wafEnabled !== base.wafEnabled || targetLabels.join(',') !== base.targetLabels.join(',');

  const reload = async () => {
    await useDomain.getState().reload();
    const fresh = useDomain.getState().data ?? domain;
    setBase(fresh);
    setWaf(fresh.wafEnabled);
    setLabels(fresh.targetLabels);
    setError(null);
  };

  async function save() {
    setSaved(false);
    await run(async () => {
      const { domain: next } = await api.call('domains.update', { teamId: domain.teamId, domainId: domain.id, expectedVersion: base.version, wafEnabled, targetLabels });
      setBase(next);
      useDomain.setState({ data: next });
      setSaved(true);
    });
  }

  async function remove() {
    const deleted = await run(() => api.call('domains.delete', { teamId: domain.teamId, domainId: domain.id, expectedVersion: base.version }));
    if (deleted) navigate('/domains');
    else setConfirmDelete(false);
  }

  return (
    <Stack maw={640}>
      {!canEdit && <ReadOnlyNote need="operator" what="this domain's settings" />}
      {stale && <StaleBanner onReload={() => void reload()} />}
      <TlsCard domain={domain} />
      <Card withBorder padding="md">
        <Stack>
          <Switch label="Web application firewall" description="When off, this domain's WAF rules are not applied" checked={wafEnabled} disabled={!canEdit} onChange={(e) => setWaf(e.currentTarget.checked)} data-testid="waf-switch" />
          <TagsInput
            label="Target labels"
            description="Agents whose labels include all of these serve this domain; none means every agent of the team"
            value={targetLabels}
            onChange={setLabels}
            disabled={!canEdit}
            error={error && String(error.path[0]) === 'targetLabels' ? error.message : undefined}
          />
          <ErrorAlert error={error?.code === 'NG_CONFLICT' ? null : unplacedError(error, [['targetLabels']])} />
          {canEdit && (
            <Group justify="space-between">
              <Text size="sm" c={saved ? 'green' : 'dimmed'}>{saved && !dirty ? 'Saved.' : dirty ? 'Unsaved changes' : ''}</Text>
              <Button onClick={() => void save()} loading={busy} disabled={!dirty || stale}>Save</Button>
            </Group>
          )}
        </Stack>
      </Card>
      {canEdit && (
        <Card withBorder padding="md" style={{ borderColor: 'var(--mantine-color-red-4)' }}>
          <Group justify="space-between">
            <Stack gap={2}>
              <Text fw={600}>Delete this domain</Text>
              <Text size="sm" c="dimmed">Removes the domain with its DNS records and proxy config from every node and edge.</Text>
            </Stack>
            <Button color="red" variant="light" onClick={() => setConfirmDelete(true)}>Delete domain</Button>
          </Group>
        </Card>
      )}
      <Modal opened={confirmDelete} onClose={() => setConfirmDelete(false)} title={`Delete ${domain.displayHostname}?`}>
        <Stack>
          <Text size="sm">Type the hostname to confirm. Edges stop serving it once they apply the change.</Text>
          <TextInput aria-label="Hostname to confirm" value={deleteConfirmText} onChange={(e) => setDeleteConfirmText(e.currentTarget.value)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmDelete(false)}>Cancel</Button>
            <Button color="red" loading={busy} disabled={deleteConfirmText.trim() !== domain.hostname && deleteConfirmText.trim() !== domain.displayHostname} onClick={() => void remove()}>Delete</Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
