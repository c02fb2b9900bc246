// The first screen after sign-in: the cluster, its leader, the edges and the open incidents, as the node reports them.
import { Anchor, Card, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { useEffect, type ReactNode } from 'react';
import { navigate } from '../router';
import { useAgents, useDomains, useIncidents, usePeers } from '../stores/areas';
import { ErrorAlert } from '../ui/ErrorAlert';
import { PageHeader } from '../ui/PageHeader';

function Tile({ title, value, detail, to, testId }: { title: string; value: ReactNode; detail: ReactNode; to: string; testId: string }) {
  return (
    <Card withBorder padding="lg" radius="md" data-testid={testId}>
      <Stack gap={6}>
        <Text size="sm" c="dimmed" fw={500}>{title}</Text>
        <Text fz={28} fw={700} lh={1.1}>{value}</Text>
        <Text size="sm" c="dimmed">{detail}</Text>
        <Anchor size="sm" href={to} onClick={(e) => { e.preventDefault(); navigate(to); }}>Open {title.toLowerCase()}</Anchor>
      </Stack>
    </Card>
  );
}

export function Overview({ teamId }: { teamId: string }) {
  const peers = usePeers();
  const agents = useAgents();
  const incidents = useIncidents();
  const domains = useDomains();
  useEffect(() => {
    void usePeers.getState().load({});
    void useAgents.getState().load({ teamId });
    void useIncidents.getState().load({ teamId });
    void useDomains.getState().load({ teamId });
  }, [teamId]);

  const p = peers.data;
  const memberCount = p ? p.members.filter((m) => !m.removed).length : null;
  const agentCount = agents.data?.filter((a) => !a.revoked).length ?? null;
  const openCount = incidents.data?.filter((i) => i.status === 'open').length ?? null;
  const ackedCount = incidents.data?.filter((i) => i.status === 'acknowledged').length ?? 0;
  const pending = '…';

  return (
    <>
      <PageHeader title="Overview" description="This cluster at a glance, as this node knows it right now." />
      <Stack gap="md">
        <ErrorAlert error={peers.error ?? agents.error ?? incidents.error ?? domains.error} />
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
          <Tile
            testId="tile-cluster"
            title="Cluster"
            to="/peers"
            value={memberCount === null ? pending : memberCount === 0 ? '1 node' : `${memberCount} member${memberCount === 1 ? '' : 's'}`}
            detail={p ? (p.leader ? <>Leader <Text span ff="monospace">{p.leader.nodeId}</Text>, term {p.leader.term}</> : 'No leader elected yet: this node runs on its own') : pending}
          />
          <Tile
            testId="tile-edges"
            title="Agents"
            to="/agents"
            value={agentCount === null ? pending : `${agentCount} enrolled`}
            detail={agentCount === 0 ? 'No edges yet: enroll one from Agents' : 'Online: Unknown (agents do not report health to this node yet)'}
          />
          <Tile
            testId="tile-incidents"
            title="Incidents"
            to="/incidents"
            value={openCount === null ? pending : `${openCount} open`}
            detail={openCount === 0 && ackedCount === 0 ? 'Nothing needs attention' : `${ackedCount} acknowledged; acknowledge or resolve them in Incidents`}
          />
          <Tile
            testId="tile-domains"
            title="Domains"
            to="/domains"
            value={domains.data ? `${domains.data.length}` : pending}
            detail={domains.data?.length === 0 ? 'Add your first domain in Domains' : `${domains.data?.filter((d) => d.tls.status === 'Active').length ?? 0} with an active certificate`}
          />
        </SimpleGrid>
        <Group gap={6}>
          <Text size="sm" c="dimmed">This node:</Text>
          <Text size="sm" ff="monospace">{p?.nodeId ?? pending}</Text>
        </Group>
      </Stack>
    </>
  );
}
