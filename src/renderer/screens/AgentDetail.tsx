// One edge agent: its status as this node sees it, desired vs applied config, the last apply, its
// keys (ids only), revoke and key rotation, and the traffic it served across its domains.
import { Anchor, Badge, Breadcrumbs, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { api, toApiError, type ApiError } from '../api';
import { navigate } from '../router';
import { useAgents } from '../stores/areas';
import { useCan } from '../stores/session';
import { ErrorAlert } from '../ui/ErrorAlert';
import { formatTime, relativeTime } from '../ui/format';
import { Loading } from '../ui/Loading';
import { TrafficPanel } from '../ui/TrafficPanel';
import { RevokeAgentButton, StatusBadge, SyncBadge, useLiveAgents, type AgentRow } from './AgentsParts';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text size="sm" component="div">{children}</Text>
    </Stack>
  );
}

function RotateKeyButton({ teamId, agent, onError }: { teamId: string; agent: AgentRow; onError: (e: ApiError | null) => void }) {
  const [busy, setBusy] = useState(false);
  if (agent.revoked) return null;
  const rotate = async () => {
    setBusy(true);
    onError(null);
    try {
      await api.call('agents.rotateKey', { teamId, agentId: agent.id });
      await useAgents.getState().reload();
    } catch (e) {
      onError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return <Button size="sm" variant="light" loading={busy} onClick={() => void rotate()} title="The agent receives the new key over its link; the previous key stays valid until the next rotation">Rotate key</Button>;
}

export function AgentDetail({ teamId, agentId }: { teamId: string; agentId: string }) {
  const { data, error, loading } = useAgents();
  const canManage = useCan('admin');
  const [actionError, setActionError] = useState<ApiError | null>(null);
  useLiveAgents(teamId);
  const agent = data?.find((a) => a.id === agentId);
  return (
    <Stack>
      <Breadcrumbs>
        <Anchor href="/agents" onClick={(e) => { e.preventDefault(); navigate('/agents'); }}>Agents</Anchor>
        <Text>{agent?.name ?? agentId}</Text>
      </Breadcrumbs>
      <ErrorAlert error={error} />
      {!data && loading && <Loading what="Loading the agent…" />}
      <Group gap="sm" justify="space-between">
        <Group gap="sm">
          <Title order={2}>{agent?.name ?? agentId}</Title>
          {agent && <StatusBadge agent={agent} />}
          {agent?.labels.map((l) => <Badge key={l} size="sm" variant="outline">{l}</Badge>)}
        </Group>
        {agent && canManage && (
          <Group gap="xs">
            <RotateKeyButton teamId={teamId} agent={agent} onError={setActionError} />
            <RevokeAgentButton teamId={teamId} agent={agent} size="sm" />
          </Group>
        )}
      </Group>
      <ErrorAlert error={actionError} />
      {data && !agent && <Text size="sm" c="dimmed">This team has no enrolled agent with id <Text span ff="monospace">{agentId}</Text>; traffic it reported earlier is still shown.</Text>}
      {agent && (
        <Card withBorder data-testid="agent-facts">
          <SimpleGrid cols={{ base: 2, md: 4 }}>
            <Fact label="Sync"><SyncBadge agent={agent} /></Fact>
            <Fact label="Desired / applied version">{agent.desiredVersion || '—'} / {agent.appliedVersion || '—'}</Fact>
            <Fact label="Last heartbeat">{agent.lastHeartbeat ? `${relativeTime(agent.lastHeartbeat.at)} · nginx ${agent.lastHeartbeat.nginxUp ? 'up' : 'down'} · ${agent.lastHeartbeat.activeConnections} connections` : 'never'}</Fact>
            <Fact label="Enrolled">{formatTime(agent.createdAt)}</Fact>
            <Fact label="Last apply attempt">{formatTime(agent.lastAttempt)}</Fact>
            <Fact label="Last successful apply">{formatTime(agent.lastSuccess)}</Fact>
            <Fact label="Last error">{agent.lastError ? <Text size="sm" c="red" ff="monospace">{agent.lastError.code}: {agent.lastError.message}</Text> : 'none'}</Fact>
            <Fact label="Key ids (primary first)"><Text size="sm" ff="monospace">{agent.keyIds.join(', ') || 'none (revoked)'}</Text></Fact>
          </SimpleGrid>
        </Card>
      )}
      <Title order={3} size="h4">Traffic</Title>
      <TrafficPanel teamId={teamId} agentId={agentId} emptyText="Traffic appears once this agent ships its first minute of access-log buckets." />
    </Stack>
  );
}
