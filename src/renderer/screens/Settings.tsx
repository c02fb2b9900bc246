// People, access and alerting: members and roles of this team, alert rules, notification channels and
// API tokens (admins), users and teams (instance owner).
import { Badge, Button, Card, Group, Stack, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { api, messageForField, unplacedError } from '../api';
import { useAction } from '../ui/use-action';
import { navigate } from '../router';
import { useUsers } from '../stores/areas';
import { useCan, useIsOwner, useSession } from '../stores/session';
import { ErrorAlert } from '../ui/ErrorAlert';
import { formatTime } from '../ui/format';
import { Loading } from '../ui/Loading';
import { PageHeader } from '../ui/PageHeader';
import { SettingsMembers } from './SettingsMembers';
import { SettingsTokens } from './SettingsTokens';
import { SettingsAlertRules } from './SettingsAlertRules';
import { SettingsNotifications } from './SettingsNotifications';

function Users() {
  const { data, error, loading } = useUsers();
  useEffect(() => {
    void useUsers.getState().load({});
  }, []);
  return (
    <Stack>
      <Text size="sm" c="dimmed">Everyone with an account on this instance. Add people to a team from Members.</Text>
      <ErrorAlert error={error} />
      {!data && loading && <Loading what="Loading users…" />}
      {data && (
        <Table>
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>E-mail</Table.Th><Table.Th>Account</Table.Th><Table.Th>Created</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {data.map((u) => (
              <Table.Tr key={u.id}>
                <Table.Td>{u.displayName}</Table.Td>
                <Table.Td>{u.email}</Table.Td>
                <Table.Td><Group gap={4}>{u.owner && <Badge size="sm" color="grape" variant="light">Instance owner</Badge>}{u.disabled && <Badge size="sm" color="red" variant="light">Disabled</Badge>}</Group></Table.Td>
                <Table.Td>{formatTime(u.createdAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

function Teams() {
  const teams = useSession((s) => s.teams);
  const refreshTeams = useSession((s) => s.refreshTeams);
  const [name, setName] = useState('');
  const { busy, error, run } = useAction();
  async function create(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      await api.call('teams.create', { name });
      setName('');
      await refreshTeams();
    });
  }
  return (
    <Stack>
      <Card withBorder padding="md">
        <form onSubmit={create} noValidate>
          <Stack>
            <Title order={4}>Create a team</Title>
            <Text size="sm" c="dimmed">A team is the tenant boundary: its members see only its domains, agents and incidents.</Text>
            <Group align="flex-start">
              <TextInput aria-label="Team name" placeholder="Team name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={messageForField(error, 'name')} />
              <Button type="submit" loading={busy}>Create team</Button>
            </Group>
            <ErrorAlert error={unplacedError(error, [['name']])} />
          </Stack>
        </form>
      </Card>
      <Table>
        <Table.Thead><Table.Tr><Table.Th>Team</Table.Th><Table.Th>Your role</Table.Th><Table.Th>Created</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {teams.map((t) => (
            <Table.Tr key={t.id}><Table.Td>{t.name}</Table.Td><Table.Td>{t.role ?? 'Owner access'}</Table.Td><Table.Td>{formatTime(t.createdAt)}</Table.Td></Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

export function Settings({ tab }: { tab: string | undefined }) {
  const teamId = useSession((s) => s.teamId);
  const owner = useIsOwner();
  const isAdmin = useCan('admin');
  const tabs = [
    ...(teamId ? [{ value: 'members', label: 'Members & roles' }] : []),
    ...(teamId ? [{ value: 'alerts', label: 'Alert rules' }] : []),
    ...(teamId && isAdmin ? [{ value: 'notifications', label: 'Notifications' }, { value: 'tokens', label: 'API tokens' }] : []),
    ...(owner ? [{ value: 'users', label: 'Users' }, { value: 'teams', label: 'Teams' }] : []),
  ];
  const current = tabs.find((t) => t.value === tab)?.value ?? tabs[0]?.value ?? null;
  return (
    <>
      <PageHeader title="Settings" description="Who can do what in this team, when it is alerted and where, and the tokens scripts use." />
      {tabs.length === 0 ? <Text c="dimmed">Nothing to manage here until you are a member of a team.</Text> : (
        <Tabs value={current} onChange={(t) => t && navigate(`/settings/${t}`)} keepMounted={false}>
          <Tabs.List mb="lg">{tabs.map((t) => <Tabs.Tab key={t.value} value={t.value}>{t.label}</Tabs.Tab>)}</Tabs.List>
          {teamId && <Tabs.Panel value="members"><SettingsMembers teamId={teamId} /></Tabs.Panel>}
          {teamId && <Tabs.Panel value="alerts"><SettingsAlertRules teamId={teamId} /></Tabs.Panel>}
          {teamId && isAdmin && <Tabs.Panel value="notifications"><SettingsNotifications teamId={teamId} /></Tabs.Panel>}
          {teamId && isAdmin && <Tabs.Panel value="tokens"><SettingsTokens teamId={teamId} /></Tabs.Panel>}
          {owner && <Tabs.Panel value="users"><Users /></Tabs.Panel>}
          {owner && <Tabs.Panel value="teams"><Teams /></Tabs.Panel>}
        </Tabs>
      )}
    </>
  );
}
