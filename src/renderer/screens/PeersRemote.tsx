// Remote peers on the Peers screen (owner only): the table with the leader's link to each, the add
// form (the client secret is sent once and never shown again), and enable/disable/remove with a
// confirmation. Link states change without a write, so the table refreshes every 2 s while shown.
import { Badge, Button, Card, Collapse, Group, Modal, PasswordInput, Select, Stack, Table, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api, messageForField, type InputOf, type OutputOf } from '../api';
import { useAction } from '../ui/use-action';
import { useRemotePeers } from '../stores/areas';
import { Empty } from '../ui/Empty';
import { ErrorAlert } from '../ui/ErrorAlert';
import { formatTime } from '../ui/format';

type RemotePeerRow = OutputOf<'remotePeers.list'>['peers'][number];
type Change = { kind: 'enable' | 'disable' | 'remove'; peer: RemotePeerRow };

const REFRESH_MS = 2000;

const EMPTY_FORM = { nodeId: '', address: '', type: 'cloud' as 'cloud' | 'remote', authority: '', clientId: '', clientSecret: '', scopes: ['netgoat:replicate'] };

function LinkState({ peer, thisNodeLeads }: { peer: RemotePeerRow; thisNodeLeads: boolean }) {
  const { link } = peer;
  switch (link.state) {
    case 'linked':
      return <Badge color="green" variant="light" title={link.since ? `since ${formatTime(link.since)}` : undefined}>Linked</Badge>;
    case 'connecting':
      return <Badge color="blue" variant="light">Connecting</Badge>;
    case 'failing':
      return (
        <Stack gap={2}>
          <Badge color="red" variant="light">Failing</Badge>
          {link.lastError && <Text size="xs" c="red" data-testid="remote-peer-error">{link.lastError.code}: {link.lastError.message}</Text>}
        </Stack>
      );
    case 'disabled':
      return <Badge color="gray" variant="light">Disabled</Badge>;
    case 'idle':
      return (
        <Stack gap={2}>
          <Badge color="gray" variant="outline">Idle</Badge>
          <Text size="xs" c="dimmed">{thisNodeLeads ? 'not linked yet' : 'this node is not the leader; the leader links'}</Text>
        </Stack>
      );
  }
}

function AddRemotePeer({ onDone }: { onDone: () => void }) {
  const [form, setForm] = useState(EMPTY_FORM);
  const { busy, error, run } = useAction();
  const field = (name: keyof typeof EMPTY_FORM) => messageForField(error, name);
  const submit = async () => {
    await run(async () => {
      await api.call('remotePeers.add', form satisfies InputOf<'remotePeers.add'>);
      // The secret leaves the form as soon as the node has it sealed.
      setForm(EMPTY_FORM);
      onDone();
    });
  };
  const set = (patch: Partial<typeof EMPTY_FORM>) => setForm({ ...form, ...patch });
  return (
    <Stack gap="xs" data-testid="add-remote-peer">
      <Group grow>
        <TextInput label="Node id" placeholder="cloud-1" value={form.nodeId} onChange={(e) => set({ nodeId: e.currentTarget.value })} error={field('nodeId')} />
        <TextInput label="Address" placeholder="wss://cloud-1.example.com:7381" value={form.address} onChange={(e) => set({ address: e.currentTarget.value })} error={field('address')} />
        <Select label="Type" data={['cloud', 'remote']} value={form.type} allowDeselect={false} onChange={(t) => t && set({ type: t as 'cloud' | 'remote' })} />
      </Group>
      <Group grow>
        <TextInput label="Authority (OIDC issuer)" placeholder="https://login.example.com/realms/netgoat" value={form.authority} onChange={(e) => set({ authority: e.currentTarget.value })} error={field('authority')} />
        <TextInput label="Client id" value={form.clientId} onChange={(e) => set({ clientId: e.currentTarget.value })} error={field('clientId')} />
        <PasswordInput label="Client secret" description="Stored encrypted; never shown again" autoComplete="off" value={form.clientSecret} onChange={(e) => set({ clientSecret: e.currentTarget.value })} error={field('clientSecret')} />
      </Group>
      <TagsInput label="Scopes" value={form.scopes} onChange={(scopes) => set({ scopes })} error={field('scopes')} />
      <ErrorAlert error={error} />
      <Group justify="flex-end">
        <Button loading={busy} onClick={() => void submit()} disabled={!form.nodeId || !form.address || !form.authority || !form.clientId || !form.clientSecret}>Add remote peer</Button>
      </Group>
    </Stack>
  );
}

