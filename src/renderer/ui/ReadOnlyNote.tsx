// Tells a viewer why the edit controls are missing, instead of leaving them to guess.
import { Alert } from '@mantine/core';
import type { Role } from '../../shared/api/roles';

export function ReadOnlyNote({ need, what }: { need: Role; what: string }) {
  return (
    <Alert color="gray" variant="light" data-testid="read-only-note" mb="md">
      You can view {what}; changing them needs the {need} role in this team.
    </Alert>
  );
}
