// Optimistic concurrency, said plainly: someone saved this since the form was opened; reload instead of overwriting.
import { Alert, Button, Group, Text } from '@mantine/core';

export function StaleBanner({ onReload }: { onReload: () => void }) {
  return (
    <Alert color="orange" variant="light" title="This domain changed since you opened it" data-testid="stale-banner">
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm">Someone else saved a newer version. Reload to see it; your unsaved edits here will be discarded.</Text>
        <Button size="xs" color="orange" onClick={onReload}>Reload</Button>
      </Group>
    </Alert>
  );
}
