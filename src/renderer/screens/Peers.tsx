// The cluster as this node sees it: itself, the leader with its term, the members and their links,
// the nodes mDNS found, and (for the instance owner) create / join / add by address / remove.
// Links and elections change without a write, so the screen asks the node again every 3 s while open.
import { Alert, Badge, Button, Card, Code, CopyButton, Group, Modal, NumberInput, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, messageForField, toApiError, unplacedError, type ApiError, type OutputOf } from '../api';
import { useAction } from '../ui/use-action';
import { usePeers } from '../stores/areas';
import { useIsOwner } from '../stores/session';
import { Empty } from '../ui/Empty';
import { ErrorAlert } from '../ui/ErrorAlert';
import { formatTime, relativeTime } from '../ui/format';
import { Loading } from '../ui/Loading';
import { PageHeader } from '../ui/PageHeader';
import { RemotePeers } from './PeersRemote';

type Status = OutputOf<'peers.status'>;
type MemberRow = Status['members'][number];
type DiscoveredRow = Status['discovered'][number];
type Created = OutputOf<'cluster.create'>;

const REFRESH_MS = 3000;

const reloadPeers = () => usePeers.getState().reload();

/** The address a peer link dials: IPv6 literals go in brackets. */
const wssAddress = (host: string, port: number) => `wss://${host.includes(':') ? `[${host}]` : host}:${port}`;

const ago = (ms: number | null) => (ms ? relativeTime(ms) : '—');

function Field({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <Group gap="xs" wrap="nowrap" align="baseline">
      <Text size="sm" c="dimmed" w={110} style={{ flexShrink: 0 }}>{label}</Text>
      <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }} data-testid={testId}>{children}</Text>
    </Group>
  );
}

function ThisNode({ status }: { status: Status }) {
  const { self } = status;
  return (
    <Card withBorder padding="md" data-testid="this-node">
      <Group justify="space-between" mb="xs">
        <Title order={4}>This node</Title>
        {self.inCluster ? <Badge variant="light">{status.election.role}</Badge> : <Badge color="gray" variant="outline">not in a cluster</Badge>}
      </Group>
      <Stack gap={4}>
        <Field label="Name">{self.name}</Field>
        <Field label="Node id" testId="self-node-id">{self.nodeId}</Field>
        <Field label="Fingerprint">{self.fingerprint}</Field>
        <Field label="Peer address">{self.peerAddress ?? 'not listening for peers'}</Field>
        <Field label="State hash">{status.stateHash.slice(0, 16)}…</Field>
      </Stack>
    </Card>
  );
}

function Leader({ status }: { status: Status }) {
  const { leader } = status;
  const name = leader && (status.members.find((m) => m.nodeId === leader.nodeId)?.name ?? (leader.nodeId === status.self.nodeId ? status.self.name : null));
  return (
    <Card withBorder padding="md" data-testid="leader">
      <Title order={4} mb="xs">Leader</Title>
      {leader ? (
        <Stack gap={4}>
          <Text fw={500} data-testid="leader-name">
            {name ?? 'Unknown member'}
            {leader.nodeId === status.self.nodeId && <Badge ml="xs" size="sm" variant="light">this node</Badge>}
          </Text>
          <Field label="Node id" testId="leader-node-id">{leader.nodeId}</Field>
          <Field label="Term">{leader.term}</Field>
          <Text size="sm" c="dimmed" title={formatTime(leader.since)}>{leader.since ? `since ${relativeTime(leader.since)}` : 'since an unknown time'}</Text>
        </Stack>
      ) : (
        <Text size="sm" data-testid="no-leader">
          No leader elected yet.{' '}
          {status.self.inCluster ? 'An election is under way; it settles within a second or two.' : 'This node works on its own until it creates or joins a cluster.'}
        </Text>
      )}
    </Card>
  );
}

