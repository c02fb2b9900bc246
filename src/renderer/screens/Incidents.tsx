// The team's incidents, newest first, filtered by status and kind.
import { Anchor, Group, SegmentedControl, Select, Stack, Table, Text } from '@mantine/core';
import { ALERT_KIND_LABELS, ALERT_RULE_KINDS } from '../../shared/api/alert-params';
import { useEffect, useState } from 'react';
import { navigate } from '../router';
import { useIncidents } from '../stores/areas';
import { Empty } from '../ui/Empty';
import { ErrorAlert } from '../ui/ErrorAlert';
import { formatTime } from '../ui/format';
import { IncidentStatus } from '../ui/IncidentStatus';
import { Loading } from '../ui/Loading';
import { PageHeader } from '../ui/PageHeader';

type Filter = 'all' | 'open' | 'acknowledged' | 'resolved';

export function Incidents({ teamId }: { teamId: string }) {
  const { data, error, loading } = useIncidents();
  const [filter, setFilter] = useState<Filter>('all');
  const [kind, setKind] = useState<string>('all');
  useEffect(() => {
    void useIncidents.getState().load({ teamId, ...(filter === 'all' ? {} : { status: filter }), ...(kind === 'all' ? {} : { kind }) });
  }, [teamId, filter, kind]);
  const filtered = filter !== 'all' || kind !== 'all';

  return (
    <>
      <PageHeader title="Incidents" description="Raised by alert rules (for example an edge reporting a streak of 502s); acknowledge to say you are on it, resolve when it is fixed." />
      <Stack>
        <Group align="flex-end">
          <SegmentedControl aria-label="Status" w="fit-content" value={filter} onChange={(v) => setFilter(v as Filter)} data={[
            { value: 'all', label: 'All' }, { value: 'open', label: 'Open' }, { value: 'acknowledged', label: 'Acknowledged' }, { value: 'resolved', label: 'Resolved' },
          ]} />
          <Select aria-label="Kind" w={240} allowDeselect={false} value={kind} onChange={(v) => v && setKind(v)}
            data={[{ value: 'all', label: 'All kinds' }, ...ALERT_RULE_KINDS.map((k) => ({ value: k, label: ALERT_KIND_LABELS[k] }))]} />
        </Group>
        <ErrorAlert error={error} />
        {!data && loading && <Loading what="Loading incidents…" />}
        {data?.length === 0 && (
          <Empty title={filtered ? 'No incidents match these filters' : 'No incidents'}>
            Incidents appear here when an alert rule fires for one of this team's domains or edges. Nothing is wrong right now as far as this node knows.
          </Empty>
        )}
        {data && data.length > 0 && (
          <Table highlightOnHover>
            <Table.Thead><Table.Tr><Table.Th>Status</Table.Th><Table.Th>Title</Table.Th><Table.Th>Kind</Table.Th><Table.Th>Opened</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {data.map((i) => (
                <Table.Tr key={i.id}>
                  <Table.Td><IncidentStatus status={i.status} /></Table.Td>
                  <Table.Td><Anchor href={`/incidents/${i.id}`} onClick={(e) => { e.preventDefault(); navigate(`/incidents/${i.id}`); }}>{i.title}</Anchor></Table.Td>
                  <Table.Td><Text size="sm">{ALERT_KIND_LABELS[i.kind as keyof typeof ALERT_KIND_LABELS] ?? i.kind}</Text></Table.Td>
                  <Table.Td>{formatTime(i.openedAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </>
  );
}