const CHANGE_TEXT: Record<Change['kind'], { title: string; body: string; button: string; color: string }> = {
  disable: { title: 'Disable', body: 'The leader closes its link to this peer within 2 seconds and stops replicating to it. Its record and secret stay, so it can be enabled again.', button: 'Disable', color: 'orange' },
  enable: { title: 'Enable', body: 'The leader links to this peer again with a fresh token.', button: 'Enable', color: 'blue' },
  remove: { title: 'Remove', body: 'The record and its encrypted client secret are deleted on every node, and the leader disconnects at once. To link again, add it anew with its secret.', button: 'Remove', color: 'red' },
};

function ConfirmChange({ change, onClose }: { change: Change | null; onClose: () => void }) {
  const { busy, error, run } = useAction();
  if (!change) return null;
  const text = CHANGE_TEXT[change.kind];
  const apply = async () => {
    await run(async () => {
      const { nodeId } = change.peer;
      if (change.kind === 'remove') await api.call('remotePeers.remove', { nodeId });
      else await api.call('remotePeers.setEnabled', { nodeId, enabled: change.kind === 'enable' });
      onClose();
      await useRemotePeers.getState().reload();
    });
  };
  return (
    <Modal opened onClose={onClose} title={`${text.title} ${change.peer.nodeId}?`}>
      <Stack>
        <Text size="sm">{text.body}</Text>
        <ErrorAlert error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>Cancel</Button>
          <Button color={text.color} loading={busy} onClick={() => void apply()} data-testid={`confirm-${change.kind}`}>{text.button} {change.peer.nodeId}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function RemotePeers() {
  const { data, error } = useRemotePeers();
  const [adding, setAdding] = useState(false);
  const [change, setChange] = useState<Change | null>(null);
  useEffect(() => {
    void useRemotePeers.getState().load({});
    const timer = setInterval(() => void useRemotePeers.getState().reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const peers = data?.peers;
  return (
    <Card withBorder padding="md" data-testid="remote-peers">
      <Group justify="space-between" mb={4}>
        <Title order={4}>Remote peers</Title>
        <Button size="xs" variant={adding ? 'default' : 'filled'} onClick={() => setAdding(!adding)}>{adding ? 'Cancel' : 'Add remote peer'}</Button>
      </Group>
      <Text size="sm" c="dimmed" mb="sm">
        Nodes beyond the LAN (e.g. a cloud VM) that the leader links to with OAuth2 client credentials. The remote node checks the token before it replicates.
        {data && !data.thisNodeLeads && ' This node is not the leader: the leader holds the links, so their live state shows there.'}
      </Text>
      <Collapse expanded={adding}>
        <AddRemotePeer onDone={() => { setAdding(false); void useRemotePeers.getState().reload(); }} />
      </Collapse>
      <ErrorAlert error={error} />
      {peers?.length === 0 && !adding && (
        <Empty title="No remote peers">Add one with its address and the OAuth2 client the leader should use, or with `netgoat peers add-cloud` on a stopped node.</Empty>
      )}
      {peers && peers.length > 0 && (
        <Table>
          <Table.Thead><Table.Tr><Table.Th>Node</Table.Th><Table.Th>Address</Table.Th><Table.Th>Authority / client</Table.Th><Table.Th>Certificate</Table.Th><Table.Th>Link</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {peers.map((p) => (
              <Table.Tr key={p.id} data-testid={`remote-peer-${p.nodeId}`}>
                <Table.Td><Text ff="monospace" size="sm" style={{ whiteSpace: 'nowrap' }}>{p.nodeId}</Text><Text size="xs" c="dimmed">{p.type}</Text></Table.Td>
                <Table.Td ff="monospace">{p.address}</Table.Td>
                <Table.Td><Text size="sm">{p.authority}</Text><Text size="xs" c="dimmed">{p.clientId} · {p.scopes.join(' ')}</Text></Table.Td>
                <Table.Td ff="monospace" title={p.certFingerprint ?? 'pinned on the first link'}>{p.certFingerprint ? `${p.certFingerprint.slice(0, 16)}…` : '—'}</Table.Td>
                <Table.Td><LinkState peer={p} thisNodeLeads={data.thisNodeLeads} /></Table.Td>
                <Table.Td>
                  <Group gap="xs" justify="flex-end" wrap="nowrap">
                    <Button size="xs" variant="light" onClick={() => setChange({ kind: p.enabled ? 'disable' : 'enable', peer: p })}>{p.enabled ? 'Disable' : 'Enable'}</Button>
                    <Button size="xs" variant="light" color="red" onClick={() => setChange({ kind: 'remove', peer: p })}>Remove</Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <ConfirmChange change={change} onClose={() => setChange(null)} />
    </Card>
  );
}
