// The frame around first-run setup and sign-in: the product name, the form, and the node it talks to.
import { Card, Center, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { NodeCard } from '../ui/NodeCard';

export function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <Center mih="100vh" p="md" bg="var(--mantine-color-gray-light)">
      <Stack w={420} maw="100%" gap="lg">
        <Stack gap={2} align="center">
          <Title order={1}>Netgoat</Title>
          <Text c="dimmed" size="sm">Local-first cluster manager for your nginx edge</Text>
        </Stack>
        <Card withBorder shadow="sm" padding="xl" radius="md">{children}</Card>
        <NodeCard />
      </Stack>
    </Center>
  );
}
