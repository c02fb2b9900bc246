// An empty list that says what it means and what to do next; never stand-in data.
import { EmptyState } from '@mantine/core';
import type { ReactNode } from 'react';

export function Empty({ title, children, action }: { title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <EmptyState title={title} description={children} py="xl" data-testid="empty-state">
      {action && <EmptyState.Actions>{action}</EmptyState.Actions>}
    </EmptyState>
  );
}
