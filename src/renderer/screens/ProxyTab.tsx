// A domain's reverse-proxy config: upstream pools, routes, WAF rules, cache, rate limit and response
// headers, edited as one draft, previewed as nginx config, then saved with optimistic concurrency.
import { ActionIcon, Button, Card, Code, Group, Modal, NumberInput, ScrollArea, SegmentedControl, Select, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState, type ReactNode } from 'react';
import type { ProxySettings } from '../../shared/api/views';
import { api, messageForField, toApiError, unplacedError, type OutputOf } from '../api';
import { useAction } from '../ui/use-action';
import { useProxyConfig, type DomainView } from '../stores/areas';
import { useCan } from '../stores/session';
import { getIn, setIn, type DraftPath } from '../ui/draft';
import { ErrorAlert } from '../ui/ErrorAlert';
import { Loading } from '../ui/Loading';
import { ReadOnlyNote } from '../ui/ReadOnlyNote';
import { StaleBanner } from '../ui/StaleBanner';

type Pool = ProxySettings['upstreamPools'][number];
type Server = Pool['servers'][number];

const newServer = (): Server => ({ host: '', port: 8080, weight: 1, maxFails: 1, failTimeoutS: 10, backup: false });
const newPool = (n: number): Pool => ({ name: n === 0 ? 'app' : `pool-${n + 1}`, method: 'round_robin', servers: [newServer()] });

function Section({ title, description, action, children }: { title: string; description: string; action?: ReactNode; children: ReactNode }) {
  return (
    <Card withBorder padding="md">
      <Group justify="space-between" mb="sm" align="flex-start">
        <Stack gap={2}>
          <Title order={4}>{title}</Title>
          <Text size="sm" c="dimmed">{description}</Text>
        </Stack>
        {action}
      </Group>
      {children}
    </Card>
  );
}

