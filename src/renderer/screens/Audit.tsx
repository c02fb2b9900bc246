// Every change in this team, newest first: who, what, when, and the fields before and after.
import { Badge, Button, Code, Group, Stack, Table, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api, toApiError, type ApiError } from '../api';
import { useAudit, type AuditEntry } from '../stores/areas';
import { Empty } from '../ui/Empty';
import { ErrorAlert } from '../ui/ErrorAlert';
import { auditValue, formatTime } from '../ui/format';
import { Loading } from '../ui/Loading';
import { PageHeader } from '../ui/PageHeader';

const ACTION_COLORS = { create: 'green', update: 'blue', delete: 'red' } as const;
const PAGE = 100;

function Changes({ entry }: { entry: AuditEntry }) {
  const fields = [...new Set([...Object.keys(entry.before), ...Object.keys(entry.after)])].filter((f) => f !== 'teamId');
  if (entry.action === 'delete' && fields.length === 0) return <Text size="sm" c="dimmed">deleted</Text>;
  return (
    <Stack gap={2}>
      {fields.map((f) => (
        <Text key={f} size="xs" ff="monospace" style={{ wordBreak: 'break-all' }}>
          <b>{f}</b>: {f in entry.before && <><Text span c="red" inherit td="line-through">{auditValue(entry.before[f])}</Text>{' → '}</>}
          <Text span c="green" inherit>{auditValue(entry.after[f])}</Text>
        </Text>
      ))}
    </Stack>
  );
}

export function Audit({ teamId }: { teamId: string }) {
  const { data, error, loading } = useAudit();
  const [older, setOlder] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // Shell keys this screen by team, so the older pages start empty for each team.
  useEffect(() => {
    void useAudit.getState().load({ teamId, limit: PAGE });
  }, [teamId]);

  const cursor = next ?? (older.length === 0 ? data?.nextBefore ?? null : null);
  async function loadMore() {
    if (!cursor) return;
    setBusy(true);
    try {
      const page = await api.call('audit.list', { teamId, limit: PAGE, before: cursor });
      setOlder((o) => [...o, ...page.entries]);
      setNext(page.nextBefore);
      setMoreError(null);
    } catch (e) {
      setMoreError(toApiError(e));
    } finally {
      setBusy(false);
    }
  }

  const entries = [...(data?.entries ?? []), ...older];
  return (
    <>
      <PageHeader title="Audit" description="Every change to this team's data as recorded in the replicated log, on whichever node it was made." />
      <Stack>
        <ErrorAlert error={error ?? moreError} />
        {!data && loading && <Loading what="Loading the audit log…" />}
        {data && entries.length === 0 && <Empty title="No changes recorded yet">Changes to domains, DNS records, proxy configs, members and tokens of this team appear here as they happen.</Empty>}
        {entries.length > 0 && (
          <Table verticalSpacing="xs" data-testid="audit-table">
            <Table.Thead><Table.Tr><Table.Th>When</Table.Th><Table.Th>Who</Table.Th><Table.Th>What</Table.Th><Table.Th>Changes (before → after)</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {entries.map((e) => (
                <Table.Tr key={`${e.hlc}-${e.collection}-${e.id}`}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatTime(e.at)}</Table.Td>
                  <Table.Td>{e.actorEmail ?? <Code>{e.actor}</Code>}</Table.Td>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap"><Badge size="sm" variant="light" color={ACTION_COLORS[e.action]}>{e.action}</Badge><Text size="sm">{e.collection}</Text></Group>
                    <Text size="xs" c="dimmed" ff="monospace">{e.id}</Text>
                  </Table.Td>
                  <Table.Td><Changes entry={e} /></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {cursor && <Button variant="default" w="fit-content" loading={busy} onClick={() => void loadMore()}>Show older changes</Button>}
      </Stack>
    </>
  );
}
