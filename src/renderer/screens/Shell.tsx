// The signed-in console: navigation, the team switcher, the signed-in user, the live-update state,
// and the screen for the current path.
import { AppShell, Badge, Button, Group, Menu, NavLink, ScrollArea, Select, Stack, Text, Title, Tooltip } from '@mantine/core';
import { useEffect } from 'react';
import { segmentsOf, navigate, useRouter } from '../router';
import { startLiveUpdates, useLink } from '../stores/live';
import { useRole, useSession } from '../stores/session';
import { Overview } from './Overview';
import { Domains } from './Domains';
import { DomainDetail } from './DomainDetail';
import { Peers } from './Peers';
import { Agents } from './Agents';
import { AgentDetail } from './AgentDetail';
import { Incidents } from './Incidents';
import { IncidentDetail } from './IncidentDetail';
import { Audit } from './Audit';
import { Settings } from './Settings';
import { Empty } from '../ui/Empty';

const SECTIONS = [
  { key: '', label: 'Overview' },
  { key: 'domains', label: 'Domains' },
  { key: 'peers', label: 'Peers' },
  { key: 'agents', label: 'Agents' },
  { key: 'incidents', label: 'Incidents' },
  { key: 'audit', label: 'Audit' },
  { key: 'settings', label: 'Settings' },
] as const;

function Screen({ segments, teamId }: { segments: string[]; teamId: string | null }) {
  const [section, id, tab] = segments;
  if (section === 'peers') return <Peers />;
  if (!teamId) {
    return section === 'settings' ? <Settings tab={id} /> : (
      <Empty title="You are not in a team yet">Ask an admin of a team to add you (Settings → Members), or, as the instance owner, create a team in Settings → Teams.</Empty>
    );
  }
  switch (section) {
    case undefined: return <Overview teamId={teamId} />;
    case 'domains': return id ? <DomainDetail teamId={teamId} domainId={id} tab={tab} /> : <Domains teamId={teamId} />;
    case 'agents': return id ? <AgentDetail teamId={teamId} agentId={id} /> : <Agents teamId={teamId} />;
    case 'incidents': return id ? <IncidentDetail teamId={teamId} incidentId={id} /> : <Incidents teamId={teamId} />;
    case 'audit': return <Audit key={teamId} teamId={teamId} />;
    case 'settings': return <Settings tab={id} />;
    default: return <Empty title="There is no such page">Pick a section on the left.</Empty>;
  }
}

const LINK_WORDS = { connecting: ['Connecting…', 'gray'], live: ['Live', 'green'], reconnecting: ['Reconnecting…', 'yellow'] } as const;

export function Shell() {
  const path = useRouter((s) => s.path);
  const me = useSession((s) => s.me);
  const teams = useSession((s) => s.teams);
  const teamId = useSession((s) => s.teamId);
  const switchTeam = useSession((s) => s.switchTeam);
  const signOut = useSession((s) => s.signOut);
  const role = useRole();
  const link = useLink((s) => s.state);
  useEffect(() => startLiveUpdates(), []);

  const segments = segmentsOf(path);
  const section = segments[0] ?? '';
  const [linkWord, linkColor] = LINK_WORDS[link];

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'xs' }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="md" wrap="nowrap">
            <Title order={1} size="h3">Netgoat</Title>
            <Select
              aria-label="Team"
              data-testid="team-switcher"
              placeholder="No team"
              w={220}
              allowDeselect={false}
              data={teams.map((t) => ({ value: t.id, label: t.role ? `${t.name} (${t.role})` : `${t.name} (owner access)` }))}
              value={teamId}
              onChange={(v) => v && switchTeam(v)}
            />
          </Group>
          <Group gap="md" wrap="nowrap">
            <Tooltip label={link === 'live' ? 'Changes appear as they happen' : 'Live updates are paused; the console reconnects on its own'}>
              <Badge variant="dot" color={linkColor} data-testid="live-state">{linkWord}</Badge>
            </Tooltip>
            <Menu position="bottom-end">
              <Menu.Target>
                <Button variant="subtle" data-testid="user-menu">{me?.user.displayName ?? 'Account'}</Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>
                  <Stack gap={0}>
                    <Text size="sm">{me?.user.email}</Text>
                    <Text size="xs" c="dimmed">{me?.user.owner ? 'Instance owner' : role ? `Role in this team: ${role}` : 'No role in this team'}</Text>
                  </Stack>
                </Menu.Label>
                <Menu.Divider />
                <Menu.Item onClick={() => void signOut()}>Sign out</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        <AppShell.Section grow component={ScrollArea}>
          <nav aria-label="Main">
            {SECTIONS.map((s) => (
              <NavLink
                key={s.key}
                label={s.label}
                href={`/${s.key}`}
                active={section === s.key}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(`/${s.key}`);
                }}
              />
            ))}
          </nav>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        <Screen segments={segments} teamId={teamId} />
      </AppShell.Main>
    </AppShell>
  );
}
