// A domain's DNS records: the list, a per-type form to add or edit one, and the zone file export.
import { ActionIcon, Badge, Button, Card, Group, Menu, NumberInput, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { enums } from '../../shared/api/contract';
import { api, messageForField, toApiError, unplacedError, type ApiError } from '../api';
import { useAction } from '../ui/use-action';
import { useDnsRecords, type DnsRecordView, type DomainView } from '../stores/areas';
import { useCan } from '../stores/session';
import { downloadText } from '../ui/download';
import { Empty } from '../ui/Empty';
import { ErrorAlert } from '../ui/ErrorAlert';
import { Loading } from '../ui/Loading';
import { ReadOnlyNote } from '../ui/ReadOnlyNote';

type DnsType = DnsRecordView['type'];

const VALUE_HELP: Record<DnsType, { label: string; placeholder: string }> = {
  A: { label: 'IPv4 address', placeholder: '192.0.2.10' },
  AAAA: { label: 'IPv6 address', placeholder: '2001:db8::10' },
  CNAME: { label: 'Target hostname', placeholder: 'edge.example.net' },
  MX: { label: 'Mail server', placeholder: 'mail.example.com' },
  TXT: { label: 'Text', placeholder: 'v=spf1 -all' },
};

interface Draft { recordId?: string; expectedVersion?: string; type: DnsType; name: string; value: string; ttl: number; priority: number | null }
const blank = (): Draft => ({ type: 'A', name: '@', value: '', ttl: 3600, priority: null });

function RecordForm({ domain, draft, onDone }: { domain: DomainView; draft: Draft; onDone: () => void }) {
  const [d, setD] = useState(draft);
  const { busy, error, run } = useAction();
  const help = VALUE_HELP[d.type];

  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      await api.call('dns.upsert', {
        teamId: domain.teamId, domainId: domain.id, type: d.type, name: d.name, value: d.value, ttl: d.ttl,
        priority: d.type === 'MX' ? d.priority : null,
        ...(d.recordId ? { recordId: d.recordId, expectedVersion: d.expectedVersion ?? null } : {}),
    });
    await useDnsRecords.getState().reload();
    onDone();
    });
  }

  return (
    <Card withBorder padding="md" data-testid="dns-form">
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text fw={600}>{d.recordId ? 'Edit record' : 'Add a record'}</Text>
          <Group align="flex-start" grow>
            <Select label="Type" data={enums.dnsType.options} value={d.type} allowDeselect={false} disabled={!!d.recordId} onChange={(t) => t && setD({ ...d, type: t as DnsType, priority: t === 'MX' ? d.priority ?? 10 : null })} error={messageForField(error, 'type')} />
            <TextInput label="Name" description="@ for the apex, or e.g. www" value={d.name} onChange={(e) => setD({ ...d, name: e.currentTarget.value })} error={messageForField(error, 'name')} />
            <NumberInput label="TTL (seconds)" min={30} max={604800} value={d.ttl} onChange={(v) => setD({ ...d, ttl: typeof v === 'number' ? v : Number(v) || 0 })} error={messageForField(error, 'ttl')} />
          </Group>
          <Group align="flex-start" grow>
            <TextInput label={help.label} placeholder={help.placeholder} value={d.value} onChange={(e) => setD({ ...d, value: e.currentTarget.value })} error={messageForField(error, 'value')} style={{ flexGrow: 3 }} />
            {d.type === 'MX' && <NumberInput label="Priority" min={0} max={65535} value={d.priority ?? ''} onChange={(v) => setD({ ...d, priority: typeof v === 'number' ? v : null })} error={messageForField(error, 'priority')} />}
          </Group>
          {error?.code === 'NG_CONFLICT' ? (
            <ErrorAlert error={error} title="This record changed since you opened it" />
          ) : (
            <ErrorAlert error={unplacedError(error, [['type'], ['name'], ['value'], ['ttl'], ['priority']])} />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onDone}>Cancel</Button>
            <Button type="submit" loading={busy}>{d.recordId ? 'Save record' : 'Add record'}</Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

export function DnsTab({ domain }: { domain: DomainView }) {
  const { data: records, error, loading } = useDnsRecords();
  const canEdit = useCan('operator');
  const [editing, setEditing] = useState<Draft | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [exporting, setExporting] = useState(false);

  useEffect(() => {
    void useDnsRecords.getState().load({ teamId: domain.teamId, domainId: domain.id });
  }, [domain.teamId, domain.id]);

  async function exportZone() {
    setExporting(true);
    setActionError(null);
    try {
      const { filename, zone } = await api.call('dns.exportZone', { teamId: domain.teamId, domainId: domain.id });
      downloadText(filename, zone);
    } catch (e) {
      setActionError(toApiError(e));
    } finally {
      setExporting(false);
    }
  }

  async function remove(r: DnsRecordView) {
    setActionError(null);
    try {
      await api.call('dns.delete', { teamId: domain.teamId, domainId: domain.id, recordId: r.id, expectedVersion: r.version });
      await useDnsRecords.getState().reload();
    } catch (e) {
      setActionError(toApiError(e));
    }
  }

  return (
    <Stack>
      {!canEdit && <ReadOnlyNote need="operator" what="these DNS records" />}
      <Group justify="space-between">
        <Text size="sm" c="dimmed">Records are relative to {domain.hostname}. The zone export adds an SOA and NS records.</Text>
        <Group gap="xs">
          <Button variant="default" onClick={() => void exportZone()} loading={exporting}>Export zone file</Button>
          {canEdit && !editing && <Button onClick={() => setEditing(blank())}>Add record</Button>}
        </Group>
      </Group>
      <ErrorAlert error={error ?? actionError} />
      {editing && <RecordForm key={editing.recordId ?? 'new'} domain={domain} draft={editing} onDone={() => setEditing(null)} />}
      {!records && loading && <Loading what="Loading DNS records…" />}
      {records && records.length === 0 && !editing && (
        <Empty title="No DNS records yet" action={canEdit && <Button onClick={() => setEditing(blank())}>Add a record</Button>}>
          {canEdit ? 'Point the domain at your edges with A or AAAA records, or alias it with a CNAME.' : 'An operator of this team can add records.'}
        </Empty>
      )}
      {records && records.length > 0 && (
        <Table verticalSpacing="xs" data-testid="dns-table">
          <Table.Thead>
            <Table.Tr><Table.Th>Type</Table.Th><Table.Th>Name</Table.Th><Table.Th>Value</Table.Th><Table.Th>TTL</Table.Th><Table.Th>Priority</Table.Th>{canEdit && <Table.Th />}</Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {records.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td><Badge variant="light">{r.type}</Badge></Table.Td>
                <Table.Td ff="monospace">{r.name}</Table.Td>
                <Table.Td ff="monospace" style={{ wordBreak: 'break-all' }}>{r.value}</Table.Td>
                <Table.Td>{r.ttl}</Table.Td>
                <Table.Td>{r.priority ?? '—'}</Table.Td>
                {canEdit && (
                  <Table.Td>
                    <Menu position="bottom-end">
                      <Menu.Target><ActionIcon variant="subtle" aria-label={`Actions for ${r.type} ${r.name}`}>⋯</ActionIcon></Menu.Target>
                      <Menu.Dropdown>
                        <Menu.Item onClick={() => setEditing({ recordId: r.id, expectedVersion: r.version, type: r.type, name: r.name, value: r.value, ttl: r.ttl, priority: r.priority })}>Edit</Menu.Item>
                        <Menu.Item color="red" onClick={() => void remove(r)}>Delete</Menu.Item>
                      </Menu.Dropdown>
                    </Menu>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
