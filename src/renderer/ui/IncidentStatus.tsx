// Incident status as a badge: open needs someone, acknowledged has someone, resolved is done.
import { Badge } from '@mantine/core';
import type { IncidentView } from '../stores/areas';

const LOOK = { open: ['Open', 'red'], acknowledged: ['Acknowledged', 'yellow'], resolved: ['Resolved', 'green'] } as const;

export function IncidentStatus({ status }: { status: IncidentView['status'] }) {
  const [word, color] = LOOK[status];
  return <Badge color={color} variant="light">{word}</Badge>;
}
