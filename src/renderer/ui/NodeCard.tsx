// The node this console is attached to: its id, whether it answers, and its version.
import { Badge, Group, Text } from '@mantine/core';
import { useSession } from '../stores/session';

export function NodeCard() {
  const node = useSession((s) => s.node);
  const nodeError = useSession((s) => s.nodeError);
  return (
    <Group gap="lg" justify="center" wrap="wrap">
      <Group gap={6}>
        <Text size="sm" c="dimmed">Node</Text>
        <Text size="sm" ff="monospace" data-testid="node-id">{node?.nodeId ?? '—'}</Text>
      </Group>
      <Group gap={6}>
        <Text size="sm" c="dimmed">Health</Text>
        {node ? (
          <Badge color="green" variant="light" data-testid="node-status">Healthy</Badge>
        ) : (
          <Badge color={nodeError ? 'red' : 'gray'} variant="light" data-testid="node-status">{nodeError ? 'Unavailable' : 'Unknown'}</Badge>
        )}
      </Group>
      <Group gap={6}>
        <Text size="sm" c="dimmed">Version</Text>
        <Text size="sm" data-testid="node-version">{node?.version ?? '—'}</Text>
      </Group>
    </Group>
  );
}
