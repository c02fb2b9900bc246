// The team's edge agents with honest status, and the enrollment wizard that adds one.
import { Alert, Anchor, Badge, Button, Code, CopyButton, Group, NumberInput, Stack, Table, TagsInput, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api, messageForField, type OutputOf } from '../api';
import { useAction } from '../ui/use-action';
import { navigate } from '../router';
import { useAgents } from '../stores/areas';
import { useCan } from '../stores/session';
import { Empty } from '../ui/Empty';
import { ErrorAlert } from '../ui/ErrorAlert';
import { formatTime, relativeTime } from '../ui/format';
import { Loading } from '../ui/Loading';
import { PageHeader } from '../ui/PageHeader';
import { RevokeAgentButton, StatusBadge, SyncBadge, useLiveAgents } from './AgentsParts';

/** The commands an edge host runs: enroll once with the token, then run. */
export const installCommand = (agentUrl: string, token: string): string =>
  `netgoat-agent enroll --url ${agentUrl} --token ${token}\nnetgoat-agent run`;

/**
 * Where agents reach this node. In a browser the console's own address is the one the operator
 * knows works; the desktop app (file:) uses the address the node reports.
 */
function agentUrlFor(reported: string | null): string {
  const { protocol, host } = window.location;
  if (protocol === 'http:' || protocol === 'https:') return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/agent/v1`;
  return reported ?? '<this node’s agent URL>';
}

type Issued = OutputOf<'agents.createEnrollmentToken'>;

function EnrollPanel({ teamId, onClose }: { teamId: string; onClose: () => void }) {
  const [name, setName] = useState('');
  const [labels, setLabels] = useState<string[]>([]);
  const [ttlMinutes, setTtlMinutes] = useState<number>(60);
  const { busy, error, run } = useAction();
  const [issued, setIssued] = useState<Issued | null>(null);

  const create = async () => {
    await run(async () => {
      setIssued(await api.call('agents.createEnrollmentToken', { teamId, name, labels, ttlMinutes }));
    });
  };
  const command = installCommand(agentUrlFor(issued?.agentUrl ?? null), issued?.token ?? '<enrollment token>');

  return (
    <Alert color="blue" variant="light" title="Add an edge" withCloseButton onClose={onClose} data-testid="enroll-panel">
      <Stack gap="xs">
        {!issued && (
          <>
            <Text size="sm">Name the edge and give it the labels that decide which domains it serves; a one-time enrollment token is created for it.</Text>
            <Group align="flex-end">
              <TextInput label="Name" placeholder="edge-fra-1" value={name} onChange={(e) => setName(e.currentTarget.value)} error={messageForField(error, 'name')} />
              <TagsInput label="Labels" placeholder="edge, eu" value={labels} onChange={setLabels} error={messageForField(error, 'labels')} />
              <NumberInput label="Token valid for (minutes)" min={1} max={10_080} value={ttlMinutes} onChange={(v) => setTtlMinutes(typeof v === 'number' ? v : 60)} w={180} error={messageForField(error, 'ttlMinutes')} />
              <Button onClick={() => void create()} loading={busy} disabled={name.trim() === ''}>Create token</Button>
            </Group>
            <ErrorAlert error={error} />
          </>
        )}
        {issued && (
          <Text size="sm" fw={500} data-testid="enroll-token-notice">
            The token is shown only now and works once, until {formatTime(issued.expiresAt)} ({relativeTime(issued.expiresAt)}). Run on the edge host (with nginx installed):
          </Text>
        )}
        {!issued && <Text size="sm">On the edge host (with nginx installed), the agent then enrolls with the token and starts:</Text>}
        <Group align="flex-start" wrap="nowrap">
          <Code block style={{ flex: 1 }} data-testid="enroll-command">{command}</Code>
          {issued && <CopyButton value={command}>{({ copied, copy }) => <Button size="xs" variant="light" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>}
        </Group>
        {issued && <Text size="sm" c="dimmed">The agent appears in the list below once it has enrolled.</Text>}
      </Stack>
    </Alert>
  );
}

export function Agents({ teamId }: { teamId: string }) {
  const { data, error, loading } = useAgents();
  const canManage = useCan('admin');
  const [enrolling, setEnrolling] = useState(false);
  useLiveAgents(teamId);

  return (
    <>
      <PageHeader
        title="Agents"
        description="Edge hosts running nginx with the Netgoat agent. Status is what this node has seen: nothing is assumed."
        action={canManage && <Button onClick={() => setEnrolling(true)}>Add an edge</Button>}
      />
      <Stack>
        {enrolling && <EnrollPanel teamId={teamId} onClose={() => setEnrolling(false)} />}
        <ErrorAlert error={error} />
        {!data && loading && <Loading what="Loading agents…" />}
        {data?.length === 0 && (
          <Empty title="No edges enrolled" action={canManage && !enrolling && <Button variant="light" onClick={() => setEnrolling(true)}>Add an edge</Button>}>
            Install the agent on a host that runs nginx and enroll it with this team; its availability and config versions then show here.
          </Empty>
        )}
        {data && data.length > 0 && (
          <Table data-testid="agents-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th><Table.Th>Labels</Table.Th><Table.Th>Availability</Table.Th><Table.Th>Sync</Table.Th>
                <Table.Th>Desired</Table.Th><Table.Th>Applied</Table.Th><Table.Th>Last heartbeat</Table.Th>{canManage && <Table.Th />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td fw={500}><Anchor href={`/agents/${a.id}`} onClick={(e) => { e.preventDefault(); navigate(`/agents/${a.id}`); }}>{a.name}</Anchor></Table.Td>
                  <Table.Td><Group gap={4}>{a.labels.map((l) => <Badge key={l} size="sm" variant="outline">{l}</Badge>)}</Group></Table.Td>
                  <Table.Td><StatusBadge agent={a} /></Table.Td>
                  <Table.Td><SyncBadge agent={a} /></Table.Td>
                  <Table.Td>{a.desiredVersion || '—'}</Table.Td>
                  <Table.Td>{a.appliedVersion || '—'}</Table.Td>
                  <Table.Td>{a.lastHeartbeat ? relativeTime(a.lastHeartbeat.at) : 'never'}</Table.Td>
                  {canManage && <Table.Td><RevokeAgentButton teamId={teamId} agent={a} /></Table.Td>}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </>
  );
}
