// Progress for anything that takes a moment: a spinner with what is being waited for.
import { Group, Loader, Text } from '@mantine/core';

export function Loading({ what }: { what: string }) {
  return (
    <Group gap="xs" py="md" data-testid="loading">
      <Loader size="sm" />
      <Text c="dimmed" size="sm">{what}</Text>
    </Group>
  );
}