function JoinCode({ created, onDismiss }: { created: Created; onDismiss: () => void }) {
  return (
    <Alert color="green" title="Cluster created" data-testid="join-code-once">
      <Stack gap="xs">
        <Text size="sm" fw={500}>Copy the join code now: it will not be shown again. Other nodes need it to join; anyone who has it can join.</Text>
        <Group wrap="nowrap">
          <Code block style={{ flex: 1, wordBreak: 'break-all' }} data-testid="join-code">{created.joinCode}</Code>
          <CopyButton value={created.joinCode}>{({ copied, copy }) => <Button size="xs" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
        </Group>
        <Text size="sm" c="dimmed">Cluster id <Code>{created.clusterId}</Code></Text>
        <Button size="xs" variant="default" w="fit-content" onClick={onDismiss}>I have copied it</Button>
      </Stack>
    </Alert>
  );
}

function CreateCluster({ onCreated }: { onCreated: (c: Created) => void }) {
  const { busy, error, run } = useAction();
  const create = async () => {
    await run(async () => {
      onCreated(await api.call('cluster.create', {}));
      await reloadPeers();
    });
  };
  return (
    <Card withBorder padding="md" data-testid="create-cluster">
      <Title order={4} mb={4}>Create a cluster</Title>
      <Text size="sm" c="dimmed" mb="sm">Make this node the first member. You get a join code once; other nodes join with it.</Text>
      <ErrorAlert error={error} />
      <Button mt="sm" loading={busy} onClick={() => void create()}>Create cluster</Button>
    </Card>
  );
}

function JoinCluster({ address, setAddress }: { address: string; setAddress: (a: string) => void }) {
  const [joinCode, setJoinCode] = useState('');
  const { busy, error, run } = useAction();
  const join = async (e: FormEvent) => {
    e.preventDefault();
    await run(async () => {
      await api.call('cluster.join', { address, joinCode });
      setJoinCode('');
      await reloadPeers();
    });
  };
  return (
    <Card withBorder padding="md" data-testid="join-cluster">
      <form onSubmit={join} noValidate>
        <Stack gap="xs">
          <Title order={4}>Join a cluster</Title>
          <Text size="sm" c="dimmed">Use the peer address of a member and the join code its creator was shown.</Text>
          <TextInput label="Member address" placeholder="wss://host:7381" value={address} onChange={(e) => setAddress(e.currentTarget.value)} error={messageForField(error, 'address')} />
          <TextInput label="Join code" autoComplete="off" value={joinCode} onChange={(e) => setJoinCode(e.currentTarget.value)} error={messageForField(error, 'joinCode')} />
          <ErrorAlert error={unplacedError(error, [['address'], ['joinCode']])} />
          <Group justify="flex-end"><Button type="submit" loading={busy}>Join cluster</Button></Group>
        </Stack>
      </form>
    </Card>
  );
}

function AddByAddress() {
  const [address, setAddress] = useState('');
  const { busy, error, run } = useAction();
  const [added, setAdded] = useState<string | null>(null);
  const connect = async (e: FormEvent) => {
    e.preventDefault();
    setAdded(null);
    await run(async () => {
      await api.call('cluster.connect', { address });
      setAdded(address);
      setAddress('');
      await reloadPeers();
    });
  };
  return (
    <form onSubmit={connect} noValidate data-testid="add-by-address">
      <Stack gap="xs">
        <Group align="flex-start">
          <TextInput style={{ flex: 1 }} label="Add by address" description="For a member mDNS cannot see (another subnet); the link still proves the cluster key." placeholder="wss://host:7381" value={address} onChange={(e) => setAddress(e.currentTarget.value)} error={messageForField(error, 'address')} />
          <Button type="submit" mt={44} loading={busy}>Connect</Button>
        </Group>
        <ErrorAlert error={unplacedError(error, [['address']])} />
        {added && <Text size="sm" c="green">Dialing {added}; it shows up as connected once it proves the key.</Text>}
      </Stack>
    </form>
  );
}

function Priority({ member }: { member: MemberRow }) {
  const [value, setValue] = useState<number | string>(member.priority);
  const { error, run } = useAction();
  const save = async () => {
    if (typeof value !== 'number' || value === member.priority) return;
    await run(async () => {
      await api.call('cluster.setPriority', { nodeId: member.nodeId, priority: value });
      await reloadPeers();
    });
  };
  return (
    <NumberInput size="xs" w={90} min={0} max={1000} aria-label={`Priority of ${member.name}`} value={value} onChange={setValue}
      onBlur={() => void save()} error={error?.message} />
  );
}

function ConfirmRemove({ member, onClose }: { member: MemberRow | null; onClose: () => void }) {
  const { busy, error, run } = useAction();
  if (!member) return null;
  const remove = async () => {
    await run(async () => {
      await api.call('cluster.removeMember', { nodeId: member.nodeId });
      onClose();
      await reloadPeers();
    });
  };
  return (
    <Modal opened onClose={onClose} title={`Remove ${member.name}?`}>
      <Stack>
        <Text size="sm">{member.name} (<Code>{member.nodeId}</Code>) is disconnected everywhere and the cluster key is rotated, so its old key opens nothing. To come back it must join again with a new code.</Text>
        <ErrorAlert error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>Cancel</Button>
          <Button color="red" loading={busy} onClick={() => void remove()} data-testid="confirm-remove-member">Remove {member.name}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function LinkCell({ member }: { member: MemberRow }) {
  if (member.self) return <Badge variant="outline" color="gray">this node</Badge>;
  return member.connected ? <Badge color="green" variant="light">Connected</Badge> : <Badge color="red" variant="light">Disconnected</Badge>;
}

function Members({ status, owner }: { status: Status; owner: boolean }) {
  const [removing, setRemoving] = useState<MemberRow | null>(null);
  const members = status.members.filter((m) => !m.removed);
  return (
    <Card withBorder padding="md" data-testid="members">
      <Title order={4} mb={4}>Members</Title>
      {members.length === 0 ? (
        <Empty title="No members yet">{owner ? 'Create a cluster above or join one; members appear here with their links.' : 'The instance owner creates or joins a cluster; members appear here with their links.'}</Empty>
      ) : (
        <Table.ScrollContainer minWidth={900}>
          <Table data-testid="members-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th><Table.Th>Node</Table.Th><Table.Th>Link</Table.Th><Table.Th>Last seen</Table.Th><Table.Th>Last error</Table.Th>
                <Table.Th title="Ops refused because the peer's clock ran too far ahead">Skew rejections</Table.Th><Table.Th>Clock offset</Table.Th><Table.Th>Priority</Table.Th>{owner && <Table.Th />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {members.map((m) => (
                <Table.Tr key={m.nodeId}>
                  <Table.Td>{m.name}{status.leader?.nodeId === m.nodeId && <Badge ml="xs" size="xs" color="grape">leader</Badge>}</Table.Td>
                  <Table.Td ff="monospace" title={`certificate ${m.certFingerprint}${m.address ? `, ${m.address}` : ''}`}>{m.nodeId}</Table.Td>
                  <Table.Td><LinkCell member={m} /></Table.Td>
                  <Table.Td title={formatTime(m.lastSeen)}>{m.self ? '—' : ago(m.lastSeen)}</Table.Td>
                  <Table.Td>{m.lastError ? <Text size="xs" c="red">{m.lastError.code}: {m.lastError.message}</Text> : '—'}</Table.Td>
                  <Table.Td>{m.skewRejections > 0 ? <Badge color="red" data-testid="skew-rejections">{m.skewRejections}</Badge> : <Text size="sm" c="dimmed">0</Text>}</Table.Td>
                  <Table.Td>{m.clockOffsetMs === null ? '—' : `${m.clockOffsetMs > 0 ? '+' : ''}${m.clockOffsetMs} ms`}</Table.Td>
                  <Table.Td>{owner ? <Priority key={m.priority} member={m} /> : m.priority}</Table.Td>
                  {owner && <Table.Td>{!m.self && <Button size="xs" color="red" variant="subtle" onClick={() => setRemoving(m)}>Remove</Button>}</Table.Td>}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {owner && status.self.inCluster && <Stack mt="md"><AddByAddress /></Stack>}
      <ConfirmRemove member={removing} onClose={() => setRemoving(null)} />
    </Card>
  );
}

const STATE_BADGE: Record<DiscoveredRow['state'], { color: string; words: string }> = {
  member: { color: 'green', words: 'Member' },
  pending: { color: 'orange', words: 'Pending' },
  discovered: { color: 'gray', words: 'Discovered' },
};

function Discovered({ status, owner, onPickForJoin }: { status: Status; owner: boolean; onPickForJoin: (address: string) => void }) {
  const [error, setError] = useState<ApiError | null>(null);
  const [dialing, setDialing] = useState<string | null>(null);
  const connect = async (address: string) => {
    setError(null);
    setDialing(address);
    try {
      await api.call('cluster.connect', { address });
      await reloadPeers();
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setDialing(null);
    }
  };
  const nodes = status.discovered;
  return (
    <Card withBorder padding="md" data-testid="discovered">
      <Title order={4} mb={4}>Discovered nodes</Title>
      <Text size="sm" c="dimmed" mb="sm">Netgoat nodes found on the LAN by mDNS. Being found never makes a node trusted: it becomes a member only with the join code.</Text>
      <ErrorAlert error={error} />
      {nodes.length === 0 ? (
        <Empty title="No nodes found on this network">Start Netgoat on another machine here and it shows up within seconds. Where multicast does not cross (another subnet), add it by address.</Empty>
      ) : (
        <Table data-testid="discovered-table">
          <Table.Thead><Table.Tr><Table.Th>Node</Table.Th><Table.Th>Address</Table.Th><Table.Th>Fingerprint</Table.Th><Table.Th>State</Table.Th><Table.Th>Last seen</Table.Th>{owner && <Table.Th />}</Table.Tr></Table.Thead>
          <Table.Tbody>
            {nodes.map((n) => {
              const address = n.addresses[0] === undefined ? null : wssAddress(n.addresses[0], n.port);
              const badge = STATE_BADGE[n.state];
              return (
                <Table.Tr key={n.nodeId}>
                  <Table.Td ff="monospace">{n.nodeId}</Table.Td>
                  <Table.Td ff="monospace">{n.addresses.map((a) => wssAddress(a, n.port)).join(', ') || '—'}</Table.Td>
                  <Table.Td ff="monospace" title={n.fingerprint}>{n.fingerprint.slice(0, 16)}…</Table.Td>
                  <Table.Td><Badge color={badge.color} variant="light">{badge.words}</Badge></Table.Td>
                  <Table.Td title={formatTime(n.lastSeen)}>{relativeTime(n.lastSeen)}</Table.Td>
                  {owner && (
                    <Table.Td>
                      {n.state !== 'member' && address && (status.self.inCluster
                        ? <Button size="xs" variant="light" loading={dialing === address} onClick={() => void connect(address)}>Connect</Button>
                        : <Button size="xs" variant="subtle" onClick={() => onPickForJoin(address)}>Join this</Button>)}
                    </Table.Td>
                  )}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}

export function Peers() {
  const { data, error, loading } = usePeers();
  const owner = useIsOwner();
  const [created, setCreated] = useState<Created | null>(null);
  const [joinAddress, setJoinAddress] = useState('');
  useEffect(() => {
    void usePeers.getState().load({});
    const timer = setInterval(() => void reloadPeers(), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  return (
    <>
      <PageHeader title="Peers" description="Netgoat nodes that hold a full replica of this cluster. Nodes on the LAN are found by mDNS and join only with the join code." />
      <Stack>
        <ErrorAlert error={error} />
        {!data && loading && <Loading what="Asking the node about the cluster…" />}
        {created && <JoinCode created={created} onDismiss={() => setCreated(null)} />}
        {data && (
          <>
            <Group grow align="stretch">
              <ThisNode status={data} />
              <Leader status={data} />
            </Group>
            {!data.self.inCluster && (owner ? (
              <Group grow align="stretch">
                <CreateCluster onCreated={setCreated} />
                <JoinCluster address={joinAddress} setAddress={setJoinAddress} />
              </Group>
            ) : (
              <Alert color="gray" variant="light" data-testid="read-only-note">This node is not in a cluster yet. Creating or joining one needs the instance owner.</Alert>
            ))}
            <Members status={data} owner={owner} />
            <Discovered status={data} owner={owner} onPickForJoin={setJoinAddress} />
          </>
        )}
        {owner && <RemotePeers />}
      </Stack>
    </>
  );
}
