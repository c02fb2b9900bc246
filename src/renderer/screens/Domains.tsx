// The team's domains: search, open, and add one.
import { Anchor, Badge, Button, Group, Modal, Stack, Switch, Table, TagsInput, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState, type FormEvent } from 'react';
import { api, messageForField, unplacedError, type ApiError } from '../api';
import { useAction } from '../ui/use-action';
import { navigate } from '../router';
import { useDomains } from '../stores/areas';
import { useCan } from '../stores/session';
import { Empty } from '../ui/Empty';
import { ErrorAlert } from '../ui/ErrorAlert';
import { formatTime } from '../ui/format';
import { Loading } from '../ui/Loading';
import { PageHeader } from '../ui/PageHeader';
import { TlsBadge } from '../ui/TlsBadge';

function labelsError(error: ApiError | null): string | undefined {
  return error && String(error.path[0]) === 'targetLabels' ? error.message : undefined;
}

function CreateDomain({ teamId, opened, onClose }: { teamId: string; opened: boolean; onClose: () => void }) {
  const [hostname, setHostname] = useState('');
  const [wafEnabled, setWaf] = useState(false);
  const [targetLabels, setLabels] = useState<string[]>([]);
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      const { domain } = await api.call('domains.create', { teamId, hostname, wafEnabled, targetLabels });
      setHostname('');
      setLabels([]);
      onClose();
      navigate(`/domains/${domain.id}`);
    });
  }

  return (
    <Modal opened={opened} onClose={onClose} title="Add a domain" size="md">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="Hostname" placeholder="shop.example.com" description="Unicode names are stored in their ASCII (punycode) form" data-autofocus value={hostname} onChange={(e) => setHostname(e.currentTarget.value)} error={messageForField(error, 'hostname')} />
          <Switch label="Web application firewall" description="Apply this domain's WAF rules" checked={wafEnabled} onChange={(e) => setWaf(e.currentTarget.checked)} />
          <TagsInput label="Target labels" description="Agents whose labels include all of these serve the domain; press Enter after each" placeholder="e.g. edge, region=eu" value={targetLabels} onChange={setLabels} error={labelsError(error)} />
          <ErrorAlert error={unplacedError(error, [['hostname'], ['targetLabels']])} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={busy}>Add domain</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function Domains({ teamId }: { teamId: string }) {
  const { data, error, loading } = useDomains();
  const canEdit = useCan('operator');
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    void useDomains.getState().load(debounced ? { teamId, search: debounced } : { teamId });
  }, [teamId, debounced]);

  return (
    <>
      <PageHeader
        title="Domains"
        description="Hostnames this team serves through its edges: DNS records, TLS, reverse proxy, WAF."
        action={canEdit && <Button onClick={() => setCreating(true)}>Add domain</Button>}
      />
      <Stack>
        <TextInput placeholder="Search by hostname" aria-label="Search domains" value={search} onChange={(e) => setSearch(e.currentTarget.value)} maw={360} />
        <ErrorAlert error={error} />
        {!data && loading && <Loading what="Loading domains…" />}
        {data && data.length === 0 && (debounced ? (
          <Empty title="No domain matches">No hostname contains “{debounced}”. Clear the search to see every domain.</Empty>
        ) : (
          <Empty title="No domains yet" action={canEdit && <Button onClick={() => setCreating(true)}>Add your first domain</Button>}>
            {canEdit ? 'Add a domain, then give it DNS records and a reverse-proxy config.' : 'An operator of this team can add domains.'}
          </Empty>
        ))}
        {data && data.length > 0 && (
          <Table highlightOnHover verticalSpacing="sm" data-testid="domains-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Hostname</Table.Th>
                <Table.Th>TLS</Table.Th>
                <Table.Th>WAF</Table.Th>
                <Table.Th>Target labels</Table.Th>
                <Table.Th>Added</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.map((d) => (
                <Table.Tr key={d.id}>
                  <Table.Td>
                    <Anchor href={`/domains/${d.id}`} onClick={(e) => { e.preventDefault(); navigate(`/domains/${d.id}`); }} fw={500}>{d.displayHostname}</Anchor>
                    {d.displayHostname !== d.hostname && <Text size="xs" c="dimmed" ff="monospace">{d.hostname}</Text>}
                  </Table.Td>
                  <Table.Td><TlsBadge tls={d.tls} /></Table.Td>
                  <Table.Td><Badge variant="light" color={d.wafEnabled ? 'blue' : 'gray'}>{d.wafEnabled ? 'On' : 'Off'}</Badge></Table.Td>
                  <Table.Td>{d.targetLabels.length ? <Group gap={4}>{d.targetLabels.map((l) => <Badge key={l} variant="outline" size="sm">{l}</Badge>)}</Group> : <Text size="sm" c="dimmed">All agents</Text>}</Table.Td>
                  <Table.Td><Text size="sm">{formatTime(d.createdAt)}</Text></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
      <CreateDomain teamId={teamId} opened={creating} onClose={() => setCreating(false)} />
    </>
  );
}
