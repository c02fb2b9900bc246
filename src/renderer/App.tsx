// Placeholder screen until the real UI lands: shows which node this console is attached to and
// whether it answers, read live from the node (preload IPC in Electron, GET /healthz in a browser).
import { Alert, Badge, Card, Container, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { NodeInfo } from '../shared/node-info';

declare global {
  interface Window {
    /** Present only inside the Electron window (src/preload). */
    netgoat?: { nodeInfo(): Promise<NodeInfo> };
  }
}

type Health = { state: 'loading' } | { state: 'ok'; info: NodeInfo } | { state: 'error'; message: string };

async function fetchNodeInfo(): Promise<NodeInfo> {
  if (window.netgoat) return window.netgoat.nodeInfo();
  const res = await fetch('/healthz', { cache: 'no-store' });
  if (!res.ok) throw new Error(`the node answered ${res.status} ${res.statusText}`);
  return (await res.json()) as NodeInfo;
}

export function App() {
  const [health, setHealth] = useState<Health>({ state: 'loading' });

  useEffect(() => {
    let live = true;
    fetchNodeInfo().then(
      (info) => live && setHealth({ state: 'ok', info }),
      (e: unknown) => live && setHealth({ state: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
  }, []);

  return (
    <Container size="sm" py="xl">
      <Stack gap="md">
        <Title order={1}>Netgoat</Title>
        <Text c="dimmed">Local-first cluster manager for your nginx edge.</Text>
        {health.state === 'loading' && (
          <Group gap="xs">
            <Loader size="sm" />
            <Text>Contacting the node…</Text>
          </Group>
        )}
        {health.state === 'error' && (
          <Alert color="red" title="The node does not answer">
            {health.message}
          </Alert>
        )}
        {health.state === 'ok' && (
          <Card withBorder padding="lg">
            <Stack gap="xs">
              <Group gap="xs">
                <Text fw={600}>Node</Text>
                <Text ff="monospace" data-testid="node-id">
                  {health.info.nodeId}
                </Text>
              </Group>
              <Group gap="xs">
                <Text fw={600}>Health</Text>
                <Badge color="green" data-testid="node-status">
                  Healthy
                </Badge>
              </Group>
              <Group gap="xs">
                <Text fw={600}>Version</Text>
                <Text data-testid="node-version">{health.info.version}</Text>
              </Group>
            </Stack>
          </Card>
        )}
      </Stack>
    </Container>
  );
}
