// API tokens for automation: bound to this team, read or write scope, expiring; the secret is shown once.
import { Alert, Badge, Button, Card, Code, CopyButton, Group, NumberInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { api, messageForField, toApiError, unplacedError, type OutputOf } from '../api';
import { useAction } from '../ui/use-action';
import { useApiTokens } from '../stores/areas';
import { Empty } from '../ui/Empty';
import { ErrorAlert } from '../ui/ErrorAlert';
import { formatTime, relativeTime } from '../ui/format';
import { Loading } from '../ui/Loading';

type Created = OutputOf<'apiTokens.create'>;
type TokenInfo = Created['info'];

/** Whether a token still works, read against the clock when the list is drawn. */
function tokenState(t: TokenInfo): { usable: boolean; words: string } {
  const now = Date.now();
  if (t.revokedAt) return { usable: false, words: 'Revoked' };
  if (t.expiresAt <= now) return { usable: false, words: 'Expired' };
  return { usable: true, words: `Expires ${relativeTime(t.expiresAt, now)}` };
}

function NewToken({ created, onDismiss }: { created: Created; onDismiss: () => void }) {
  return (
    <Alert color="green" title={`Token “${created.info.name}” created`} data-testid="new-token">
      <Stack gap="xs">
        <Text size="sm" fw={500}>Copy it now: this is the only time it is shown. It expires {formatTime(created.info.expiresAt)} ({relativeTime(created.info.expiresAt)}).</Text>
        <Group wrap="nowrap">
          <Code block style={{ flex: 1, wordBreak: 'break-all' }} data-testid="token-secret">{created.token}</Code>
          <CopyButton value={created.token}>{({ copied, copy }) => <Button size="xs" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
        </Group>
        <Text size="sm">Use it as <Code>Authorization: Bearer …</Code> on <Code>POST /api/rpc/&lt;procedure&gt;</Code>.</Text>
        <Button size="xs" variant="default" w="fit-content" onClick={onDismiss}>I have copied it</Button>
      </Stack>
    </Alert>
  );
}

export function SettingsTokens({ teamId }: { teamId: string }) {
  const { data, error, loading } = useApiTokens();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'read' | 'write'>('read');
  const [days, setDays] = useState(90);
  const { busy, error: formError, run, setError: setFormError } = useAction();
  const [created, setCreated] = useState<Created | null>(null);
  useEffect(() => {
    void useApiTokens.getState().load({ teamId });
  }, [teamId]);

  async function create(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      setCreated(await api.call('apiTokens.create', { teamId, name, scope, expiresInDays: days }));
      setName('');
      await useApiTokens.getState().reload();
    });
  }

  async function revoke(tokenId: string) {
    try {
      await api.call('apiTokens.revoke', { teamId, tokenId });
      await useApiTokens.getState().reload();
    } catch (err) {
      setFormError(toApiError(err));
    }
  }

  return (
    <Stack>
      {created && <NewToken created={created} onDismiss={() => setCreated(null)} />}
      <Card withBorder padding="md">
        <form onSubmit={create} noValidate>
          <Stack>
            <Title order={4}>Create a token</Title>
            <Group grow align="flex-start">
              <TextInput label="Name" placeholder="e.g. ci-deploy" value={name} onChange={(e) => setName(e.currentTarget.value)} error={messageForField(formError, 'name')} />
              <Select label="Scope" description="Read: view only. Write: operator changes (never admin)." data={[{ value: 'read', label: 'Read' }, { value: 'write', label: 'Write' }]} value={scope} allowDeselect={false} onChange={(v) => v && setScope(v as 'read' | 'write')} error={messageForField(formError, 'scope')} />
              <NumberInput label="Expires in (days)" min={1} max={365} value={days} onChange={(v) => setDays(typeof v === 'number' ? v : Number(v) || 0)} error={messageForField(formError, 'expiresInDays')} />
            </Group>
            <ErrorAlert error={unplacedError(formError, [['name'], ['scope'], ['expiresInDays']])} />
            <Group justify="flex-end"><Button type="submit" loading={busy}>Create token</Button></Group>
          </Stack>
        </form>
      </Card>
      <ErrorAlert error={error} />
      {!data && loading && <Loading what="Loading tokens…" />}
      {data?.length === 0 && <Empty title="No API tokens">Create one above for scripts and CI; it works only for this team.</Empty>}
      {data && data.length > 0 && (
        <Table data-testid="tokens-table">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Token</Table.Th><Table.Th>Scope</Table.Th><Table.Th>State</Table.Th><Table.Th>Last used</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {data.map((t) => {
              const state = tokenState(t);
              return (
                <Table.Tr key={t.id}>
                  <Table.Td>{t.name}</Table.Td>
                  <Table.Td ff="monospace">{t.prefix}…</Table.Td>
                  <Table.Td><Badge variant="light">{t.scope}</Badge></Table.Td>
                  <Table.Td><Text size="sm" c={state.usable ? undefined : 'red'}>{state.words}</Text></Table.Td>
                  <Table.Td>{t.lastUsedAt ? formatTime(t.lastUsedAt) : 'Never'}</Table.Td>
                  <Table.Td>{state.usable && <Button size="xs" color="red" variant="subtle" onClick={() => void revoke(t.id)}>Revoke</Button>}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
