// Members of the current team and their roles; admins add people (new or existing users) and change roles.
import { Button, Card, Group, PasswordInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { enums } from '../../shared/api/contract';
import type { Role } from '../../shared/api/roles';
import { api, messageForField, toApiError, unplacedError, type ApiError } from '../api';
import { useAction } from '../ui/use-action';
import { useMembers } from '../stores/areas';
import { useCan, useSession } from '../stores/session';
import { Empty } from '../ui/Empty';
import { ErrorAlert } from '../ui/ErrorAlert';
import { Loading } from '../ui/Loading';

const ROLE_HELP = 'Viewers read; operators change domains, DNS and proxy configs; admins also manage members and API tokens.';
const roleData = enums.role.options.map((r) => ({ value: r, label: r[0]!.toUpperCase() + r.slice(1) }));

function AddMember({ teamId }: { teamId: string }) {
  const [form, setForm] = useState({ email: '', displayName: '', password: '', role: 'viewer' as Role });
  const [newUser, setNewUser] = useState(true);
  const { busy, error, run } = useAction();
  const [done, setDone] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    await run(async () => {
      if (newUser) await api.call('users.create', { teamId, ...form });
      else await api.call('members.set', { teamId, email: form.email, role: form.role });
      setDone(`${form.email} is now a ${form.role} of this team.`);
      setForm({ email: '', displayName: '', password: '', role: form.role });
      await useMembers.getState().reload();
    });
  }

  const bind = (k: 'email' | 'displayName' | 'password') => ({ value: form[k], onChange: (e: { currentTarget: { value: string } }) => setForm({ ...form, [k]: e.currentTarget.value }), error: messageForField(error, k) });
  return (
    <Card withBorder padding="md" data-testid="add-member">
      <form onSubmit={submit} noValidate>
        <Stack>
          <Group justify="space-between">
            <Title order={4}>Add a person</Title>
            <Button variant="subtle" size="xs" onClick={() => setNewUser(!newUser)}>{newUser ? 'They already have an account' : 'Create a new account instead'}</Button>
          </Group>
          <Group grow align="flex-start">
            <TextInput label="E-mail" type="email" {...bind('email')} />
            {newUser && <TextInput label="Name" {...bind('displayName')} />}
            {newUser && <PasswordInput label="Initial password" description="At least 10 characters; share it privately" {...bind('password')} />}
            <Select label="Role" data={roleData} value={form.role} allowDeselect={false} onChange={(v) => v && setForm({ ...form, role: v as Role })} error={messageForField(error, 'role')} />
          </Group>
          <ErrorAlert error={unplacedError(error, [['email'], ['displayName'], ['password'], ['role']])} />
          <Group justify="space-between">
            <Text size="sm" c="green">{done}</Text>
            <Button type="submit" loading={busy}>{newUser ? 'Create and add' : 'Add to team'}</Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

export function SettingsMembers({ teamId }: { teamId: string }) {
  const { data, error, loading } = useMembers();
  const isAdmin = useCan('admin');
  const myId = useSession((s) => s.me?.user.id);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  useEffect(() => {
    void useMembers.getState().load({ teamId });
  }, [teamId]);

  async function run(step: () => Promise<unknown>) {
    setActionError(null);
    try {
      await step();
      await useMembers.getState().reload();
    } catch (e) {
      setActionError(toApiError(e));
    }
  }

  return (
    <Stack>
      <Text size="sm" c="dimmed">{ROLE_HELP}</Text>
      {isAdmin && <AddMember teamId={teamId} />}
      <ErrorAlert error={error ?? actionError} />
      {!data && loading && <Loading what="Loading members…" />}
      {data?.length === 0 && <Empty title="No members">Add people above.</Empty>}
      {data && data.length > 0 && (
        <Table data-testid="members-table">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>E-mail</Table.Th><Table.Th>Role</Table.Th>{isAdmin && <Table.Th />}</Table.Tr></Table.Thead>
          <Table.Tbody>
            {data.map((m) => (
              <Table.Tr key={m.userId}>
                <Table.Td>{m.displayName}{m.userId === myId && <Text span c="dimmed" size="sm"> (you)</Text>}</Table.Td>
                <Table.Td>{m.email}</Table.Td>
                <Table.Td>
                  {isAdmin ? (
                    <Select aria-label={`Role of ${m.email}`} w={140} size="xs" data={roleData} value={m.role} allowDeselect={false} onChange={(v) => v && v !== m.role && void run(() => api.call('members.set', { teamId, email: m.email, role: v as Role }))} />
                  ) : m.role}
                </Table.Td>
                {isAdmin && <Table.Td><Button size="xs" variant="subtle" color="red" onClick={() => void run(() => api.call('members.remove', { teamId, userId: m.userId }))}>Remove</Button></Table.Td>}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
