// One incident: what it is about (agent, domain, config version, last apply), its timeline, and
// acknowledge / resolve with a note.
import { Anchor, Breadcrumbs, Button, Card, Code, Group, SimpleGrid, Stack, Text, Textarea, Timeline, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import type { OutputOf } from '../api';
import { useEffect, useState } from 'react';
import { api } from '../api';
import { useAction } from '../ui/use-action';
import { navigate } from '../router';
import { useIncident } from '../stores/areas';
import { useCan } from '../stores/session';
import { ErrorAlert } from '../ui/ErrorAlert';
import { formatTime } from '../ui/format';
import { IncidentStatus } from '../ui/IncidentStatus';
import { Loading } from '../ui/Loading';

type IncidentContext = OutputOf<'incidents.get'>['context'];

const link = (to: string, text: string): ReactNode => <Anchor href={to} onClick={(e) => { e.preventDefault(); navigate(to); }}>{text}</Anchor>;

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return <Stack gap={2}><Text size="xs" c="dimmed" fw={500}>{label}</Text><Text size="sm" component="div">{children}</Text></Stack>;
}

/** The agent, domain, config version and last apply the incident is about, linked where the console has a page. */
function About({ context }: { context: IncidentContext }) {
  const { agent, domain, configVersion, lastApply } = context;
  return (
    <Card withBorder padding="md" data-testid="incident-context">
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
        <Fact label="Agent">{agent ? link(`/agents/${agent.id}`, agent.name ?? agent.id) : 'Not tied to an agent'}</Fact>
        <Fact label="Domain">{domain ? link(`/domains/${domain.id}/traffic`, domain.hostname ?? domain.id) : 'Not tied to a domain'}</Fact>
        <Fact label="Config version">{configVersion ?? 'Unknown'}</Fact>
        <Fact label="Last apply">
          {lastApply ? (
            <Stack gap={2}>
              <Text size="sm">Version {lastApply.version}: {lastApply.ok ? 'applied' : 'failed'} {formatTime(lastApply.at)}</Text>
              {lastApply.code && <Code fz="xs">{lastApply.code}</Code>}
              {lastApply.message && <Text size="xs" c="dimmed">{lastApply.message}</Text>}
            </Stack>
          ) : 'None recorded'}
        </Fact>
      </SimpleGrid>
    </Card>
  );
}

export function IncidentDetail({ teamId, incidentId }: { teamId: string; incidentId: string }) {
  const { data, error, loading } = useIncident();
  const canAct = useCan('operator');
  const [note, setNote] = useState('');
  const { busy, error: actionError, run } = useAction();
  useEffect(() => {
    void useIncident.getState().load({ teamId, incidentId });
  }, [teamId, incidentId]);

  async function act(step: 'incidents.acknowledge' | 'incidents.resolve') {
    await run(async () => {
      await api.call(step, { teamId, incidentId, ...(note.trim() ? { note: note.trim() } : {}) });
      setNote('');
      await useIncident.getState().reload();
    });
  }

  const crumbs = (
    <Breadcrumbs>
      <Anchor href="/incidents" onClick={(e) => { e.preventDefault(); navigate('/incidents'); }}>Incidents</Anchor>
      <Text>{data?.incident.title ?? incidentId}</Text>
    </Breadcrumbs>
  );
  if (!data) return <Stack>{crumbs}{loading && <Loading what="Loading the incident…" />}<ErrorAlert error={error} /></Stack>;
  const { incident, timeline, context } = data;
  return (
    <Stack>
      {crumbs}
      <Group gap="sm"><Title order={2}>{incident.title}</Title><IncidentStatus status={incident.status} /></Group>
      <Text size="sm" c="dimmed">{incident.kind} · opened {formatTime(incident.openedAt)}</Text>
      <About context={context} />
      <Card withBorder padding="md">
        <Title order={4} mb="sm">Timeline</Title>
        <Timeline bulletSize={14} lineWidth={2}>
          {!timeline.some((e) => e.kind === 'opened') && <Timeline.Item title="opened"><Text size="xs" c="dimmed">{formatTime(incident.openedAt)}</Text></Timeline.Item>}
          {timeline.map((e) => (
            <Timeline.Item key={e.id} title={e.kind}>
              {e.message && <Text size="sm">{e.message}</Text>}
              <Text size="xs" c="dimmed">{formatTime(e.at)}{e.actor ? ` · ${e.actor}` : ''}</Text>
            </Timeline.Item>
          ))}
        </Timeline>
      </Card>
      {canAct && incident.status !== 'resolved' && (
        <Card withBorder padding="md">
          <Stack>
            <Textarea label="Note (optional)" description="Added to the timeline" value={note} onChange={(e) => setNote(e.currentTarget.value)} maxLength={2000} />
            <ErrorAlert error={actionError} />
            <Group justify="flex-end">
              {incident.status === 'open' && <Button variant="light" loading={busy} onClick={() => void act('incidents.acknowledge')}>Acknowledge</Button>}
              <Button color="green" loading={busy} onClick={() => void act('incidents.resolve')}>Resolve</Button>
            </Group>
          </Stack>
        </Card>
      )}
    </Stack>
  );
}
