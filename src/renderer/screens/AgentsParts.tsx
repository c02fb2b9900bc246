// Pieces the agent list and the agent page share: the honest status words as badges, the revoke
// confirmation, and a refresh every few seconds (agent status lives on the node, not in the
// replicated store, so the event stream does not carry it).
import { Badge, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api, type OutputOf } from '../api';
import { useAction } from '../ui/use-action';
import { useAgents } from '../stores/areas';
import { ErrorAlert } from '../ui/ErrorAlert';

export type AgentRow = OutputOf<'agents.list'>['agents'][number];

/** How often the agent list is fetched again while a screen shows it. */
const REFRESH_MS = 3_000;

const STATUS_COLOR: Record<AgentRow['status'], string> = { Online: 'green', Offline: 'orange', Unavailable: 'red', Unknown: 'gray' };
const STATUS_HINT: Record<AgentRow['status'], string> = {
  Online: 'Linked to this node, heartbeat fresh, nginx answering',
  Offline: 'The agent is up but nginx does not answer',
  Unavailable: 'Seen before, not reachable from this node now',
  Unknown: 'This node has never heard from the agent',
};
const SYNC_COLOR: Record<AgentRow['sync'], string> = { 'In sync': 'green', 'Out of sync': 'yellow', 'Sync failed': 'red', Unknown: 'gray' };

export function StatusBadge({ agent }: { agent: AgentRow }) {
  if (agent.revoked) return <Badge color="red" variant="light">Revoked</Badge>;
  return <Badge color={STATUS_COLOR[agent.status]} variant="light" title={STATUS_HINT[agent.status]}>{agent.status}</Badge>;
}

export function SyncBadge({ agent }: { agent: AgentRow }) {
  return <Badge color={SYNC_COLOR[agent.sync]} variant="light" title={agent.lastError ? `${agent.lastError.code}: ${agent.lastError.message}` : undefined}>{agent.sync}</Badge>;
}

/** Loads the team's agents and fetches them again every few seconds while mounted. */
export function useLiveAgents(teamId: string): void {
  useEffect(() => {
    void useAgents.getState().load({ teamId });
    const timer = setInterval(() => void useAgents.getState().reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [teamId]);
}

/** "Revoke" with a confirmation: the agent's keys stop working and its link is cut at once. */
export function RevokeAgentButton({ teamId, agent, size = 'xs' }: { teamId: string; agent: AgentRow; size?: 'xs' | 'sm' }) {
  const [open, setOpen] = useState(false);
  const { busy, error, run } = useAction();
  if (agent.revoked) return null;
  const revoke = async () => {
    await run(async () => {
      await api.call('agents.revoke', { teamId, agentId: agent.id });
      setOpen(false);
      await useAgents.getState().reload();
    });
  };
  return (
    <>
      <Button size={size} color="red" variant="light" onClick={() => setOpen(true)}>Revoke</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={`Revoke ${agent.name}?`}>
        <Stack>
          <Text size="sm">Its keys stop working and it is disconnected at once. nginx on that host keeps serving its last configuration, but receives no more changes. To bring the host back, enroll it again with a new token.</Text>
          <ErrorAlert error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>Cancel</Button>
            <Button color="red" loading={busy} onClick={() => void revoke()} data-testid="confirm-revoke">Revoke {agent.name}</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
