// Notification channels (admins): webhooks whose signing secret is shown once, "Send test" with its
// answer, and each channel's delivery log as this node recorded it.
import { Alert, Badge, Button, Card, Code, CopyButton, Group, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { api, messageForField, toApiError, unplacedError, type ApiError, type OutputOf } from '../api';
import { useAction } from '../ui/use-action';
import { useChannels } from '../stores/areas';
import { Empty } from '../ui/Empty';
import { ErrorAlert } from '../ui/ErrorAlert';
import { formatTime } from '../ui/format';
import { Loading } from '../ui/Loading';

type Channel = OutputOf<'channels.list'>['channels'][number];
type Delivery = OutputOf<'channels.deliveries'>['deliveries'][number];
type TestResult = OutputOf<'channels.test'>['result'];

function NewSecret({ name, secret, onDismiss }: { name: string; secret: string; onDismiss: () => void }) {
  return (
    <Alert color="green" title={`Signing secret of “${name}”`} data-testid="new-secret">
      <Stack gap="xs">
        <Text size="sm" fw={500}>Copy it into your receiver now: this is the only time it is shown. Receivers verify <Code>x-netgoat-signature</Code> with it (docs/webhooks.md).</Text>
        <Group wrap="nowrap">
          <Code block style={{ flex: 1, wordBreak: 'break-all' }} data-testid="channel-secret">{secret}</Code>
          <CopyButton value={secret}>{({ copied, copy }) => <Button size="xs" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
        </Group>
        <Button size="xs" variant="default" w="fit-content" onClick={onDismiss}>I have copied it</Button>
      </Stack>
    </Alert>
  );
}

function resultWords(r: TestResult): string {
  if (r.ok) return r.status === null ? 'Delivered' : `Delivered (HTTP ${r.status})`;
  return `Failed: ${r.error ?? (r.status === null ? 'no answer' : `HTTP ${r.status}`)}`;
}

function DeliveryLog({ teamId, channel, version }: { teamId: string; channel: Channel; version: number }) {
  const [rows, setRows] = useState<Delivery[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    let live = true;
    api.call('channels.deliveries', { teamId, channelId: channel.id, limit: 20 }).then(
      (r) => live && setRows(r.deliveries),
      (e: unknown) => live && setError(toApiError(e)),
    );
    return () => {
      live = false;
    };
  }, [teamId, channel.id, version]);
  return (
    <Card withBorder padding="md" data-testid="delivery-log">
      <Title order={5} mb="xs">Delivery log: {channel.name}</Title>
      <ErrorAlert error={error} />
      {!rows && !error && <Loading what="Loading deliveries…" />}
      {rows?.length === 0 && <Text size="sm" c="dimmed">Nothing sent to this channel from this node yet. Press “Send test” to try it.</Text>}
      {rows && rows.length > 0 && (
        <Table>
          <Table.Thead><Table.Tr><Table.Th>When</Table.Th><Table.Th>Event</Table.Th><Table.Th>Attempt</Table.Th><Table.Th>Result</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {rows.map((d) => (
              <Table.Tr key={`${d.deliveryId}/${d.attempt}`}>
                <Table.Td>{formatTime(d.at)}</Table.Td>
                <Table.Td ff="monospace">{d.event}</Table.Td>
                <Table.Td>{d.attempt}</Table.Td>
                <Table.Td>
                  {d.error === null
                    ? <Badge color="green" variant="light">Delivered{d.status !== null ? ` · ${d.status}` : ''}</Badge>
                    : <Text size="sm" c="red">{d.status !== null ? `${d.status}: ` : ''}{d.error}</Text>}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

export function SettingsNotifications({ teamId }: { teamId: string }) {
  const { data, error, loading } = useChannels();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const { busy, error: formError, run } = useAction();
  const [rowError, setRowError] = useState<ApiError | null>(null);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [testing, setTesting] = useState<string | null>(null);
  const [results, setResults] = useState<Record<string, TestResult>>({});
  const [logOf, setLogOf] = useState<string | null>(null);
  const [logVersion, setLogVersion] = useState(0);
  useEffect(() => {
    void useChannels.getState().load({ teamId });
  }, [teamId]);

  async function create(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      const made = await api.call('channels.create', { teamId, kind: 'webhook', name, url });
      if (made.secret) setSecret({ name: made.channel.name, secret: made.secret });
      setName('');
      setUrl('');
      await useChannels.getState().reload();
    });
  }

  async function sendTest(c: Channel) {
    setTesting(c.id);
    setRowError(null);
    try {
      const { result } = await api.call('channels.test', { teamId, channelId: c.id });
      setResults((r) => ({ ...r, [c.id]: result }));
      setLogOf(c.id);
      setLogVersion((v) => v + 1);
    } catch (err) {
      setRowError(toApiError(err));
    } finally {
      setTesting(null);
    }
  }

  async function change(step: () => Promise<unknown>) {
    setRowError(null);
    try {
      await step();
      await useChannels.getState().reload();
    } catch (err) {
      setRowError(toApiError(err));
    }
  }

  const shownLog = data?.find((c) => c.id === logOf) ?? null;
  return (
    <Stack>
      {secret && <NewSecret name={secret.name} secret={secret.secret} onDismiss={() => setSecret(null)} />}
      <Card withBorder padding="md">
        <form onSubmit={create} noValidate>
          <Stack>
            <Title order={4}>Add a webhook</Title>
            <Text size="sm" c="dimmed">Each incident change of this team (opened, acknowledged, resolved) is POSTed as signed JSON; the format is in docs/webhooks.md.</Text>
            <Group grow align="flex-start">
              <TextInput label="Name" placeholder="e.g. On-call chat" value={name} onChange={(e) => setName(e.currentTarget.value)} error={messageForField(formError, 'name')} />
              <TextInput label="URL" placeholder="https://hooks.example.com/netgoat" value={url} onChange={(e) => setUrl(e.currentTarget.value)} error={messageForField(formError, 'url')} />
            </Group>
            <ErrorAlert error={unplacedError(formError, [['name'], ['url']])} />
            <Group justify="flex-end"><Button type="submit" loading={busy}>Add webhook</Button></Group>
          </Stack>
        </form>
      </Card>
      <ErrorAlert error={error ?? rowError} />
      {!data && loading && <Loading what="Loading channels…" />}
      {data?.length === 0 && <Empty title="No notification channels">Add a webhook above; incidents are then announced to it, and “Send test” shows whether it arrives.</Empty>}
      {data && data.length > 0 && (
        <Table data-testid="channels-table">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Where</Table.Th><Table.Th>Enabled</Table.Th><Table.Th>Last test</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {data.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td fw={500}>{c.name}</Table.Td>
                <Table.Td>{c.kind === 'webhook' ? <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>{c.url}</Text> : 'Desktop notification'}</Table.Td>
                <Table.Td>
                  <Switch aria-label={`Enabled: ${c.name}`} checked={c.enabled} onChange={(e) => { const enabled = e.currentTarget.checked; void change(() => api.call('channels.update', { teamId, channelId: c.id, expectedVersion: c.version, enabled })); }} />
                </Table.Td>
                <Table.Td data-testid={`test-result-${c.id}`}>
                  {results[c.id] ? <Text size="sm" c={results[c.id]!.ok ? 'green' : 'red'}>{resultWords(results[c.id]!)}</Text> : <Text size="sm" c="dimmed">—</Text>}
                </Table.Td>
                <Table.Td>
                  <Group gap="xs" justify="flex-end" wrap="nowrap">
                    <Button size="xs" variant="light" loading={testing === c.id} onClick={() => void sendTest(c)}>Send test</Button>
                    <Button size="xs" variant="subtle" onClick={() => setLogOf(logOf === c.id ? null : c.id)}>{logOf === c.id ? 'Hide log' : 'Delivery log'}</Button>
                    <Button size="xs" color="red" variant="subtle" onClick={() => void change(() => api.call('channels.delete', { teamId, channelId: c.id }))}>Delete</Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {shownLog && <DeliveryLog teamId={teamId} channel={shownLog} version={logVersion} />}
    </Stack>
  );
}
