// The team's edge agents with honest status, and how to add one.
import { Alert, Anchor, Badge, Button, Code, CopyButton, Group, Stack, Table, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { navigate } from '../router';
import { useAgents } from '../stores/areas';
import { useCan } from '../stores/session';
import { Empty } from '../ui/Empty';
import { ErrorAlert } from '../ui/ErrorAlert';
import { formatTime } from '../ui/format';
import { Loading } from '../ui/Loading';
import { PageHeader } from '../ui/PageHeader';

/** The command an edge host runs; the token comes from the node's enrollment step. */
export const installCommand = (nodeUrl: string, token: string): string =>
  `netgoat-agent enroll --url ${nodeUrl} --token ${token}\nnetgoat-agent run`;

function EnrollPanel({ onClose }: { onClose: () => void }) {
  const nodeUrl = window.location.protocol === 'file:' ? '<this node’s URL>' : window.location.origin;
  const command = installCommand(nodeUrl, '<enrollment token>');
  return (
    <Alert color="blue" variant="light" title="Add an edge" withCloseButton onClose={onClose} data-testid="enroll-panel">
      <Stack gap="xs">
        <Text size="sm">On the edge host (with nginx installed), enroll the agent with a one-time token and start it:</Text>
        <Group align="flex-start" wrap="nowrap">
          <Code block style={{ flex: 1 }}>{command}</Code>
          <CopyButton value={command}>{({ copied, copy }) => <Button size="xs" variant="light" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
        </Group>
        <Text size="sm" fw={500}>
          This node cannot issue enrollment tokens through the console yet, so there is no token to show. Enrolled agents will appear in the list below.
        </Text>
      </Stack>
    </Alert>
  );
}

export function Agents({ teamId }: { teamId: string }) {
  const { data, error, loading } = useAgents();
  const canEnroll = useCan('operator');
  const [enrolling, setEnrolling] = useState(false);
  useEffect(() => {
    void useAgents.getState().load({ teamId });
  }, [teamId]);

  return (
    <>
      <PageHeader
        title="Agents"
        description="Edge hosts running nginx with the Netgoat agent. Status is shown only as far as agents have reported it."
        action={canEnroll && <Button onClick={() => setEnrolling(true)}>Add an edge</Button>}
      />
      <Stack>
        {enrolling && <EnrollPanel onClose={() => setEnrolling(false)} />}
        <ErrorAlert error={error} />
        {!data && loading && <Loading what="Loading agents…" />}
        {data?.length === 0 && (
          <Empty title="No edges enrolled" action={canEnroll && !enrolling && <Button variant="light" onClick={() => setEnrolling(true)}>Add an edge</Button>}>
            Install the agent on a host that runs nginx and enroll it with this team; its availability and config versions then show here.
          </Empty>
        )}
        {data && data.length > 0 && (
          <Table data-testid="agents-table">
            <Table.Thead>
              <Table.Tr><Table.Th>Name</Table.Th><Table.Th>Labels</Table.Th><Table.Th>Availability</Table.Th><Table.Th>Sync</Table.Th><Table.Th>Desired version</Table.Th><Table.Th>Applied version</Table.Th><Table.Th>Enrolled</Table.Th></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td fw={500}><Anchor href={`/agents/${a.id}`} onClick={(e) => { e.preventDefault(); navigate(`/agents/${a.id}`); }}>{a.name}</Anchor></Table.Td>
                  <Table.Td><Group gap={4}>{a.labels.map((l) => <Badge key={l} size="sm" variant="outline">{l}</Badge>)}</Group></Table.Td>
                  <Table.Td>{a.revoked ? <Badge color="red" variant="light">Revoked</Badge> : <Badge color="gray" variant="light" title="The agent has not reported its state to this node">Unknown</Badge>}</Table.Td>
                  <Table.Td><Badge color="gray" variant="light">Unknown</Badge></Table.Td>
                  <Table.Td>Unknown</Table.Td>
                  <Table.Td>Unknown</Table.Td>
                  <Table.Td>{formatTime(a.createdAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </>
  );
}
