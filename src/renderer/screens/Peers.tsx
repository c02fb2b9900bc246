// The cluster as this node sees it: itself, the members, the leader with its term, and remote peers.
import { Alert, Badge, Card, Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect } from 'react';
import { usePeers } from '../stores/areas';
import { useIsOwner } from '../stores/session';
import { Empty } from '../ui/Empty';
import { ErrorAlert } from '../ui/ErrorAlert';
import { formatTime } from '../ui/format';
import { Loading } from '../ui/Loading';
import { PageHeader } from '../ui/PageHeader';
import { RemotePeers } from './PeersRemote';

export function Peers() {
  const { data, error, loading } = usePeers();
  const owner = useIsOwner();
  useEffect(() => {
    void usePeers.getState().load({});
  }, []);

  const members = data?.members.filter((m) => !m.removed) ?? [];
  return (
    <>
      <PageHeader title="Peers" description="Netgoat nodes that hold a full replica of this cluster. Nodes on the LAN are found by mDNS and joined only after approval." />
      <Stack>
        <ErrorAlert error={error} />
        {!data && loading && <Loading what="Asking the node about the cluster…" />}
        {data && (
          <Group grow align="stretch">
            <Card withBorder padding="md" data-testid="this-node">
              <Text size="sm" c="dimmed">This node</Text>
              <Code fz="md">{data.nodeId}</Code>
            </Card>
            <Card withBorder padding="md" data-testid="leader">
              <Text size="sm" c="dimmed">Leader</Text>
              {data.leader ? (
                <Text><Code>{data.leader.nodeId}</Code> in term {data.leader.term}</Text>
              ) : (
                <Text>No leader elected yet. Until peers join, this node works on its own; election starts when a second member is linked.</Text>
              )}
            </Card>
          </Group>
        )}
        {data && (
          <Card withBorder padding="md">
            <Title order={4} mb={4}>Members</Title>
            {members.length === 0 ? (
              <Empty title="No other members yet">Start Netgoat on another machine on this network; it shows up here as a pending peer to approve. Where multicast does not cross, add it by address.</Empty>
            ) : (
              <Table>
                <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Node</Table.Th><Table.Th>Address</Table.Th><Table.Th>Priority</Table.Th><Table.Th>Certificate</Table.Th><Table.Th>Joined</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {members.map((m) => (
                    <Table.Tr key={m.nodeId}>
                      <Table.Td>{m.name}{m.nodeId === data.nodeId && <Badge ml="xs" size="xs" variant="light">this node</Badge>}{data.leader?.nodeId === m.nodeId && <Badge ml="xs" size="xs" color="grape">leader</Badge>}</Table.Td>
                      <Table.Td ff="monospace">{m.nodeId}</Table.Td>
                      <Table.Td ff="monospace">{m.address ?? '—'}</Table.Td>
                      <Table.Td>{m.priority}</Table.Td>
                      <Table.Td ff="monospace" title={m.certFingerprint}>{m.certFingerprint.slice(0, 16)}…</Table.Td>
                      <Table.Td>{formatTime(m.joinedAt)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Card>
        )}
        <Alert color="gray" variant="light" title="Discovered and pending peers">
          This node does not report discovered peers through its API yet, so there is nothing to approve here. Peers that ask to join will appear in this place with Approve / Ignore.
        </Alert>
        {owner && <RemotePeers />}
      </Stack>
    </>
  );
}