export function ProxyTab({ domain }: { domain: DomainView }) {
  const { data: config, error: loadError } = useProxyConfig();
  const canEdit = useCan('operator');
  const [draft, setDraft] = useState<ProxySettings | null>(null);
  const [baseVersion, setBaseVersion] = useState<string | null>(null);
  const { busy, error, run, setError } = useAction();
  const [saved, setSaved] = useState(false);
  const [preview, setPreview] = useState<OutputOf<'proxy.preview'> | null>(null);
  const [previewing, setPreviewing] = useState(false);

  useEffect(() => {
    void useProxyConfig.getState().load({ teamId: domain.teamId, domainId: domain.id });
  }, [domain.teamId, domain.id]);

  const loaded = config && config.domainId === domain.id ? config : null;
  // The form starts from the config as loaded, and keeps its draft while the stream refreshes the store.
  if (loaded && draft === null) {
    setDraft(loaded.settings);
    setBaseVersion(loaded.version);
  }
  if (!draft || !loaded) return loadError ? <ErrorAlert error={loadError} /> : <Loading what="Loading the proxy config…" />;

  const stale = loaded.version !== baseVersion || error?.code === 'NG_CONFLICT';
  const dirty = JSON.stringify(draft) !== JSON.stringify(loaded.settings) || loaded.version !== baseVersion;
  const ro = !canEdit;
  const errAt = (...path: DraftPath) => messageForField(error, 'settings', ...path);
  const set = (path: DraftPath, value: unknown) => {
    setSaved(false);
    setDraft((d) => (d ? setIn(d, path, value) : d));
  };
  const text = (path: DraftPath, label: string, extra: { placeholder?: string; description?: string } = {}) => (
    <TextInput label={label} {...extra} value={String(getIn(draft, path) ?? '')} onChange={(e) => set(path, e.currentTarget.value)} error={errAt(...path)} disabled={ro} />
  );
  const num = (path: DraftPath, label: string, min: number, max: number) => (
    <NumberInput label={label} min={min} max={max} value={getIn(draft, path) as number} onChange={(v) => set(path, typeof v === 'number' ? v : Number(v) || 0)} error={errAt(...path)} disabled={ro} />
  );
  const choice = (path: DraftPath, label: string, data: { value: string; label: string }[]) => (
    <Select label={label} data={data} allowDeselect={false} value={String(getIn(draft, path))} onChange={(v) => v && set(path, v)} error={errAt(...path)} disabled={ro} />
  );
  const remove = (path: DraftPath, index: number) => set(path, (getIn(draft, path) as unknown[]).filter((_, i) => i !== index));
  const append = (path: DraftPath, item: unknown) => set(path, [...(getIn(draft, path) as unknown[]), item]);
  const removeButton = (path: DraftPath, index: number, what: string) => !ro && (
    <ActionIcon variant="subtle" color="red" aria-label={`Remove ${what}`} onClick={() => remove(path, index)} mt={24}>✕</ActionIcon>
  );

  const reload = async () => {
    await useProxyConfig.getState().reload();
    const fresh = useProxyConfig.getState().data;
    if (fresh) {
      setDraft(fresh.settings);
      setBaseVersion(fresh.version);
    }
    setError(null);
  };

  async function save() {
    if (!draft) return;
    await run(async () => {
      const { config: next } = await api.call('proxy.update', { teamId: domain.teamId, domainId: domain.id, expectedVersion: baseVersion, settings: draft });
      useProxyConfig.setState({ data: next });
      setDraft(next.settings);
      setBaseVersion(next.version);
      setSaved(true);
    });
  }

  async function previewDraft() {
    if (!draft) return;
    setPreviewing(true);
    try {
      setPreview(await api.call('proxy.preview', { teamId: domain.teamId, domainId: domain.id, settings: draft }));
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setPreviewing(false);
    }
  }

  const poolNames = draft.upstreamPools.map((p) => ({ value: p.name, label: p.name }));
  const fieldErrorShown = error?.path[0] === 'settings' && messageForField(error, ...error.path) !== undefined && error.path.length > 1;

  return (
    <Stack>
      {ro && <ReadOnlyNote need="operator" what="this proxy config" />}
      {stale && <StaleBanner onReload={() => void reload()} />}

      <Section
        title="Upstream pools"
        description="Backends nginx balances across. Weight shares traffic; after max fails within the fail timeout a server is skipped for that long."
        action={!ro && <Button variant="light" size="xs" onClick={() => append(['upstreamPools'], newPool(draft.upstreamPools.length))}>Add pool</Button>}
      >
        {draft.upstreamPools.length === 0 && <Text size="sm" c="dimmed">No pools: requests to this domain get no backend. Add a pool, then a route to it.</Text>}
        <Stack>
          {draft.upstreamPools.map((pool, i) => (
            <Card key={i} withBorder padding="sm" bg="var(--mantine-color-gray-light)" data-testid={`pool-${i}`}>
              <Group align="flex-start" grow>
                {text(['upstreamPools', i, 'name'], 'Pool name')}
                {choice(['upstreamPools', i, 'method'], 'Balancing', [
                  { value: 'round_robin', label: 'Round robin' }, { value: 'least_conn', label: 'Least connections' }, { value: 'ip_hash', label: 'Client IP hash' },
                ])}
                <Group justify="flex-end">{removeButton(['upstreamPools'], i, `pool ${pool.name}`)}</Group>
              </Group>
              <Table mt="sm" verticalSpacing={4}>
                <Table.Tbody>
                  {pool.servers.map((_, j) => {
                    const at = ['upstreamPools', i, 'servers', j] as const;
                    return (
                      <Table.Tr key={j}>
                        <Table.Td w="34%">{text([...at, 'host'], 'Host', { placeholder: '10.0.0.5' })}</Table.Td>
                        <Table.Td>{num([...at, 'port'], 'Port', 1, 65535)}</Table.Td>
                        <Table.Td>{num([...at, 'weight'], 'Weight', 1, 1000)}</Table.Td>
                        <Table.Td>{num([...at, 'maxFails'], 'Max fails', 0, 100)}</Table.Td>
                        <Table.Td>{num([...at, 'failTimeoutS'], 'Fail timeout (s)', 1, 3600)}</Table.Td>
                        <Table.Td>
                          <Switch label="Backup" mt={24} checked={pool.servers[j]!.backup} onChange={(e) => set([...at, 'backup'], e.currentTarget.checked)} error={errAt(...at, 'backup')} disabled={ro} />
                        </Table.Td>
                        <Table.Td>{pool.servers.length > 1 && removeButton(['upstreamPools', i, 'servers'], j, 'server')}</Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
              {errAt('upstreamPools', i, 'servers') && !errAt('upstreamPools', i, 'servers', 0) && <Text c="red" size="sm">{errAt('upstreamPools', i, 'servers')}</Text>}
              {!ro && <Button variant="subtle" size="xs" mt="xs" onClick={() => append(['upstreamPools', i, 'servers'], newServer())}>Add server</Button>}
            </Card>
          ))}
        </Stack>
      </Section>

      <Section
        title="Routes"
        description="Which pool serves which path. The longest matching prefix wins; exact matches win over prefixes."
        action={!ro && <Button variant="light" size="xs" disabled={poolNames.length === 0} onClick={() => append(['routes'], { path: '/', match: 'prefix', pool: draft.upstreamPools[0]?.name ?? '' })}>Add route</Button>}
      >
        {draft.routes.length === 0 && <Text size="sm" c="dimmed">{poolNames.length === 0 ? 'Add a pool first, then route paths to it.' : 'No routes yet: add one for "/" to send all traffic to a pool.'}</Text>}
        <Stack gap="xs">
          {draft.routes.map((_, i) => (
            <Group key={i} align="flex-start" grow>
              {text(['routes', i, 'path'], 'Path', { placeholder: '/api/' })}
              {choice(['routes', i, 'match'], 'Match', [{ value: 'prefix', label: 'Prefix' }, { value: 'exact', label: 'Exact' }])}
              {choice(['routes', i, 'pool'], 'Pool', poolNames)}
              <Group justify="flex-end">{removeButton(['routes'], i, 'route')}</Group>
            </Group>
          ))}
        </Stack>
      </Section>

      <Section
        title="WAF rules"
        description={domain.wafEnabled ? 'Checked in order. Log-only records a match without blocking it: use it to try a rule before enforcing.' : 'The WAF is off for this domain (Settings tab): these rules are kept but not applied.'}
        action={!ro && <Button variant="light" size="xs" onClick={() => append(['wafRules'], { id: `rule-${draft.wafRules.length + 1}`, kind: 'ip', pattern: '', action: 'deny', mode: 'log_only' })}>Add rule</Button>}
      >
        {draft.wafRules.length === 0 && <Text size="sm" c="dimmed">No rules. Add one to deny or allow by IP, path, method, header or user agent.</Text>}
        <Stack gap="xs">
          {draft.wafRules.map((r, i) => (
            <Group key={i} align="flex-start" grow>
              {text(['wafRules', i, 'id'], 'Rule id')}
              {choice(['wafRules', i, 'kind'], 'Match on', [
                { value: 'ip', label: 'Client IP / CIDR' }, { value: 'path', label: 'Path prefix' }, { value: 'method', label: 'Method' }, { value: 'header', label: 'Header' }, { value: 'user_agent', label: 'User agent' },
              ])}
              {text(['wafRules', i, 'pattern'], 'Pattern', { placeholder: r.kind === 'ip' ? '203.0.113.0/24' : r.kind === 'header' ? 'X-Debug: 1' : '' })}
              {choice(['wafRules', i, 'action'], 'Action', [{ value: 'deny', label: 'Deny' }, { value: 'allow', label: 'Allow' }])}
              <Stack gap={4}>
                <Text size="sm" fw={500}>Mode</Text>
                <SegmentedControl size="xs" data={[{ value: 'block', label: 'Block' }, { value: 'log_only', label: 'Log only' }]} value={r.mode} onChange={(v) => set(['wafRules', i, 'mode'], v)} disabled={ro} />
              </Stack>
              <Group justify="flex-end">{removeButton(['wafRules'], i, 'rule')}</Group>
            </Group>
          ))}
        </Stack>
      </Section>

      <Group grow align="stretch">
        <Section title="Cache" description="Standard respects the backend's cache headers; aggressive caches for the TTL regardless.">
          <Group grow align="flex-start">
            {choice(['cache', 'mode'], 'Mode', [{ value: 'off', label: 'Off' }, { value: 'standard', label: 'Standard' }, { value: 'aggressive', label: 'Aggressive' }])}
            {num(['cache', 'ttlSeconds'], 'TTL (seconds)', 1, 31536000)}
          </Group>
        </Section>
        <Section title="Rate limit" description="Per client IP. Requests over the rate beyond the burst get 429.">
          <Stack gap="xs">
            <Switch label="Limit requests" checked={draft.rateLimit.enabled} onChange={(e) => set(['rateLimit', 'enabled'], e.currentTarget.checked)} disabled={ro} />
            <Group grow align="flex-start">
              {num(['rateLimit', 'requestsPerSecond'], 'Requests per second', 1, 100000)}
              {num(['rateLimit', 'burst'], 'Burst', 0, 100000)}
            </Group>
          </Stack>
        </Section>
      </Group>

      <Section
        title="Response headers"
        description="Added to every response of this domain."
        action={!ro && <Button variant="light" size="xs" onClick={() => append(['headers'], { name: '', value: '' })}>Add header</Button>}
      >
        {draft.headers.length === 0 && <Text size="sm" c="dimmed">No extra headers.</Text>}
        <Stack gap="xs">
          {draft.headers.map((_, i) => (
            <Group key={i} align="flex-start" grow>
              {text(['headers', i, 'name'], 'Name', { placeholder: 'Strict-Transport-Security' })}
              {text(['headers', i, 'value'], 'Value')}
              <Group justify="flex-end">{removeButton(['headers'], i, 'header')}</Group>
            </Group>
          ))}
        </Stack>
      </Section>

      {error?.code !== 'NG_CONFLICT' && !fieldErrorShown && <ErrorAlert error={unplacedError(error, [])} />}
      {fieldErrorShown && <Text c="red" size="sm" data-testid="form-error-summary">Fix the highlighted field: {error?.message}</Text>}
      <Group justify="space-between" pos="sticky" bottom={0} py="sm" bg="var(--mantine-color-body)" style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}>
        <Text size="sm" c={saved && !dirty ? 'green' : 'dimmed'}>
          {saved && !dirty ? 'Saved. Agents serving this domain pick it up on their next apply.' : loaded.version === null && !dirty ? 'Defaults: nothing saved for this domain yet.' : dirty ? 'Unsaved changes' : 'No changes'}
        </Text>
        <Group gap="xs">
          <Button variant="default" onClick={() => void previewDraft()} loading={previewing}>Preview nginx config</Button>
          {canEdit && <Button onClick={() => void save()} loading={busy} disabled={stale || (!dirty && loaded.version !== null)}>Save proxy config</Button>}
        </Group>
      </Group>

      <Modal opened={preview !== null} onClose={() => setPreview(null)} title="nginx config for this draft" size="xl">
        {preview && (preview.ok ? (
          <Stack gap="xs">
            <Text size="sm" c="dimmed" ff="monospace">{preview.path}</Text>
            <ScrollArea h={480}><Code block>{preview.text}</Code></ScrollArea>
          </Stack>
        ) : (
          <Stack gap="xs">
            <Text c="red" fw={600}>This draft cannot be rendered safely:</Text>
            {preview.errors.map((e, i) => <Text key={i} size="sm"><Code>{e.path.join('.')}</Code> {e.message}</Text>)}
          </Stack>
        ))}
      </Modal>
    </Stack>
  );
}
