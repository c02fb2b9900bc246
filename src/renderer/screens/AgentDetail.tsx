// One edge agent: who it is and the traffic it served, across all the domains it serves.
import { Anchor, Badge, Breadcrumbs, Group, Stack, Text, Title } from '@mantine/core';
import { useEffect } from 'react';
import { navigate } from '../router';
import { useAgents } from '../stores/areas';
import { ErrorAlert } from '../ui/ErrorAlert';
import { Loading } from '../ui/Loading';
import { TrafficPanel } from '../ui/TrafficPanel';

export function AgentDetail({ teamId, agentId }: { teamId: string; agentId: string }) {
  const { data, error, loading } = useAgents();
  useEffect(() => {
    void useAgents.getState().load({ teamId });
  }, [teamId]);
  const agent = data?.find((a) => a.id === agentId);
  return (
    <Stack>
      <Breadcrumbs>
        <Anchor href="/agents" onClick={(e) => { e.preventDefault(); navigate('/agents'); }}>Agents</Anchor>
        <Text>{agent?.name ?? agentId}</Text>
      </Breadcrumbs>
      <ErrorAlert error={error} />
      {!data && loading && <Loading what="Loading the agent…" />}
      <Group gap="sm">
        <Title order={2}>{agent?.name ?? agentId}</Title>
        {agent?.revoked && <Badge color="red" variant="light">Revoked</Badge>}
        {agent?.labels.map((l) => <Badge key={l} size="sm" variant="outline">{l}</Badge>)}
      </Group>
      {data && !agent && <Text size="sm" c="dimmed">This team has no enrolled agent with id <Text span ff="monospace">{agentId}</Text>; traffic it reported earlier is still shown.</Text>}
      <Title order={3} size="h4">Traffic</Title>
      <TrafficPanel teamId={teamId} agentId={agentId} emptyText="Traffic appears once this agent ships its first minute of access-log buckets." />
    </Stack>
  );
}
