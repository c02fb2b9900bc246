// One domain, in tabs: its settings, DNS records, reverse-proxy config, the nginx config preview and its traffic.
import { Anchor, Breadcrumbs, Group, Stack, Tabs, Text, Title } from '@mantine/core';
import { useEffect } from 'react';
import { navigate } from '../router';
import { useDomain } from '../stores/areas';
import { ErrorAlert } from '../ui/ErrorAlert';
import { Loading } from '../ui/Loading';
import { TlsBadge } from '../ui/TlsBadge';
import { DomainSettingsTab } from './DomainSettingsTab';
import { DnsTab } from './DnsTab';
import { ProxyTab } from './ProxyTab';
import { PreviewTab } from './PreviewTab';
import { TrafficPanel } from '../ui/TrafficPanel';

const TABS = ['settings', 'dns', 'proxy', 'preview', 'traffic'] as const;
type Tab = (typeof TABS)[number];

export function DomainDetail({ teamId, domainId, tab }: { teamId: string; domainId: string; tab: string | undefined }) {
  const { data: domain, error, loading } = useDomain();
  const current: Tab = (TABS as readonly string[]).includes(tab ?? '') ? (tab as Tab) : 'settings';
  useEffect(() => {
    void useDomain.getState().load({ teamId, domainId });
  }, [teamId, domainId]);

  const crumbs = (
    <Breadcrumbs>
      <Anchor href="/domains" onClick={(e) => { e.preventDefault(); navigate('/domains'); }}>Domains</Anchor>
      <Text>{domain?.displayHostname ?? domainId}</Text>
    </Breadcrumbs>
  );
  if (!domain) {
    return (
      <Stack>
        {crumbs}
        {loading && <Loading what="Loading the domain…" />}
        <ErrorAlert error={error} />
      </Stack>
    );
  }
  return (
    <Stack gap="md">
      {crumbs}
      <Group gap="sm">
        <Title order={2}>{domain.displayHostname}</Title>
        <TlsBadge tls={domain.tls} />
      </Group>
      <Tabs value={current} onChange={(t) => t && navigate(`/domains/${domainId}/${t}`)} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="settings">Settings</Tabs.Tab>
          <Tabs.Tab value="dns">DNS records</Tabs.Tab>
          <Tabs.Tab value="proxy">Proxy</Tabs.Tab>
          <Tabs.Tab value="preview">Preview</Tabs.Tab>
          <Tabs.Tab value="traffic">Traffic</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="settings" pt="lg"><DomainSettingsTab key={domain.id} domain={domain} /></Tabs.Panel>
        <Tabs.Panel value="dns" pt="lg"><DnsTab domain={domain} /></Tabs.Panel>
        <Tabs.Panel value="proxy" pt="lg"><ProxyTab key={domain.id} domain={domain} /></Tabs.Panel>
        <Tabs.Panel value="preview" pt="lg"><PreviewTab domain={domain} /></Tabs.Panel>
        <Tabs.Panel value="traffic" pt="lg">
          <TrafficPanel teamId={teamId} domainId={domain.id} emptyText="Traffic appears once an agent serving this domain ships its first minute." />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
